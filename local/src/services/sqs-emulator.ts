import { startChildService, type ChildService } from './child-service';

export interface SqsEmulatorHandle {
  endpoint: string;
  service: ChildService;
  stop(): Promise<void>;
}

/** Starts the SQS/S3 protocol emulator in a child process on a free loopback port. */
export async function startSqsEmulator(port = 0): Promise<SqsEmulatorHandle> {
  const service = await startChildService('sqs-server.mts', { SQS_PORT: String(port) });
  return {
    endpoint: `http://127.0.0.1:${service.port}`,
    service,
    stop: () => service.stop(),
  };
}
