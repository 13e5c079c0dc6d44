import { createHash, createHmac } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { AwsCallError } from './errors';

/*
 * The two AWS calls the receiver makes on its hot path (SQS SendMessage,
 * Secrets Manager GetSecretValue) as signed HTTPS requests, without the AWS
 * SDK: loading the SDK's SQS client alone takes longer than the receiver's
 * whole cold-start budget (bench/cold-init.ts, docs/benchmarks.md). Both are
 * AWS JSON 1.0 protocol calls: one POST, the action in X-Amz-Target,
 * Signature Version 4.
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

const hmac = (key: string | Buffer, data: string) =>
  createHmac('sha256', key).update(data).digest();
const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const encode = (s: string) =>
  encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

export interface SignInput {
  method: string;
  url: URL;
  /** Header names in lower case; `host` and `x-amz-date` included. All of them are signed. */
  headers: Record<string, string>;
  body: string | Buffer;
  region: string;
  service: string;
  credentials: AwsCredentials;
}

/** The Authorization header of Signature Version 4 for a request (path encoded as non-S3 services want it). */
export function signatureV4(input: SignInput): string {
  const amzDate = input.headers['x-amz-date']!;
  const day = amzDate.slice(0, 8);
  const names = Object.keys(input.headers).sort();
  const query = [...input.url.searchParams]
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .sort()
    .join('&');
  const path = input.url.pathname.split('/').map(encode).join('/') || '/';
  const canonical = [
    input.method,
    path,
    query,
    ...names.map((n) => `${n}:${input.headers[n]!.trim().replace(/\s+/g, ' ')}`),
    '',
    names.join(';'),
    sha256Hex(input.body),
  ].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonical)].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${input.credentials.secretAccessKey}`, day), input.region), input.service),
    'aws4_request',
  );
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
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

const amzDateOf = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

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

export interface JsonCall {
  service: string;
  /** X-Amz-Target, e.g. `AmazonSQS.SendMessage`. */
  target: string;
  input: unknown;
}

/**
 * One AWS JSON 1.0 call, signed, retried as the SDK's standard mode does:
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
    const headers: Record<string, string> = {
      'content-type': 'application/x-amz-json-1.0',
      host: url.host,
      'x-amz-date': amzDateOf(new Date()),
      'x-amz-target': call.target,
    };
    if (aws.credentials.sessionToken)
      headers['x-amz-security-token'] = aws.credentials.sessionToken;
    headers.authorization = signatureV4({
      method: 'POST',
      url,
      headers,
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
