export * from './apps';
export * from './aws-adapters';
export * from './enqueue';
export * from './errors';
export * from './receive';
export * from './routing-attributes';
export * from './aws-http';
export * from './lambda-adapters';
