import type { GraphErrorKind } from './graph-errors';

/** Base class of every error thrown by @waba/whatsapp. */
export class WhatsAppError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WhatsAppError';
  }
}

/** The body is not JSON or not a WhatsApp webhook envelope. */
export class InvalidWebhookPayloadError extends WhatsAppError {
  readonly issues: readonly string[];

  constructor(message: string, issues: readonly string[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidWebhookPayloadError';
    this.issues = issues;
  }
}

/** A Graph API call failed; `kind` tells the caller whether and how to retry. */
export class GraphApiError extends WhatsAppError {
  readonly httpStatus: number | undefined;
  readonly code: number | undefined;
  readonly kind: GraphErrorKind;
  readonly fbtraceId: string | undefined;

  constructor(args: {
    message: string;
    kind: GraphErrorKind;
    httpStatus?: number;
    code?: number;
    fbtraceId?: string;
    cause?: unknown;
  }) {
    super(args.message, { cause: args.cause });
    this.name = 'GraphApiError';
    this.kind = args.kind;
    this.httpStatus = args.httpStatus;
    this.code = args.code;
    this.fbtraceId = args.fbtraceId;
  }
}

/**
 * A send was refused before any network call because it breaks a Graph limit
 * the caller must handle itself (e.g. split an interactive body that is too long).
 */
export class GraphRequestError extends WhatsAppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GraphRequestError';
  }
}

/**
 * An authentication template to a user known only by username (no phone
 * number): Meta refuses it (131062), so it is refused before sending.
 */
export class RecipientNeedsPhoneError extends GraphRequestError {
  /** The code Meta would answer with. */
  readonly code = 131062;

  constructor(templateName: string) {
    super(
      `authentication template ${templateName} needs the recipient's phone number; this user is known only by username (Meta refuses it with 131062)`,
    );
    this.name = 'RecipientNeedsPhoneError';
  }
}

/**
 * The access token cannot be used: it is still the deployment's placeholder,
 * or Meta refused it (190) and re-reading its secret gave no other token.
 * Nothing was sent; every send fails the same way until someone fixes the secret.
 */
export class GraphTokenError extends GraphApiError {
  constructor(message: string, options: { httpStatus?: number; cause?: unknown } = {}) {
    super({
      message,
      kind: 'blocked',
      code: 190,
      ...(options.httpStatus === undefined ? {} : { httpStatus: options.httpStatus }),
      cause: options.cause,
    });
    this.name = 'GraphTokenError';
  }
}

/**
 * `Name: message` of anything thrown, for a log line or an audit row's reason.
 * Duck-typed: errors from Node's core may come from another realm (jest's vm).
 */
export function errorText(error: unknown): string {
  const { name, message } = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    message?: unknown;
  };
  if (typeof message === 'string')
    return `${typeof name === 'string' ? name : 'Error'}: ${message}`;
  return typeof error === 'string' ? error : 'unknown error';
}

/** The environment holds a value its deployable cannot use; `variables` names each one. */
export class EnvError extends WhatsAppError {
  readonly variables: readonly string[];

  constructor(message: string, variables: readonly string[]) {
    super(message);
    this.name = 'EnvError';
    this.variables = variables;
  }
}

/** A secret cannot be read or does not hold what its consumer needs (never carries its value). */
export class SecretError extends WhatsAppError {
  constructor(message: string) {
    super(message);
    this.name = 'SecretError';
  }
}
