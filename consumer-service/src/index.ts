export {
  startEventSourceMapping,
  type BatchInfo,
  type EventSourceMapping,
  type EventSourceMappingOptions,
  type EventSourceMappingStats,
  failedRecords,
  toRecord,
} from './event-source-mapping';
export {
  serviceSettingsFromEnv,
  startPipelineService,
  type ConsumerName,
  type ConsumerSettings,
  type PipelineService,
  type ServiceSettings,
} from './pipeline-service';
export { serviceEnvFromEnv, serviceEnvSchema, type ServiceEnv } from './service-env.schema';
