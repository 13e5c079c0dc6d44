export * from './test-db';
export * from './test-queues';
export * from './until';
export * from './sqs-record';
export * from './db-state';
export * from './login';
