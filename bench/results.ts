import type { BundlesResult } from './bundles';
import type { ColdInitResult } from './cold-init';
import type { CostResult } from './cost';
import type { EndToEndResult } from './e2e';
import type { Machine } from './lib/markdown';
import type { ProcessorResult } from './processor';
import type { ReceiverCpuResult } from './receiver-cpu';
import type { SqsClientResult } from './sqs-client';
import type { WorkerResult } from './worker';

/** One section of a run: its value and how long it took, or why it failed. */
export type Section<T> = { ok: true; value: T; seconds: number } | { ok: false; error: string };

export interface BenchResults {
  mode: 'quick' | 'full';
  started: Date;
  finished: Date;
  machine: Machine;
  loadAfter: number[];
  postgres: string | undefined;
  bundles: Section<BundlesResult>;
  receiverCpu: Section<ReceiverCpuResult>;
  sqsClient: Section<SqsClientResult>;
  coldInit: Section<ColdInitResult>;
  processor: Section<ProcessorResult>;
  worker: Section<WorkerResult>;
  e2e: Section<EndToEndResult>;
  cost: Section<CostResult>;
}
