export * from './audience-csv';
export * from './template';
export * from './send-slice';
export * from './process-campaign-jobs';
export * from './deps-from-env';
export * from './env.schema';
export * from './suppression-csv';
export * from './rate-card-csv';
