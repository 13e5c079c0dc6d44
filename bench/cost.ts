import { loadStageConfig } from '../infra/config';

/** AWS list prices, us-east-1, as of 2026-11 (first tier of each). */
export const PRICES = {
  date: '2026-11',
  region: 'us-east-1',
  lambdaGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  apiGatewayHttpPerMillion: 1.0,
  sqsPerMillionRequests: 0.4,
  logsPerGb: 0.5,
} as const;

/** What the model assumes where this machine cannot measure AWS itself. */
export const ASSUMPTIONS = {
  /** In-region SQS SendMessage round trip, added to the receiver's measured (loopback) time. */
  sqsRoundTripMs: 5,
  /** Round trip per SQL statement (RDS), when the processor was only measured on loopback. */
  dbRoundTripMs: 1,
  /** Lambda's START, END and REPORT lines per invocation (text log format). */
  platformLogBytes: 260,
  /** CloudWatch Logs meters 26 bytes per event on top of its text. */
  perEventBytes: 26,
  /** One API Gateway access-log line (the stage's default JSON fields). */
  accessLogBytes: 250,
  /** SQS hands at most 10 messages per ReceiveMessage and deletes up to 10 per batch call. */
  messagesPerReceive: 10,
} as const;

/** Memory of each function and the processor's batch size, from infra's prod stage. */
export function productionSizing(): {
  receiver: number;
  processor: number;
  worker: number;
  batchSize: number;
} {
  const c = loadStageConfig('prod');
  return {
    receiver: c.receiver.memoryMiB,
    processor: c.processor.memoryMiB,
    worker: c.answerWorker.memoryMiB,
    batchSize: c.processor.batchSize,
  };
}

export interface CostInputs {
  receiver: { memoryMb: number; invocationMs: number; logBytes: number };
  processor: {
    memoryMb: number;
    batchSize: number;
    batchMs: number;
    statements: number;
    /** The round trip already in batchMs (measured through a delaying proxy), 0 on loopback. */
    roundTripMs: number;
    logBytes: number;
  };
  worker: { memoryMb: number; jobMs: number; logBytes: number };
}

export interface CostLine {
  item: string;
  /** How the figure was obtained. */
  basis: string;
  usdPerMillion: number;
}

export interface CostResult {
  webhooks: CostLine[];
  answers: CostLine[];
  totalPerMillionWebhooks: number;
  totalPerMillionAnswers: number;
}

const GB = 2 ** 30;
const lambdaSeconds = (ms: number, memoryMb: number) =>
  // Lambda bills duration rounded up to the millisecond.
  (Math.ceil(ms) / 1000) * (memoryMb / 1024) * PRICES.lambdaGbSecond * 1e6;
const logs = (bytesPerUnit: number) => (bytesPerUnit / GB) * PRICES.logsPerGb * 1e6;
const sqsPerMessage = 1 + 2 / ASSUMPTIONS.messagesPerReceive;

/**
 * Cost per million webhooks (receiver and processor, every webhook) and per
 * million answers (answer worker, customer messages only), from the
 * measured durations, the configured memory sizes and the list prices.
 * Postgres (RDS, RDS Proxy) and NAT are fixed monthly costs, not per request.
 */
export function costModel(i: CostInputs): CostResult {
  const A = ASSUMPTIONS;
  const receiverMs = i.receiver.invocationMs + A.sqsRoundTripMs;
  const addedRoundTrips =
    i.processor.roundTripMs > 0 ? 0 : i.processor.statements * A.dbRoundTripMs;
  const batchMs = i.processor.batchMs + addedRoundTrips;
  const perBatch = 1 / i.processor.batchSize;
  const webhooks: CostLine[] = [
    {
      item: 'API Gateway HTTP API',
      basis: '1 request per webhook',
      usdPerMillion: PRICES.apiGatewayHttpPerMillion,
    },
    {
      item: 'Receiver Lambda requests',
      basis: '1 invocation per webhook',
      usdPerMillion: PRICES.lambdaPerMillionRequests,
    },
    {
      item: 'Receiver Lambda duration',
      basis: `${i.receiver.memoryMb} MB × ${Math.ceil(receiverMs)} ms (measured ${i.receiver.invocationMs.toFixed(1)} ms + ${A.sqsRoundTripMs} ms SQS round trip)`,
      usdPerMillion: lambdaSeconds(receiverMs, i.receiver.memoryMb),
    },
    {
      item: 'SQS ingest queue',
      basis: `send + receive and delete in tens: ${sqsPerMessage} requests per webhook`,
      usdPerMillion: sqsPerMessage * PRICES.sqsPerMillionRequests,
    },
    {
      item: 'Processor Lambda requests',
      basis: `1 invocation per batch of ${i.processor.batchSize}`,
      usdPerMillion: PRICES.lambdaPerMillionRequests * perBatch,
    },
    {
      item: 'Processor Lambda duration',
      basis: `${i.processor.memoryMb} MB × ${Math.ceil(batchMs)} ms per batch of ${i.processor.batchSize} (${
        addedRoundTrips
          ? `measured on loopback ${i.processor.batchMs.toFixed(1)} ms + ${i.processor.statements} statements × ${A.dbRoundTripMs} ms`
          : `measured with a ${i.processor.roundTripMs} ms database round trip`
      })`,
      usdPerMillion: lambdaSeconds(batchMs, i.processor.memoryMb) * perBatch,
    },
    {
      item: 'CloudWatch Logs',
      basis: `receiver ${Math.round(i.receiver.logBytes)} B + API access ${A.accessLogBytes} B + Lambda lines ${A.platformLogBytes} B per webhook; processor ${Math.round(i.processor.logBytes)} B + ${A.platformLogBytes} B per batch`,
      usdPerMillion:
        logs(i.receiver.logBytes + A.accessLogBytes + A.platformLogBytes + 5 * A.perEventBytes) +
        logs(i.processor.logBytes + A.platformLogBytes + 4 * A.perEventBytes) * perBatch,
    },
  ];
  const answers: CostLine[] = [
    {
      item: 'SQS answer queue',
      basis: `send in tens + receive + delete: ${(0.1 + 2).toFixed(1)} requests per answer`,
      usdPerMillion: 2.1 * PRICES.sqsPerMillionRequests,
    },
    {
      item: 'Worker Lambda requests',
      basis: '1 invocation per answer (no batching at low traffic)',
      usdPerMillion: PRICES.lambdaPerMillionRequests,
    },
    {
      item: 'Worker Lambda duration',
      basis: `${i.worker.memoryMb} MB × ${Math.ceil(i.worker.jobMs)} ms (rules agent; a model's answer time is billed on top)`,
      usdPerMillion: lambdaSeconds(i.worker.jobMs, i.worker.memoryMb),
    },
    {
      item: 'CloudWatch Logs',
      basis: `worker ${Math.round(i.worker.logBytes)} B + Lambda lines ${A.platformLogBytes} B per answer`,
      usdPerMillion: logs(i.worker.logBytes + A.platformLogBytes + 4 * A.perEventBytes),
    },
  ];
  const sum = (lines: CostLine[]) => lines.reduce((n, l) => n + l.usdPerMillion, 0);
  return {
    webhooks,
    answers,
    totalPerMillionWebhooks: sum(webhooks),
    totalPerMillionAnswers: sum(answers),
  };
}

/** What each second of a model's answer adds per million answers (the worker waits, billed). */
export const modelSecondCost = (memoryMb: number) => lambdaSeconds(1000, memoryMb);
