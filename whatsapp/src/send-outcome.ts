import {
  GraphApiError,
  GraphRequestError,
  GraphTokenError,
  RecipientNeedsPhoneError,
} from './errors';
import { isKnownGraphErrorCode, type GraphErrorKind } from './graph-errors';

/**
 * What a failed send means. Three values, not two:
 * - `refused`: Meta answered with an error, or the request provably never
 *   left this machine, so nothing went out. `retryable` says whether trying
 *   again can help; `kind` is the Graph classification (number / recipient
 *   back-off, blocked, permanent); `token` marks an unusable access token.
 * - `unknown`: the request may have reached Meta and been sent (timeout or
 *   reset after it left, 5xx without Meta's error envelope, Meta's own
 *   "unknown error", a 2xx we could not read). Never repeated blindly: the
 *   status webhook that carries the send's `biz_opaque_callback_data` settles it.
 */
export type SendFailure =
  | {
      outcome: 'refused';
      retryable: boolean;
      kind: GraphErrorKind;
      token: boolean;
      code: number | null;
      reason: string;
    }
  | { outcome: 'unknown'; reason: string };

/**
 * Codes of Meta's error envelope that say "something failed on our side"
 * without saying whether the message went out: they are unknown, not refusals.
 */
const MAY_HAVE_SENT_CODES = new Set([1, 131000]);

/**
 * Network errors that prove the request was never written to the socket.
 * undici (Node's fetch) writes a request only after the TCP connection and,
 * for https, the TLS handshake have completed, so a failure to resolve,
 * connect or handshake happens before a byte of the request left:
 * - DNS: ENOTFOUND, EAI_AGAIN, EAI_FAIL, EAI_NONAME;
 * - TCP connect: ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL,
 *   UND_ERR_CONNECT_TIMEOUT (undici's connect timeout covers TCP and TLS);
 * - TLS handshake: certificate checks (CERT_*, *_CERT_*, UNABLE_TO_*,
 *   ERR_TLS_CERT_ALTNAME_INVALID) and OpenSSL handshake errors (ERR_SSL_*).
 * Not on the list, because they can happen after the request was written:
 * ECONNRESET, EPIPE, UND_ERR_SOCKET ("other side closed"), the overall
 * AbortSignal timeout, UND_ERR_HEADERS_TIMEOUT and UND_ERR_BODY_TIMEOUT.
 */
const NEVER_LEFT_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const NEVER_LEFT_PATTERN =
  /^(ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$)/;

function neverLeftCode(code: unknown): boolean {
  return typeof code === 'string' && (NEVER_LEFT_CODES.has(code) || NEVER_LEFT_PATTERN.test(code));
}

/**
 * Whether a fetch failure proves the request never left. Follows `cause`
 * (fetch wraps the socket error in a TypeError) and AggregateError's `errors`
 * (happy eyeballs tries several addresses: every one must have failed so).
 */
export function requestNeverLeft(error: unknown, depth = 0): boolean {
  if (depth > 5 || error === null || typeof error !== 'object') return false;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (Array.isArray(errors) && errors.length > 0)
    return errors.every((e: unknown) => requestNeverLeft(e, depth + 1));
  if (neverLeftCode(code)) return true;
  return requestNeverLeft(cause, depth + 1);
}

/** The one rule every sender applies to a failed send (see {@link SendFailure}). */
export function classifySendFailure(error: unknown): SendFailure {
  const reason = error instanceof Error ? error.message : String(error);
  if (error instanceof GraphTokenError) {
    return {
      outcome: 'refused',
      retryable: false,
      kind: 'blocked',
      token: true,
      code: 190,
      reason,
    };
  }
  // Checked before any network call: nothing left.
  if (error instanceof GraphRequestError) {
    return {
      outcome: 'refused',
      retryable: false,
      kind: 'permanent',
      token: false,
      // Refused for Meta's reason, before asking: record Meta's code.
      code: error instanceof RecipientNeedsPhoneError ? error.code : null,
      reason,
    };
  }
  if (!(error instanceof GraphApiError)) return { outcome: 'unknown', reason };
  const { httpStatus, code, kind } = error;
  if (httpStatus === undefined) {
    return requestNeverLeft(error.cause)
      ? { outcome: 'refused', retryable: true, kind: 'retry', token: false, code: null, reason }
      : { outcome: 'unknown', reason };
  }
  // A 2xx we could not read may have sent the message.
  if (httpStatus < 300) return { outcome: 'unknown', reason };
  if (code === undefined) {
    // No envelope: a proxy or load balancer answered. 5xx may be after Meta took it; 429 and 4xx refuse.
    if (httpStatus >= 500) return { outcome: 'unknown', reason };
    const retryable = httpStatus === 429;
    return { outcome: 'refused', retryable, kind, token: false, code: null, reason };
  }
  if (MAY_HAVE_SENT_CODES.has(code)) return { outcome: 'unknown', reason };
  // An envelope with a code nobody classified, on a server error: cannot tell.
  if (httpStatus >= 500 && !isKnownGraphErrorCode(code)) return { outcome: 'unknown', reason };
  return {
    outcome: 'refused',
    retryable: kind.startsWith('retry'),
    kind,
    token: code === 190,
    code,
    reason,
  };
}
