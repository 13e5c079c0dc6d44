/**
 * The HTTP side of the Graph client: one POST per call with a timeout, the
 * access token re-read once after a 190, and every failure turned into a
 * GraphApiError whose message never carries the token.
 */
import { isPlaceholderSecret, staticAccessToken, type AccessTokenSource } from './access-token';
import { GraphApiError, GraphTokenError } from './errors';
import { classifyGraphError } from './graph-errors';
import { DEFAULT_GRAPH_VERSION } from './graph-version';
import { graphErrorResponseSchema } from './graph.schema';

export interface GraphClientOptions {
  /** A token, or where to read it (re-read once after Meta answers 190). */
  accessToken: string | AccessTokenSource;
  /** Default 'https://graph.facebook.com'; locally the Meta sandbox. */
  baseUrl?: string;
  /** Graph API version (WHATSAPP_GRAPH_VERSION); default {@link DEFAULT_GRAPH_VERSION}. */
  apiVersion?: string;
  /** Per request, default 10_000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface GraphTransport {
  /** POST `payload` to `/{phoneNumberId}/messages`; the parsed JSON of a 2xx answer. */
  post(phoneNumberId: string, payload: object): Promise<unknown>;
  /** GET `/{version}/{path}`; the parsed JSON of a 2xx answer. */
  get(path: string): Promise<unknown>;
  /**
   * GET an absolute URL with the bearer token (a media download): the 2xx
   * response with its body unread, readable within `timeoutMs`.
   */
  download(url: string, timeoutMs: number): Promise<Response>;
  /** The current token, checked not to be a placeholder. */
  usableToken(reread: boolean): Promise<string>;
}

export function createGraphTransport(options: GraphClientOptions): GraphTransport {
  const tokens =
    typeof options.accessToken === 'string'
      ? staticAccessToken(options.accessToken)
      : options.accessToken;
  const baseUrl = (options.baseUrl ?? 'https://graph.facebook.com').replace(/\/+$/, '');
  const apiVersion = options.apiVersion ?? DEFAULT_GRAPH_VERSION;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? fetch;

  // Graph or a network layer may echo request details; the token never leaves in a message.
  const redact = (text: string, token: string): string =>
    token === '' ? text : text.split(token).join('[redacted]');

  async function usableToken(reread: boolean): Promise<string> {
    let token: string;
    try {
      token = (await (reread ? tokens.reread() : tokens.current())).trim();
    } catch (error) {
      throw new GraphTokenError('the Graph API access token could not be read', { cause: error });
    }
    if (isPlaceholderSecret(token)) {
      throw new GraphTokenError(
        'the Graph API access token is not set (empty or placeholder value); put a real token in its secret',
      );
    }
    return token;
  }

  const networkError = (error: unknown, token: string, ms: number) =>
    new GraphApiError({
      message: redact(
        `Graph request failed without an answer: ${describeNetworkError(error, ms)}`,
        token,
      ),
      kind: classifyGraphError({}).kind,
      cause: error,
    });

  /** Sends one request; a 2xx answer's response with its body unread, otherwise a GraphApiError. */
  async function fetchWith(
    token: string,
    url: string,
    init: { method: 'GET' | 'POST'; payload?: object },
    ms: number,
  ): Promise<Response> {
    let response: Response;
    try {
      response = await doFetch(url, {
        method: init.method,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(init.payload === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(init.payload === undefined ? {} : { body: JSON.stringify(init.payload) }),
        signal: AbortSignal.timeout(ms),
      });
    } catch (error) {
      throw networkError(error, token, ms);
    }
    if (response.status >= 200 && response.status < 300) return response;
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw networkError(error, token, ms);
    }
    throw toGraphApiError(response.status, parseJson(text), (t) => redact(t, token));
  }

  async function jsonWith(
    token: string,
    url: string,
    init: { method: 'GET' | 'POST'; payload?: object },
  ): Promise<unknown> {
    const response = await fetchWith(token, url, init, timeoutMs);
    let text: string;
    try {
      // The body can still time out or be cut off.
      text = await response.text();
    } catch (error) {
      throw networkError(error, token, timeoutMs);
    }
    const json = parseJson(text);
    if (json === undefined) throw unexpectedBody(response.status);
    return json;
  }

  /**
   * One request; after a 190 (token invalid or expired) the token is read again,
   * bypassing caches, and the request repeated once if it changed: a 190 is a
   * refusal, so nothing went out the first time.
   */
  async function withToken<T>(call: (token: string) => Promise<T>): Promise<T> {
    const token = await usableToken(false);
    try {
      return await call(token);
    } catch (error) {
      if (!isTokenRefusal(error)) throw error;
      const fresh = await usableToken(true);
      if (fresh === token) {
        throw new GraphTokenError(
          `${error.message}; the secret holds the same token, replace it`,
          withStatus(error),
        );
      }
      try {
        return await call(fresh);
      } catch (retryError) {
        if (!isTokenRefusal(retryError)) throw retryError;
        throw new GraphTokenError(
          `${retryError.message}; the re-read token was refused too`,
          withStatus(retryError),
        );
      }
    }
  }

  const post = (phoneNumberId: string, payload: object) =>
    withToken((token) =>
      jsonWith(token, `${baseUrl}/${apiVersion}/${encodeURIComponent(phoneNumberId)}/messages`, {
        method: 'POST',
        payload,
      }),
    );
  const get = (path: string) =>
    withToken((token) => jsonWith(token, `${baseUrl}/${apiVersion}/${path}`, { method: 'GET' }));
  const download = (url: string, ms: number) =>
    withToken((token) => fetchWith(token, url, { method: 'GET' }, ms));

  return { post, get, download, usableToken };
}

function isTokenRefusal(error: unknown): error is GraphApiError {
  return error instanceof GraphApiError && error.code === 190;
}

function withStatus(error: GraphApiError): { httpStatus?: number; cause: unknown } {
  return error.httpStatus === undefined
    ? { cause: error }
    : { httpStatus: error.httpStatus, cause: error };
}

function toGraphApiError(
  httpStatus: number,
  json: unknown,
  redact: (text: string) => string,
): GraphApiError {
  const parsed = graphErrorResponseSchema.safeParse(json);
  if (!parsed.success) {
    return new GraphApiError({
      message: `Graph API answered HTTP ${httpStatus} without an error envelope`,
      kind: classifyGraphError({ httpStatus }).kind,
      httpStatus,
    });
  }
  const { code, error_subcode: subcode, message, error_data: data, fbtrace_id } = parsed.data.error;
  const details = data?.details === undefined ? '' : ` (${data.details})`;
  return new GraphApiError({
    message: redact(
      `Graph API error ${code}${subcode === undefined ? '' : `/${subcode}`} HTTP ${httpStatus}: ${message}${details}`,
    ),
    kind: classifyGraphError({ httpStatus, code }).kind,
    httpStatus,
    code,
    ...(fbtrace_id === undefined ? {} : { fbtraceId: fbtrace_id }),
  });
}

// A 2xx we cannot read may still have delivered the message; retrying risks a duplicate.
export function unexpectedBody(httpStatus: number): GraphApiError {
  return new GraphApiError({
    message: `Graph API answered HTTP ${httpStatus} with an unexpected body`,
    kind: 'permanent',
    httpStatus,
  });
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  // Duck-typed: fetch errors and DOMException may come from another realm (e.g. jest's vm).
  const { name, message, cause } = (error ?? {}) as {
    name?: unknown;
    message?: unknown;
    cause?: unknown;
  };
  if (name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  // undici puts the useful part (ECONNRESET, "other side closed") in the cause.
  const causeMessage = (cause as { message?: unknown } | undefined)?.message;
  const detail = typeof causeMessage === 'string' ? `: ${causeMessage}` : '';
  return typeof message === 'string' ? `${message}${detail}` : String(error);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
