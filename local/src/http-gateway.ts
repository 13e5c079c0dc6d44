/**
 * A stand-in for API Gateway HTTP API (payload format 2.0) in front of Lambda
 * handlers, so the same handlers serve local HTTP. What it keeps from AWS:
 * - route selection: literal paths beat `{param}` paths beat `{proxy+}`, and a
 *   route with a method beats `ANY` on the same path;
 * - the 2.0 event: lower-cased headers and repeated headers/query keys joined
 *   with ',', `cookies` taken out of the headers, `$default` stage;
 * - bodies: text content types arrive as strings, anything else base64. A
 *   "text" body that is not valid UTF-8 also goes base64: API Gateway would
 *   mangle it, but webhook signatures are checked over the raw bytes;
 * - results: a structured result (one with `statusCode`) is mapped field by
 *   field; anything else is 200 `application/json` with the value as body;
 * - errors: 404 / 413 / 500 with API Gateway's `{"message": ...}` bodies.
 * With `functionUrl`, it stands in for a Lambda function URL instead: one
 * handler receives every method and path, as routeKey `$default` without
 * path parameters (the same 2.0 event otherwise), bodies up to 6 MiB.
 * Not emulated: authorizers, CORS, throttling, the 30 s integration timeout,
 * stage variables, custom domains and mTLS.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createLogger, type Logger } from '@waba/whatsapp';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'ANY';

export type Route = {
  method: HttpMethod;
  /** e.g. '/webhook', '/webhook/{appId}', '/files/{proxy+}' */
  path: string;
  handler: (
    event: APIGatewayProxyEventV2,
  ) => Promise<APIGatewayProxyStructuredResultV2 | string | object>;
};

export interface HttpGatewayOptions {
  port: number;
  /** Default 127.0.0.1: a dev machine should not expose webhooks to its LAN by accident. */
  host?: string;
  routes?: Route[];
  /** One handler for every request, as a Lambda function URL invokes its function. */
  functionUrl?: Route['handler'];
  logger?: Logger;
  /** Default 10 MiB (API Gateway's limit), 6 MiB with `functionUrl` (Lambda's); larger bodies get 413. */
  maxBodyBytes?: number;
}

export interface HttpGateway {
  port: number;
  url: string;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
const FUNCTION_URL_MAX_BODY_BYTES = 6 * 1024 * 1024;
const ACCOUNT_ID = '000000000000';
const API_ID = 'local';

/** Starts the server; resolves once it listens (port 0 picks a free port). */
export async function startHttpGateway(options: HttpGatewayOptions): Promise<HttpGateway> {
  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes =
    options.maxBodyBytes ??
    (options.functionUrl ? FUNCTION_URL_MAX_BODY_BYTES : DEFAULT_MAX_BODY_BYTES);
  const logger = (options.logger ?? createLogger('http-gateway')).child({
    component: 'http-gateway',
  });
  const routes = (options.routes ?? []).map(compileRoute);
  const functionUrl: RouteMatch | undefined = options.functionUrl && {
    route: { method: 'ANY', path: '/{proxy+}', handler: options.functionUrl },
    routeKey: '$default',
    pathParameters: undefined,
  };

  const server = createServer((req, res) => {
    const requestId = randomUUID();
    res.setHeader('apigw-requestid', requestId);
    readBody(req, maxBodyBytes)
      .then(async (body) => {
        if (body === 'too-large')
          return sendJson(res, 413, { message: 'Request Entity Too Large' });
        const [rawPath = '/', rawQueryString = ''] = splitOnce(req.url ?? '/', '?');
        const match = functionUrl ?? matchRoute(routes, req.method ?? 'GET', rawPath);
        if (!match) return sendJson(res, 404, { message: 'Not Found' });
        const event = toEvent(req, { requestId, rawPath, rawQueryString, body, ...match });
        let result: unknown;
        try {
          result = await match.route.handler(event);
        } catch (error) {
          logger.error({ err: error, routeKey: match.routeKey, requestId }, 'handler failed');
          return sendJson(res, 500, { message: 'Internal Server Error' });
        }
        sendResult(res, result, logger);
      })
      .catch((error: unknown) => {
        logger.error({ err: error, requestId }, 'request failed');
        if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
        else res.destroy();
      });
  });
  // Longer than typical client pools' idle timeouts, so they close first and never reuse a closed socket.
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost =
    host === '0.0.0.0'
      ? '127.0.0.1'
      : host === '::'
        ? '[::1]'
        : host.includes(':')
          ? `[${host}]`
          : host;
  logger.info({ port, host }, 'http gateway listening');

  return {
    port,
    url: `http://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

interface CompiledRoute {
  route: Route;
  routeKey: string;
  segments: string[];
  /** Lower sorts first: literal paths, then fewer parameters, then greedy, method before ANY. */
  rank: [number, number, number];
}

interface RouteMatch {
  route: Route;
  routeKey: string;
  pathParameters: Record<string, string> | undefined;
}

function compileRoute(route: Route): CompiledRoute {
  const segments = route.path.split('/').filter(Boolean);
  const params = segments.filter((s) => s.startsWith('{')).length;
  const greedy = segments.at(-1)?.endsWith('+}') ? 1 : 0;
  return {
    route,
    routeKey: `${route.method} ${route.path}`,
    segments,
    rank: [greedy, params, route.method === 'ANY' ? 1 : 0],
  };
}

function matchRoute(
  routes: CompiledRoute[],
  method: string,
  rawPath: string,
): RouteMatch | undefined {
  const parts = rawPath.split('/').filter(Boolean);
  const candidates: Array<{ compiled: CompiledRoute; params: Record<string, string> }> = [];
  for (const compiled of routes) {
    if (compiled.route.method !== 'ANY' && compiled.route.method !== method) continue;
    const params = matchSegments(compiled.segments, parts);
    if (params) candidates.push({ compiled, params });
  }
  candidates.sort((a, b) => compareRank(a.compiled.rank, b.compiled.rank));
  const best = candidates[0];
  if (!best) return undefined;
  const hasParams = Object.keys(best.params).length > 0;
  return {
    route: best.compiled.route,
    routeKey: best.compiled.routeKey,
    pathParameters: hasParams ? best.params : undefined,
  };
}

function matchSegments(segments: string[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [i, segment] of segments.entries()) {
    if (segment.startsWith('{') && segment.endsWith('+}')) {
      const rest = parts.slice(i);
      if (rest.length === 0) return undefined;
      params[segment.slice(1, -2)] = safeDecode(rest.join('/'));
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.startsWith('{') && segment.endsWith('}'))
      params[segment.slice(1, -1)] = safeDecode(part);
    else if (segment !== part) return undefined;
  }
  return parts.length === segments.length ? params : undefined;
}

function compareRank(a: [number, number, number], b: [number, number, number]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

interface EventParts extends RouteMatch {
  requestId: string;
  rawPath: string;
  rawQueryString: string;
  body: Buffer;
}

function toEvent(req: IncomingMessage, parts: EventParts): APIGatewayProxyEventV2 {
  const now = new Date();
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const { headers, cookies } = collectHeaders(req.rawHeaders);
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${sourceIp}`
    : sourceIp;
  headers['x-forwarded-port'] ??= String(req.socket.localPort ?? '');
  headers['x-forwarded-proto'] ??= 'http';
  const domainName = (headers.host ?? 'localhost').replace(/:\d+$/, '');
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: parts.routeKey,
    rawPath: parts.rawPath,
    rawQueryString: parts.rawQueryString,
    headers,
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: API_ID,
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: req.method ?? 'GET',
        path: parts.rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: parts.requestId,
      routeKey: parts.routeKey,
      stage: '$default',
      time: formatClf(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (cookies.length > 0) event.cookies = cookies;
  const query = parseQuery(parts.rawQueryString);
  if (query) event.queryStringParameters = query;
  if (parts.pathParameters) event.pathParameters = parts.pathParameters;
  if (parts.body.length > 0) {
    const text = isTextContentType(headers['content-type']) ? decodeUtf8(parts.body) : undefined;
    event.body = text ?? parts.body.toString('base64');
    event.isBase64Encoded = text === undefined;
  }
  return event;
}

/** rawHeaders rather than req.headers: Node drops repeats of some headers, API Gateway joins them. */
function collectHeaders(rawHeaders: string[]): {
  headers: Record<string, string>;
  cookies: string[];
} {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      );
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return { headers, cookies };
}

function parseQuery(rawQueryString: string): Record<string, string> | undefined {
  if (!rawQueryString) return undefined;
  const query: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    query[key] = query[key] === undefined ? value : `${query[key]},${value}`;
  }
  return Object.keys(query).length > 0 ? query : undefined;
}

const TEXT_TYPES =
  /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded|graphql|yaml|x-yaml)\b|application\/[\w.+-]+\+(json|xml)\b)/i;

export function isTextContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && TEXT_TYPES.test(contentType.trim());
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as a string only if that string gives back the very same bytes. */
function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > maxBytes) {
      // Node discards the rest of the body after the response, keeping the connection usable.
      resolve('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.off('end', onEnd);
        req.resume();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}

function sendResult(res: ServerResponse, result: unknown, logger: Logger): void {
  if (!isStructured(result)) {
    // API Gateway's 2.0 inference: no statusCode means the whole value is a JSON body.
    const body = typeof result === 'string' ? result : (JSON.stringify(result) ?? 'null');
    return send(res, 200, { 'content-type': 'application/json' }, Buffer.from(body, 'utf8'));
  }
  const statusCode = result.statusCode;
  if (!Number.isInteger(statusCode) || statusCode! < 100 || statusCode! > 599) {
    logger.error({ statusCode }, 'malformed Lambda response');
    return sendJson(res, 500, { message: 'Internal Server Error' });
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  if (result.cookies?.length) {
    const existing = headers['set-cookie'];
    headers['set-cookie'] = [...(existing ? [existing as string] : []), ...result.cookies];
  }
  const body = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
  send(res, statusCode!, headers, body);
}

function isStructured(result: unknown): result is APIGatewayProxyStructuredResultV2 {
  return typeof result === 'object' && result !== null && 'statusCode' in result;
}

function sendJson(res: ServerResponse, statusCode: number, value: unknown): void {
  send(res, statusCode, { 'content-type': 'application/json' }, Buffer.from(JSON.stringify(value)));
}

function send(
  res: ServerResponse,
  statusCode: number,
  headers: Record<string, string | string[]>,
  body: Buffer,
): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('content-length', body.length);
  res.writeHead(statusCode);
  res.end(body);
}

function splitOnce(value: string, separator: string): [string, string] {
  const index = value.indexOf(separator);
  return index === -1 ? [value, ''] : [value.slice(0, index), value.slice(index + 1)];
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's requestContext.time format: 12/Mar/2020:19:03:58 +0000. */
function formatClf(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}
