import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { AwsV4Signer } from 'aws4fetch';
import { AwsCallError } from './errors';

/*
 * The two AWS calls the receiver makes on its hot path (SQS SendMessage,
 * Secrets Manager GetSecretValue) as signed HTTPS requests, without the AWS
 * SDK: loading the SDK's SQS client alone takes longer than the receiver's
 * whole cold-start budget (bench/cold-init.ts, docs/benchmarks.md). Both are
 * AWS JSON protocol calls: one POST, the action in X-Amz-Target, signed with
 * Signature Version 4 by aws4fetch (no dependencies, a few KB). The protocol
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

/** Signing keys per day, region and service: aws4fetch derives them once and reuses them. */
const signingKeys = new Map<string, ArrayBuffer>();

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
 * Signs a request with Signature Version 4 (aws4fetch; every header signed,
 * as the SDK's signer does) and returns its headers: the given ones plus
 * `x-amz-date`, `x-amz-security-token` when there is a session token, and
 * `authorization`. `host` is signed but not returned: the HTTP client sets it.
 */
export async function signRequest(input: SignInput): Promise<Record<string, string>> {
  const signer = new AwsV4Signer({
    method: input.method,
    url: input.url.toString(),
    headers: input.headers,
    body: input.body,
    accessKeyId: input.credentials.accessKeyId,
    secretAccessKey: input.credentials.secretAccessKey,
    sessionToken: input.credentials.sessionToken,
    service: input.service,
    region: input.region,
    datetime: input.datetime,
    allHeaders: true,
    cache: signingKeys,
  });
  const signed = await signer.sign();
  return Object.fromEntries(signed.headers);
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
    await new Promise((r) => setTimeout(r, Math.random() * 50 * 2 ** attempt));
  }
}

/** MD5 of a message body, as SQS reports it: the check the SDK makes on every send. */
export const md5Hex = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
