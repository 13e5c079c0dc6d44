import type { StageConfigInput } from '../lib/config/schema';
import { dev } from './dev';

/**
 * Production: Multi-AZ Postgres behind RDS Proxy, two NAT gateways, data
 * kept when the stack is deleted, deletion protection on.
 */
export const prod: StageConfigInput = {
  ...dev,
  stage: 'prod',
  database: {
    kind: 'rds',
    instanceType: 'm7g.large',
    // The major only: RDS applies minor upgrades without the template drifting.
    engineVersion: '18',
    allocatedStorageGiB: 100,
    maxAllocatedStorageGiB: 1000,
    multiAz: true,
    proxy: true,
    backupRetentionDays: 14,
    deletionProtection: true,
    natGateways: 2,
  },
  // m7g.large (8 GiB) allows about 900 connections; leave most of it to analysts and headroom.
  connectionBudget: 400,
  reservedConnections: 20,
  // Reserved so that no other function of the account can starve Meta's webhooks of capacity
  // (needs an account concurrency quota above the default of new accounts; dev leaves it unset).
  receiver: {
    memoryMiB: 512,
    timeoutSeconds: 10,
    claimCheckBytes: 262_144,
    reservedConcurrency: 200,
    // Every webhook is in the audit trail (webhook_events) already: one success line in a
    // hundred is enough to see the receiver work, and halves its log bill (docs/deploy.md).
    successLogSampleRate: 0.01,
  },
  service: { ...dev.service!, cpu: 1024, memoryMiB: 2048, minTasks: 2, maxTasks: 6, dbPoolMax: 20 },
  api: { rateLimit: 2000, burstLimit: 4000 },
  payloadRetentionDays: 90,
  logRetentionDays: 90,
  ingestAgeAlarmSeconds: 120,
  retainData: true,
};
