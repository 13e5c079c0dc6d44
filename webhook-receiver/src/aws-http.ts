import { setTimeout as sleep } from 'node:timers/promises';
import { jitteredBackoffDelay } from '@waba/whatsapp';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import { AwsCallError } from './errors';

/*
 * The two AWS calls the receiver makes on its hot path (SQS SendMessage,
 * Secrets Manager GetSecretValue) as signed HTTPS requests, without the AWS
 * SDK: loading the SDK's SQS client alone takes longer than the receiver's
 * whole cold-start budget (bench/cold-init.ts, docs/benchmarks.md). Both are
 * AWS JSON protocol calls: one POST, the action in X-Amz-Target, signed with
 * Signature Version 4 by the SDK's own signer, @smithy/signature-v4 (10 KB
 * bundled; aws4fetch's first signature loads Node's fetch stack, which costs
 * more than the cold-start budget allows: docs/design.md). The protocol
 * version is the service's own: SQS speaks AWS JSON 1.0, Secrets Manager
 * AWS JSON 1.1 (tests/aws-protocol.test.ts compares both with the SDK).
 */

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Where and as whom to call AWS, as the SDK reads it from Lambda's environment. */
export interface AwsTarget {
  region: string;
  credentials: AwsCredentials;
  /** AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL, else the public endpoint. */
  endpoint(service: string): URL;
}

export function awsFromEnv(env: NodeJS.ProcessEnv): AwsTarget {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!region || !accessKeyId || !secretAccessKey) {
    throw new Error('AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set');
  }
  return {
    region,
    credentials: { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN },
    endpoint: (service) =>
      new URL(
        env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] ??
          env.AWS_ENDPOINT_URL ??
          `https://${service}.${region}.amazonaws.com`,
      ),
  };
}

/** What the SDK's signer hands a hash to digest (@smithy/types' SourceData). */
type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytes = (data: SourceData): Buffer =>
  typeof data === 'string'
    ? Buffer.from(data)
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** SHA-256, and HMAC-SHA256 when given a key, through node:crypto, as the signer wants it. */
export class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined
      ? createHash('sha256')
      : createHmac('sha256', bytes(this.secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** The query as the signer's HttpRequest holds it: decoded, a repeated key as an array. */
function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const seen = query[k];
    query[k] = seen === undefined ? v : [...(Array.isArray(seen) ? seen : [seen]), v];
  }
  return query;
}

/** `YYYYMMDDTHHMMSSZ` → Date. */
const dateOf = (d: string) =>
  new Date(
    `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`,
  );

export interface SignInput {
  method: string;
  url: URL;
  /** Header names in lower case, without `host`, `x-amz-date` and the token: the signer adds them. */
  headers: Record<string, string>;
  body: string | Buffer;
  region: string;
  service: string;
  credentials: AwsCredentials;
  /** `YYYYMMDDTHHMMSSZ`; default now. */
  datetime?: string;
}

/**
 * Signs a request with Signature Version 4 (@smithy/signature-v4, the AWS
 * SDK's own signer, every header signed) and returns its headers: the given
 * ones plus `x-amz-date`, `x-amz-security-token` when there is a session
 * token, and `authorization`. `host` is signed but not returned: the HTTP
 * client sets it.
 */
/** One signer per scope and credentials: it keeps the day's signing key between calls. */
const signers = new Map<string, SignatureV4>();

function signerFor(input: SignInput): SignatureV4 {
  const { credentials: c } = input;
  const key = [input.region, input.service, c.accessKeyId, c.secretAccessKey, c.sessionToken].join(
    '\n',
  );
  let signer = signers.get(key);
  if (!signer) {
    signer = new SignatureV4({
      credentials: { ...c },
      region: input.region,
      service: input.service,
      sha256: NodeSha256,
      // x-amz-content-sha256 is an S3 header; JSON services do not want it.
      applyChecksum: false,
    });
    signers.set(key, signer);
  }
  return signer;
}

export async function signRequest(input: SignInput): Promise<Record<string, string>> {
  const signer = signerFor(input);
  const { url } = input;
  const signed = await signer.sign(
    {
      method: input.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: queryOf(url),
      headers: { ...input.headers, host: url.host },
      body: input.body,
    },
    input.datetime ? { signingDate: dateOf(input.datetime) } : {},
  );
  const headers = { ...signed.headers };
  delete headers.host;
  return headers;
}

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const transport = url.protocol === 'http:' ? http : https;
    const request = transport.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: agents[url.protocol === 'http:' ? 'http:' : 'https:'],
        timeout: timeoutMs,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

function faultOf(target: string, response: { status: number; text: string }): AwsCallError {
  let fault: { __type?: string; message?: string; Message?: string } = {};
  try {
    fault = JSON.parse(response.text) as typeof fault;
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  const code = fault.__type?.split('#').pop() ?? null;
  return new AwsCallError(
    `${target} answered ${response.status} ${code ?? ''}: ${fault.message ?? fault.Message ?? response.text.slice(0, 200)}`,
    response.status,
    code,
    response.status >= 500 || response.status === 429 || /thrott/i.test(code ?? ''),
  );
}

/** The AWS JSON protocol version of each service the receiver calls (its Smithy model's). */
export const JSON_PROTOCOL = {
  sqs: 'application/x-amz-json-1.0',
  secretsmanager: 'application/x-amz-json-1.1',
} as const;

export interface JsonCall {
  service: keyof typeof JSON_PROTOCOL;
  /** X-Amz-Target, e.g. `AmazonSQS.SendMessage`. */
  target: string;
  input: unknown;
}

/**
 * One AWS JSON call in the service's protocol version, signed, retried as the SDK's standard mode does:
 * up to `maxAttempts` on network errors, timeouts, 5xx and throttling, with
 * jittered exponential backoff. A retried send may deliver twice; every
 * consumer of the receiver's queue is idempotent.
 */
export async function awsJson<T>(
  aws: AwsTarget,
  call: JsonCall,
  options: { timeoutMs?: number; maxAttempts?: number } = {},
): Promise<T> {
  const url = aws.endpoint(call.service);
  const body = JSON.stringify(call.input);
  const maxAttempts = options.maxAttempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const headers = await signRequest({
      method: 'POST',
      url,
      headers: { 'content-type': JSON_PROTOCOL[call.service], 'x-amz-target': call.target },
      body,
      region: aws.region,
      service: call.service,
      credentials: aws.credentials,
    });
    let response: { status: number; text: string } | undefined;
    let error: AwsCallError;
    try {
      response = await post(url, headers, body, options.timeoutMs ?? 3_000);
    } catch (cause) {
      error = new AwsCallError(`${call.target} failed: ${String(cause)}`, null, null, true);
    }
    if (response) {
      if (response.status >= 200 && response.status < 300) return JSON.parse(response.text) as T;
      error = faultOf(call.target, response);
    }
    if (!error!.retryable || attempt >= maxAttempts) throw error!;
    await sleep(jitteredBackoffDelay(attempt + 1, { base: 50, max: 50 * 2 ** maxAttempts }));
  }
}

/** MD5 of a message body, as SQS reports it: the check the SDK makes on every send. */
export const md5Hex = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
