import { SignatureV4 } from '@smithy/signature-v4';
import { AwsV4Signer } from 'aws4fetch';
import { NodeSha256, type AwsCredentials } from '@waba/webhook-receiver';

export interface SignedRequest {
  method: string;
  url: URL;
  /** As sent, `host` left out. */
  headers: Record<string, string>;
  body: string;
}

export interface Scope {
  region: string;
  service: string;
  /** `YYYYMMDDTHHMMSSZ`. */
  datetime: string;
}

/**
 * The Authorization header the AWS SDK's signer computes for a request, built
 * here from the URL as written (not through the receiver's wrapper), every
 * header signed; `applyChecksum: false` because JSON services take no
 * x-amz-content-sha256.
 */
export async function sdkSignature(
  request: SignedRequest,
  credentials: AwsCredentials,
  scope: Scope,
): Promise<string> {
  const query: Record<string, string[]> = {};
  for (const [k, v] of request.url.searchParams) (query[k] ??= []).push(v);
  const d = scope.datetime;
  const signed = await new SignatureV4({
    credentials,
    region: scope.region,
    service: scope.service,
    sha256: NodeSha256,
    applyChecksum: false,
  }).sign(
    {
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      path: request.url.pathname,
      query,
      headers: { ...request.headers, host: request.url.host },
      body: request.body,
    },
    {
      signingDate: new Date(
        Date.UTC(
          +d.slice(0, 4),
          +d.slice(4, 6) - 1,
          +d.slice(6, 8),
          +d.slice(9, 11),
          +d.slice(11, 13),
          +d.slice(13, 15),
        ),
      ),
    },
  );
  return signed.headers.authorization!;
}

/** The same from aws4fetch, an implementation that shares no code with the SDK. */
export async function aws4fetchSignature(
  request: SignedRequest,
  credentials: AwsCredentials,
  scope: Scope,
): Promise<string> {
  const signed = await new AwsV4Signer({
    method: request.method,
    url: request.url.toString(),
    headers: request.headers,
    body: request.body,
    ...credentials,
    ...scope,
    allHeaders: true,
  }).sign();
  return signed.headers.get('authorization')!;
}
