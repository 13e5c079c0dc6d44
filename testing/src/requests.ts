import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { signPayload } from '@waba/whatsapp';

/** An API Gateway HTTP API (v2) event as the real integration builds it. */
export function apiEvent(
  method: 'GET' | 'POST',
  options: {
    body?: string | Buffer;
    base64?: boolean;
    headers?: Record<string, string>;
    query?: Record<string, string>;
    appId?: string;
  } = {},
): APIGatewayProxyEventV2 {
  const path = options.appId ? `/webhook/${options.appId}` : '/webhook';
  const raw = options.body === undefined ? undefined : Buffer.from(options.body);
  return {
    version: '2.0',
    routeKey: `${method} ${options.appId ? '/webhook/{appId}' : '/webhook'}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
    queryStringParameters: options.query,
    pathParameters: options.appId ? { appId: options.appId } : undefined,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'facebookexternalua',
      },
      requestId: 'req',
      routeKey: `${method} /webhook`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    body:
      raw === undefined
        ? undefined
        : options.base64
          ? raw.toString('base64')
          : raw.toString('utf8'),
    isBase64Encoded: options.base64 ?? false,
  };
}

/** A POST signed with `secret` over the exact bytes of `raw`. */
export function signedRequest(
  raw: string | Buffer,
  secret: string,
  options: { base64?: boolean; appId?: string } = {},
): APIGatewayProxyEventV2 {
  return apiEvent('POST', {
    body: raw,
    base64: options.base64,
    appId: options.appId,
    headers: { 'x-hub-signature-256': signPayload(Buffer.from(raw), secret) },
  });
}

/** POSTs `raw` to `url` as Meta delivers a webhook: a JSON body signed with the app secret. */
export function postSignedWebhook(url: string, raw: string, secret: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hub-signature-256': signPayload(raw, secret),
    },
    body: raw,
  });
}
