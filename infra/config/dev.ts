import type { StageConfigInput } from '../lib/config/schema';

/**
 * A small, cheap stage: one t4g.micro Postgres behind RDS Proxy, one NAT
 * gateway, everything destroyed with the stack.
 */
export const dev: StageConfigInput = {
  stage: 'dev',
  mode: 'lambda',
  database: {
    kind: 'rds',
    instanceType: 't4g.micro',
    // The major only: RDS applies minor upgrades without the template drifting.
    engineVersion: '18',
    allocatedStorageGiB: 20,
    maxAllocatedStorageGiB: 50,
    multiAz: false,
    proxy: true,
    backupRetentionDays: 1,
    deletionProtection: false,
    natGateways: 1,
  },
  // t4g.micro allows about 80 connections (max_connections depends on memory).
  connectionBudget: 60,
  reservedConnections: 6,
  receiver: { memoryMiB: 512, timeoutSeconds: 10, claimCheckBytes: 262_144 },
  processor: {
    memoryMiB: 1024,
    timeoutSeconds: 30,
    batchSize: 100,
    batchingWindowSeconds: 1,
    dbPoolMax: 1,
    connectionShare: 3,
    // A database outage fails whole batches: 100 receives × 181 s ≈ 5 h before anything is
    // dead-lettered, far more with the processor's back-off (docs/deploy.md, "Database outages").
    maxReceiveCount: 100,
    retentionDays: 14,
  },
  answerWorker: {
    memoryMiB: 512,
    timeoutSeconds: 60,
    batchSize: 5,
    batchingWindowSeconds: 0,
    dbPoolMax: 2,
    connectionShare: 2,
    maxReceiveCount: 5,
    retentionDays: 1,
    answerDelaySeconds: 2,
    agentTimeoutSeconds: 15,
  },
  campaignSender: {
    memoryMiB: 512,
    timeoutSeconds: 60,
    batchSize: 1,
    batchingWindowSeconds: 0,
    dbPoolMax: 1,
    connectionShare: 1,
    maxReceiveCount: 5,
    retentionDays: 4,
    ratePerSecond: 80,
  },
  mediaArchiver: {
    memoryMiB: 512,
    // A document may be 100 MB: streamed from Meta to S3 within the timeout.
    timeoutSeconds: 180,
    batchSize: 5,
    batchingWindowSeconds: 0,
    dbPoolMax: 1,
    connectionShare: 1,
    // Transient failures (429, 5xx, timeouts) retry through the queue before the DLQ.
    maxReceiveCount: 8,
    // Meta keeps a media id for about 7 days; the sweep re-enqueues what is still pending.
    retentionDays: 7,
    sweepEveryMinutes: 15,
    pendingAgeAlarmSeconds: 3600,
  },
  service: {
    cpu: 512,
    memoryMiB: 1024,
    minTasks: 1,
    maxTasks: 2,
    dbPoolMax: 10,
    ingestConcurrency: 2,
    answerConcurrency: 2,
    campaignConcurrency: 1,
    scaleOutBacklogPerTask: 1000,
  },
  api: { rateLimit: 200, burstLimit: 400 },
  payloadRetentionDays: 30,
  logRetentionDays: 14,
  ingestAgeAlarmSeconds: 300,
  retainData: false,
  // Graph API version of the answer worker and campaign sender: raise it before Meta retires it.
  graphVersion: 'v25.0',
};
