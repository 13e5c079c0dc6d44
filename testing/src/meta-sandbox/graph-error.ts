import { randomBytes } from 'node:crypto';

/** The body of a Graph API error response, as Meta shapes it. */
export interface GraphErrorBody {
  error: {
    message: string;
    type: 'OAuthException';
    code: number;
    error_subcode?: number;
    error_data?: { messaging_product: 'whatsapp'; details: string };
    fbtrace_id: string;
  };
}

export interface GraphErrorResponse {
  httpStatus: number;
  body: GraphErrorBody;
}

/** Titles and details Meta gives for the codes a sender has to classify. */
const KNOWN: ReadonlyMap<number, { title: string; details: string }> = new Map([
  [
    131047,
    {
      title: 'Re-engagement message',
      details:
        'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
    },
  ],
  [130429, { title: 'Rate limit hit', details: 'Cloud API message throughput has been reached.' }],
  [
    131056,
    {
      title: '(Business Account, Consumer Account) pair rate limit hit',
      details:
        'Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.',
    },
  ],
  [
    131030,
    {
      title: 'Recipient phone number not in allowed list',
      details:
        'Recipient phone number not in allowed list: Add recipient phone number to recipient list and try again.',
    },
  ],
  [
    131048,
    {
      title: 'Spam rate limit hit',
      details:
        'Message failed to send because there are restrictions on how many messages can be sent from this phone number.',
    },
  ],
  [131026, { title: 'Message undeliverable', details: 'Message Undeliverable.' }],
  [
    131051,
    { title: 'Unsupported message type', details: 'Message type is not currently supported.' },
  ],
  [
    368,
    {
      title: 'Temporarily blocked for policies violations',
      details: 'The account is restricted for policy violations.',
    },
  ],
  [131000, { title: 'Something went wrong', details: 'Something went wrong.' }],
  [100, { title: 'Invalid parameter', details: 'Invalid parameter.' }],
]);

/** Meta's trace ids look like `AbC1dEf2...`: 23 url-safe characters starting with A. */
export function fbtraceId(): string {
  return `A${randomBytes(17).toString('base64url').slice(0, 22)}`;
}

export function graphError(options: {
  code: number;
  httpStatus: number;
  message?: string;
  details?: string;
  subcode?: number;
}): GraphErrorResponse {
  const known = KNOWN.get(options.code);
  const title = known?.title ?? 'Sandbox fault';
  const message = options.message ?? `(#${options.code}) ${title}`;
  const details = options.details ?? known?.details ?? title;
  return {
    httpStatus: options.httpStatus,
    body: {
      error: {
        message,
        type: 'OAuthException',
        code: options.code,
        ...(options.subcode === undefined ? {} : { error_subcode: options.subcode }),
        error_data: { messaging_product: 'whatsapp', details },
        fbtrace_id: fbtraceId(),
      },
    },
  };
}

/** A request-validation failure: always HTTP 400, code 100, like Meta. */
export function invalidParameter(details: string, message?: string): GraphErrorResponse {
  return graphError({
    code: 100,
    httpStatus: 400,
    details,
    message: message ?? '(#100) Invalid parameter',
  });
}

/** Meta answers a missing or wrong token with 401 and no error_data. */
export function invalidToken(): GraphErrorResponse {
  return {
    httpStatus: 401,
    body: {
      error: {
        message: 'Invalid OAuth access token - Cannot parse access token',
        type: 'OAuthException',
        code: 190,
        fbtrace_id: fbtraceId(),
      },
    },
  };
}
