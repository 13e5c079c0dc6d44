export {
  startEventSourceMapping,
  type BatchInfo,
  type EventSourceMapping,
  type EventSourceMappingOptions,
  type EventSourceMappingStats,
} from './event-source-mapping';
export { toRecord } from './sqs-record';
export { failedRecords, HandlerTimeoutError, type SqsHandler } from './invoke';
export {
  serviceSettingsFromEnv,
  startPipelineService,
  type ConsumerName,
  type ConsumerSettings,
  type PipelineService,
  type ServiceSettings,
} from './pipeline-service';
export { serviceEnvFromEnv, serviceEnvSchema, type ServiceEnv } from './service-env.schema';
