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

/**
 * The stage settings that change the per-webhook bill (docs/deploy.md, "Cost
 * levers"): the front door, the share of success lines the receiver logs,
 * and whether Lambda writes its START/END/REPORT lines for the receiver.
 */
export interface CostLevers {
  ingress: 'http-api' | 'function-url';
  successLogSampleRate: number;
  platformLogs: boolean;
}

/** Memory of each function, the processor's batch size and the cost levers, from infra's prod stage. */
export function productionSizing(): {
  receiver: number;
  processor: number;
  worker: number;
  batchSize: number;
  levers: CostLevers;
} {
  const c = loadStageConfig('prod');
  return {
    receiver: c.receiver.memoryMiB,
    processor: c.processor.memoryMiB,
    worker: c.answerWorker.memoryMiB,
    batchSize: c.processor.batchSize,
    levers: {
      ingress: c.ingress,
      successLogSampleRate: c.receiver.successLogSampleRate,
      platformLogs: c.receiver.platformLogs,
    },
  };
}

export interface CostInputs {
  /** logBytes: what one accepted webhook logs when its success line is written. */
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
  levers: CostLevers;
}

export interface CostLine {
  item: string;
  /** How the figure was obtained. */
  basis: string;
  usdPerMillion: number;
}

/** The per-webhook total under other levers, from the same measurements. */
export interface CostVariant {
  name: string;
  levers: CostLevers;
  totalPerMillionWebhooks: number;
}

export interface CostResult {
  levers: CostLevers;
  webhooks: CostLine[];
  answers: CostLine[];
  totalPerMillionWebhooks: number;
  totalPerMillionAnswers: number;
  variants: CostVariant[];
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
  const webhooks = webhookLines(i);
  const answers = answerLines(i);
  const variants: CostVariant[] = VARIANTS.map(([name, levers]) => ({
    name,
    levers,
    totalPerMillionWebhooks: sum(webhookLines({ ...i, levers })),
  }));
  return {
    levers: i.levers,
    webhooks,
    answers,
    totalPerMillionWebhooks: sum(webhooks),
    totalPerMillionAnswers: sum(answers),
    variants,
  };
}

const sum = (lines: CostLine[]) => lines.reduce((n, l) => n + l.usdPerMillion, 0);

/** The levers one at a time, then together: what each saves, from this run's measurements. */
const VARIANTS: Array<[string, CostLevers]> = [
  [
    'HTTP API, every success line, platform lines',
    { ingress: 'http-api', successLogSampleRate: 1, platformLogs: true },
  ],
  [
    'HTTP API, 1% of success lines',
    { ingress: 'http-api', successLogSampleRate: 0.01, platformLogs: true },
  ],
  [
    'function URL, every success line, platform lines',
    { ingress: 'function-url', successLogSampleRate: 1, platformLogs: true },
  ],
  [
    'function URL, 1% of success lines',
    { ingress: 'function-url', successLogSampleRate: 0.01, platformLogs: true },
  ],
  [
    'function URL, 1% of success lines, no platform lines',
    { ingress: 'function-url', successLogSampleRate: 0.01, platformLogs: false },
  ],
];

function webhookLines(i: CostInputs): CostLine[] {
  const A = ASSUMPTIONS;
  const L = i.levers;
  const receiverMs = i.receiver.invocationMs + A.sqsRoundTripMs;
  const addedRoundTrips =
    i.processor.roundTripMs > 0 ? 0 : i.processor.statements * A.dbRoundTripMs;
  const batchMs = i.processor.batchMs + addedRoundTrips;
  const perBatch = 1 / i.processor.batchSize;
  const gateway = L.ingress === 'http-api';
  // Per webhook: the sampled success line, the access-log line, Lambda's three lines.
  const receiverLog = L.successLogSampleRate * (i.receiver.logBytes + A.perEventBytes);
  const accessLog = gateway ? A.accessLogBytes + A.perEventBytes : 0;
  const platform = L.platformLogs ? A.platformLogBytes + 3 * A.perEventBytes : 0;
  return [
    ...(gateway
      ? [
          {
            item: 'API Gateway HTTP API',
            basis: '1 request per webhook',
            usdPerMillion: PRICES.apiGatewayHttpPerMillion,
          },
        ]
      : []),
    {
      item: 'Receiver Lambda requests',
      basis: `1 invocation per webhook${gateway ? '' : ' (function URL: no charge of its own)'}`,
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
      basis: [
        `receiver ${Math.round(i.receiver.logBytes)} B × ${L.successLogSampleRate} of webhooks`,
        ...(gateway ? [`API access ${A.accessLogBytes} B`] : []),
        L.platformLogs ? `Lambda lines ${A.platformLogBytes} B per webhook` : 'no Lambda lines',
        `processor ${Math.round(i.processor.logBytes)} B + ${A.platformLogBytes} B per batch`,
      ].join(' + '),
      usdPerMillion:
        logs(receiverLog + accessLog + platform) +
        logs(i.processor.logBytes + A.platformLogBytes + 4 * A.perEventBytes) * perBatch,
    },
  ];
}

function answerLines(i: CostInputs): CostLine[] {
  const A = ASSUMPTIONS;
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
  return answers;
}

/** What each second of a model's answer adds per million answers (the worker waits, billed). */
export const modelSecondCost = (memoryMb: number) => lambdaSeconds(1000, memoryMb);
