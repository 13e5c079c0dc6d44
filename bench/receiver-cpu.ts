import { createHmac } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import pino from 'pino';
import { REDACT_PATHS, signPayload } from '@waba/whatsapp';
import type * as Receiver from '@waba/webhook-receiver';
import type { ReceiverDeps } from '@waba/webhook-receiver';
import { bundle } from './lib/build';
import { viaJson, webhookBody } from './lib/payloads';
import { summarize, type Summary } from './lib/stats';

export interface ReceiverCpuCase {
  name: string;
  bytes: number;
  /** CPU µs per request of the real handler, one value per run. */
  handlerUs: Summary;
  /** The same handler with its logger silenced: what the log line costs. */
  handlerNoLogUs: Summary;
  /** CPU µs of HMAC-SHA256 over the same body, same runs: the floor. */
  hmacUs: Summary;
  /** HMAC and JSON.parse of the same body: the floor of a receiver that checks the JSON. */
  hmacParseUs: Summary;
  /** handler / HMAC, per run. */
  ratio: Summary;
  /** handler / (HMAC + JSON.parse), per run. */
  ratioToParse: Summary;
}

export interface ReceiverCpuResult {
  runs: number;
  iterations: number;
  cases: ReceiverCpuCase[];
}

const SECRET = 'bench-app-secret';

type ReceiverModule = typeof Receiver;

/**
 * The receiver as production runs it: its package bundled with the
 * production esbuild options (minified, no dev-time helpers), then imported.
 */
async function loadReceiver(): Promise<ReceiverModule> {
  const built = await bundle('webhook-receiver/src/index.ts', 'receiver-core');
  return (await import(pathToFileURL(built.outfile).href)) as ReceiverModule;
}

/** The production receiver's dependencies, with an SQS queue whose send resolves at once. */
function benchDeps(receiver: ReceiverModule, log: boolean): ReceiverDeps {
  // The production logger's options, writing to /dev/null instead of stdout:
  // the serialization and the write stay in the measurement.
  const logger = pino(
    {
      name: 'webhook-receiver',
      level: log ? 'info' : 'silent',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
    },
    pino.destination({ dest: '/dev/null', sync: true }),
  );
  return {
    apps: receiver.appsFromEnv({ WHATSAPP_APP_SECRET: SECRET, WHATSAPP_VERIFY_TOKEN: 'bench' }),
    queue: { send: async () => undefined },
    payloads: {
      put: async () => {
        throw new Error('no claim check in this benchmark');
      },
    },
    maxMessageBytes: 262_144,
    logger,
    clock: () => new Date(),
  };
}

/** A signed POST as API Gateway (HTTP API, payload v2) hands it to the Lambda. */
export function signedEvent(body: string, secret: string): APIGatewayProxyEventV2 {
  return viaJson({
    version: '2.0',
    routeKey: 'POST /webhook',
    rawPath: '/webhook',
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      'x-hub-signature-256': signPayload(body, secret),
      'user-agent': 'facebookexternalua',
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'bench',
      domainName: 'bench.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'bench',
      http: {
        method: 'POST',
        path: '/webhook',
        protocol: 'HTTP/1.1',
        sourceIp: '173.252.0.1',
        userAgent: 'facebookexternalua',
      },
      requestId: 'bench',
      routeKey: 'POST /webhook',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded: false,
  } satisfies APIGatewayProxyEventV2);
}

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function perCall(n: number, fn: () => void): number {
  const start = cpuMicros();
  for (let i = 0; i < n; i++) fn();
  return (cpuMicros() - start) / n;
}

async function handlerCpu(
  handle: ReceiverModule['handleWebhookRequest'],
  event: APIGatewayProxyEventV2,
  deps: ReceiverDeps,
  n: number,
): Promise<number> {
  const start = cpuMicros();
  for (let i = 0; i < n; i++) {
    const result = await handle(event, deps);
    if (result.statusCode !== 200) throw new Error(`receiver answered ${result.statusCode}`);
  }
  return (cpuMicros() - start) / n;
}

const hmac = (body: string) => createHmac('sha256', SECRET).update(body).digest();

/**
 * CPU time per request of the real receiver (signature check, UTF-8 and JSON
 * checks, routing attributes, SHA-256 of the body, SQS message building,
 * the log line) against the floor every receiver pays: HMAC-SHA256 over the
 * same body. All are measured in the same run, alternately, so machine
 * noise hits each of them.
 */
export async function runReceiverCpu(options: { quick: boolean }): Promise<ReceiverCpuResult> {
  const runs = options.quick ? 5 : 15;
  const iterations = options.quick ? 4_000 : 20_000;
  const receiver = await loadReceiver();
  const handle = receiver.handleWebhookRequest;
  const deps = benchDeps(receiver, true);
  const quiet = benchDeps(receiver, false);
  const bodies = [
    { name: '1 status (typical)', body: webhookBody('status-heavy', 1) },
    { name: '1 customer text', body: webhookBody('message-heavy', 1) },
    { name: '50 statuses (batched)', body: webhookBody('status-heavy', 50) },
  ];
  const cases: ReceiverCpuCase[] = [];
  for (const { name, body } of bodies) {
    const event = signedEvent(body, SECRET);
    const samples = { handler: [] as number[], quiet: [] as number[], hmac: [] as number[] };
    const floors = { hmacParse: [] as number[] };
    // The first round warms the JIT up and is not counted.
    for (let r = 0; r <= runs; r++) {
      const h = await handlerCpu(handle, event, deps, iterations);
      const q = await handlerCpu(handle, event, quiet, iterations);
      const f = perCall(iterations, () => hmac(body));
      const p = perCall(iterations, () => JSON.parse(hmac(body) && body));
      if (r === 0) continue;
      samples.handler.push(h);
      samples.quiet.push(q);
      samples.hmac.push(f);
      floors.hmacParse.push(p);
    }
    cases.push({
      name,
      bytes: Buffer.byteLength(body),
      handlerUs: summarize(samples.handler),
      handlerNoLogUs: summarize(samples.quiet),
      hmacUs: summarize(samples.hmac),
      hmacParseUs: summarize(floors.hmacParse),
      ratio: summarize(samples.handler.map((h, i) => h / samples.hmac[i]!)),
      ratioToParse: summarize(samples.handler.map((h, i) => h / floors.hmacParse[i]!)),
    });
  }
  return { runs, iterations, cases };
}
