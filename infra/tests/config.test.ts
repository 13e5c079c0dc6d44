import { loadStageConfig, stages } from '../config';
import { parseStageConfig, type StageConfigInput } from '../lib/config/schema';
import {
  CONSUMERS,
  ESM_MIN_CONCURRENCY,
  connectionPlan,
  visibilityTimeoutSeconds,
} from '../lib/config/sizing';

const dev = stages.dev!;
const withChanges = (changes: Partial<StageConfigInput>): StageConfigInput => ({
  ...dev,
  ...changes,
});

describe('stage configuration', () => {
  it.each(Object.keys(stages))('%s parses', (stage) => {
    expect(loadStageConfig(stage).stage).toBe(stage);
  });

  it.each(Object.keys(stages))(
    '%s: the engine major only (RDS applies minor upgrades)',
    (stage) => {
      const db = loadStageConfig(stage).database;
      expect(db.kind === 'rds' && db.engineVersion).toMatch(/^\d+$/);
    },
  );

  it('the command line marks a first deploy; a stage file does not need to', () => {
    expect(loadStageConfig('prod').firstDeploy).toBe(false);
    expect(loadStageConfig('prod', { firstDeploy: true }).firstDeploy).toBe(true);
  });

  it.each(Object.keys(stages))(
    '%s: a Graph API version Meta supports, not the retiring v21.0',
    (stage) => {
      expect(loadStageConfig(stage).graphVersion).toMatch(/^v\d+\.0$/);
      expect(loadStageConfig(stage).graphVersion).not.toBe('v21.0');
    },
  );

  it('refuses a Graph API version that is not one', () => {
    expect(() => parseStageConfig(withChanges({ graphVersion: 'latest' }))).toThrow(/graphVersion/);
  });

  it('names the known stages when asked for an unknown one', () => {
    expect(() => loadStageConfig('nope')).toThrow(/unknown stage "nope": one of dev, prod/);
  });

  it.each<[string, Partial<StageConfigInput>, RegExp]>([
    [
      'a DLQ after fewer than 5 receives',
      { processor: { ...dev.processor, maxReceiveCount: 3 } },
      /maxReceiveCount/,
    ],
    [
      'a batch above 10 without a batching window',
      { processor: { ...dev.processor, batchSize: 50, batchingWindowSeconds: 0 } },
      /batchingWindowSeconds/,
    ],
    ['a log retention CloudWatch does not offer', { logRetentionDays: 10 }, /logRetentionDays/],
    ['service mode without its settings', { mode: 'service', service: undefined }, /service/],
    [
      'claim-checked payloads expiring before the DLQ',
      { payloadRetentionDays: 14 },
      /payloadRetentionDays/,
    ],
    [
      'an engine version that is neither a major nor a minor',
      {
        database: {
          ...(dev.database as object),
          engineVersion: '17.x',
        } as StageConfigInput['database'],
      },
      /engineVersion/,
    ],
    [
      'a KMS alias instead of a key ARN',
      {
        whatsapp: {
          accessTokenSecretArn:
            'arn:aws:secretsmanager:us-east-1:123456789012:secret:waba/token-AbCdEf',
          accessTokenSecretKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:alias/waba',
        },
      },
      /accessTokenSecretKmsKeyArn/,
    ],
    [
      'a key for a secret the stack creates',
      {
        whatsapp: {
          appsSecretKmsKeyArn:
            'arn:aws:kms:us-east-1:123456789012:key/1111aaaa-0000-0000-0000-000000000001',
        },
      },
      /set appsSecretArn too/,
    ],
    [
      'an existing database with a partial secret ARN',
      {
        database: {
          kind: 'existing',
          secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:waba/db',
        },
      },
      /secretArn/,
    ],
  ])('rejects %s', (_, changes, message) => {
    expect(() => parseStageConfig(withChanges(changes))).toThrow(message);
  });
});

describe('visibilityTimeoutSeconds()', () => {
  it.each([
    [30, 1, 181],
    [60, 0, 360],
    [900, 300, 5700],
  ])('timeout %i s, window %i s → %i s (6 × timeout + window)', (timeout, window, expected) => {
    expect(
      visibilityTimeoutSeconds({ timeoutSeconds: timeout, batchingWindowSeconds: window }),
    ).toBe(expected);
  });
});

describe('connectionPlan()', () => {
  it.each(Object.keys(stages))(
    '%s: Σ maxConcurrency × DB_POOL_MAX + reserved fits the budget',
    (stage) => {
      const config = loadStageConfig(stage);
      const plan = connectionPlan(config);
      const used = CONSUMERS.reduce(
        (sum, name) => sum + plan.consumers[name].maxConcurrency * config[name].dbPoolMax,
        0,
      );
      expect(used + config.reservedConnections).toBeLessThanOrEqual(config.connectionBudget);
      expect(plan.total).toBeLessThanOrEqual(config.connectionBudget);
      for (const name of CONSUMERS) {
        expect(plan.consumers[name].maxConcurrency).toBeGreaterThanOrEqual(ESM_MIN_CONCURRENCY);
      }
    },
  );

  it.each([20, 60, 100, 400, 5000])('budget %i is never exceeded', (budget) => {
    const plan = connectionPlan(
      parseStageConfig(withChanges({ connectionBudget: budget, reservedConnections: 5 })),
    );
    expect(plan.total).toBeLessThanOrEqual(budget);
  });

  it('splits the budget by share and pool size', () => {
    const plan = connectionPlan(loadStageConfig('dev'));
    // dev: 60 - 6 reserved = 54; shares 3:2:1:1; pools 1, 2, 1, 1.
    expect(plan.consumers.processor.maxConcurrency).toBe(23);
    expect(plan.consumers.answerWorker.maxConcurrency).toBe(7);
    expect(plan.consumers.campaignSender.maxConcurrency).toBe(7);
    expect(plan.consumers.mediaArchiver.maxConcurrency).toBe(7);
  });

  it('refuses a budget too small for the minimum concurrency of an event source', () => {
    expect(() =>
      connectionPlan(
        parseStageConfig(withChanges({ connectionBudget: 12, reservedConnections: 6 })),
      ),
    ).toThrow(/at least 2/);
  });

  it('refuses reserved concurrency below the mapping maximum (throttling counts receives)', () => {
    const config = parseStageConfig(
      withChanges({ processor: { ...dev.processor, reservedConcurrency: 5 } }),
    );
    expect(() => connectionPlan(config)).toThrow(/reservedConcurrency 5/);
  });

  it('service mode: tasks × pool must fit what is left after the reserve and the media archiver', () => {
    const config = parseStageConfig(
      withChanges({ mode: 'service', service: { ...dev.service!, maxTasks: 10, dbPoolMax: 10 } }),
    );
    // 54 after the reserve, less the media archiver's 7 (a Lambda in service mode too).
    expect(() => connectionPlan(config)).toThrow(/exceed the 47 available/);
    const fits = connectionPlan(parseStageConfig(withChanges({ mode: 'service' })));
    expect(fits.service).toEqual({ maxTasks: 2, dbPoolMax: 10, connections: 20 });
    expect(fits.consumers.mediaArchiver.connections).toBe(7);
    expect(fits.total).toBe(33);
  });

  it("service mode: the media archiver's share still needs Lambda's minimum concurrency", () => {
    const config = parseStageConfig(
      withChanges({
        mode: 'service',
        mediaArchiver: { ...dev.mediaArchiver, connectionShare: 0.1 },
      }),
    );
    expect(() => connectionPlan(config)).toThrow(/mediaArchiver: .*at least 2/);
  });
});
