import { isPlaceholderSecret, staticAccessToken, type AccessTokenSource } from './access-token';
import {
  GraphApiError,
  GraphRequestError,
  GraphTokenError,
  RecipientNeedsPhoneError,
} from './errors';
import { classifyGraphError } from './graph-errors';
import { DEFAULT_GRAPH_VERSION } from './graph-version';
import {
  graphErrorResponseSchema,
  graphSendResponseSchema,
  graphSuccessResponseSchema,
} from './graph.schema';

/** Graph limits, counted in characters (code points). */
export const TEXT_BODY_LIMIT = 4096;
export const INTERACTIVE_BODY_LIMIT = 1024;
const HEADER_FOOTER_LIMIT = 60;
const MAX_BUTTONS = 3;
const BUTTON_TITLE_LIMIT = 20;
const MAX_SECTIONS = 10;
const MAX_ROWS = 10;
const SECTION_TITLE_LIMIT = 24;
const ROW_TITLE_LIMIT = 24;
const ROW_DESCRIPTION_LIMIT = 72;
const LIST_BUTTON_LIMIT = 20;

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

export interface SendResult {
  wamid: string;
  waId: string | null;
  /** The business-scoped user id Meta answered with, for a send by `recipient`. */
  userId: string | null;
}

/**
 * Whom to send to: a phone number, or a contact's ids. A contact with a phone
 * number is addressed by `to`; one known only by its business-scoped user id
 * by `recipient` (Meta drops a BSUID put in `to` without an error).
 */
export type Recipient = string | { waId: string | null; userId: string | null };

export interface ReplyButton {
  id: string;
  title: string;
}

export interface ListRow {
  id: string;
  title: string;
  description?: string;
}

export interface ListSection {
  title?: string;
  rows: ListRow[];
}

export interface ListMessage {
  body: string;
  buttonText: string;
  sections: ListSection[];
}

export interface TemplateMessage {
  name: string;
  languageCode: string;
  components?: unknown[];
  /** Meta's template category when known; `authentication` templates need a phone number. */
  category?: string | null;
}

export interface GraphClient {
  /** Splits bodies over 4096 characters; one SendResult per part, in order. */
  sendText(
    phoneNumberId: string,
    to: Recipient,
    body: string,
    options?: { previewUrl?: boolean; replyTo?: string; bizOpaque?: string },
  ): Promise<SendResult[]>;
  sendButtons(
    phoneNumberId: string,
    to: Recipient,
    body: string,
    buttons: ReplyButton[],
    options?: { replyTo?: string; bizOpaque?: string; header?: string; footer?: string },
  ): Promise<SendResult>;
  sendList(
    phoneNumberId: string,
    to: Recipient,
    list: ListMessage,
    options?: { replyTo?: string; bizOpaque?: string },
  ): Promise<SendResult>;
  sendTemplate(
    phoneNumberId: string,
    to: Recipient,
    template: TemplateMessage,
    options?: { bizOpaque?: string },
  ): Promise<SendResult>;
  markReadWithTyping(phoneNumberId: string, messageId: string): Promise<void>;
  /** Throws GraphTokenError when the token is a placeholder; no network call. */
  checkToken(): Promise<void>;
}

/**
 * Split a text body into parts of at most `max` characters, cutting before the
 * limit at the last paragraph break, else line break, else space, else hard.
 * The separator at a cut is dropped; all other content is kept in order.
 */
export function splitText(body: string, max = TEXT_BODY_LIMIT): string[] {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be >= 1, got ${max}`);
  const parts: string[] = [];
  let rest = body;
  while (!isBlank(rest)) {
    const end = codePointEnd(rest, max);
    if (end === rest.length) {
      parts.push(rest);
      break;
    }
    const [head, tail] = cutBefore(rest, end);
    parts.push(head);
    rest = tail;
  }
  return parts;
}

/** At most 3 buttons with unique ids and titles of at most 20 characters. */
export function clampButtons(buttons: readonly ReplyButton[]): ReplyButton[] {
  return uniqueById(buttons)
    .slice(0, MAX_BUTTONS)
    .map((button) => ({ id: button.id, title: clampText(button.title, BUTTON_TITLE_LIMIT) }));
}

/**
 * Fit a list into Graph's limits. Rows are capped at 10 across all sections
 * (Meta rejects more in total, not only per section) and row ids made unique.
 */
export function clampList(list: ListMessage): ListMessage {
  const seen = new Set<string>();
  let budget = MAX_ROWS;
  const sections: ListSection[] = [];
  for (const section of list.sections.slice(0, MAX_SECTIONS)) {
    const rows: ListRow[] = [];
    for (const row of section.rows) {
      if (budget === 0) break;
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      budget -= 1;
      rows.push({
        id: row.id,
        title: clampText(row.title, ROW_TITLE_LIMIT),
        ...(row.description === undefined
          ? {}
          : { description: clampText(row.description, ROW_DESCRIPTION_LIMIT) }),
      });
    }
    // A section without rows is rejected by Graph.
    if (rows.length === 0) continue;
    sections.push({
      ...(section.title === undefined
        ? {}
        : { title: clampText(section.title, SECTION_TITLE_LIMIT) }),
      rows,
    });
  }
  return {
    body: list.body,
    buttonText: clampText(list.buttonText, LIST_BUTTON_LIMIT),
    sections,
  };
}

export function createGraphClient(options: GraphClientOptions): GraphClient {
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

  async function postWith(token: string, phoneNumberId: string, payload: object): Promise<unknown> {
    const url = `${baseUrl}/${apiVersion}/${encodeURIComponent(phoneNumberId)}/messages`;
    let status: number;
    let text: string;
    try {
      const response = await doFetch(url, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      // Inside the try: the body can still time out or be cut off.
      text = await response.text();
    } catch (error) {
      throw new GraphApiError({
        message: redact(
          `Graph request failed without an answer: ${describeNetworkError(error, timeoutMs)}`,
          token,
        ),
        kind: classifyGraphError({}).kind,
        cause: error,
      });
    }
    const json = parseJson(text);
    if (status >= 200 && status < 300) {
      if (json === undefined) throw unexpectedBody(status);
      return json;
    }
    throw toGraphApiError(status, json, (t) => redact(t, token));
  }

  /**
   * One request; after a 190 (token invalid or expired) the token is read again,
   * bypassing caches, and the request repeated once if it changed: a 190 is a
   * refusal, so nothing went out the first time.
   */
  async function post(phoneNumberId: string, payload: object): Promise<unknown> {
    const token = await usableToken(false);
    try {
      return await postWith(token, phoneNumberId, payload);
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
        return await postWith(fresh, phoneNumberId, payload);
      } catch (retryError) {
        if (!isTokenRefusal(retryError)) throw retryError;
        throw new GraphTokenError(
          `${retryError.message}; the re-read token was refused too`,
          withStatus(retryError),
        );
      }
    }
  }

  async function send(phoneNumberId: string, payload: object): Promise<SendResult> {
    const json = await post(phoneNumberId, payload);
    const parsed = graphSendResponseSchema.safeParse(json);
    if (!parsed.success) throw unexpectedBody(200);
    return {
      // The schema requires at least one message.
      wamid: parsed.data.messages[0]!.id,
      waId: parsed.data.contacts?.[0]?.wa_id ?? null,
      userId: parsed.data.contacts?.[0]?.user_id ?? null,
    };
  }

  return {
    async sendText(phoneNumberId, to, body, sendOptions = {}) {
      const parts = splitText(body);
      if (parts.length === 0) throw new GraphRequestError('text body is empty');
      const results: SendResult[] = [];
      // Sequential on purpose: parallel sends may arrive out of order.
      for (const [index, part] of parts.entries()) {
        results.push(
          await send(phoneNumberId, {
            ...envelope(to, 'text'),
            text: { preview_url: sendOptions.previewUrl ?? false, body: part },
            // Only the first part quotes the message it answers.
            ...extras(index === 0 ? sendOptions.replyTo : undefined, sendOptions.bizOpaque),
          }),
        );
      }
      return results;
    },

    async sendButtons(phoneNumberId, to, body, buttons, sendOptions = {}) {
      assertInteractiveBody(body);
      const clamped = clampButtons(buttons);
      if (clamped.length === 0) throw new GraphRequestError('at least one button is required');
      return send(phoneNumberId, {
        ...envelope(to, 'interactive'),
        interactive: {
          type: 'button',
          ...(sendOptions.header === undefined
            ? {}
            : {
                header: { type: 'text', text: clampText(sendOptions.header, HEADER_FOOTER_LIMIT) },
              }),
          body: { text: body },
          ...(sendOptions.footer === undefined
            ? {}
            : { footer: { text: clampText(sendOptions.footer, HEADER_FOOTER_LIMIT) } }),
          action: {
            buttons: clamped.map((reply) => ({ type: 'reply', reply })),
          },
        },
        ...extras(sendOptions.replyTo, sendOptions.bizOpaque),
      });
    },

    async sendList(phoneNumberId, to, list, sendOptions = {}) {
      assertInteractiveBody(list.body);
      const clamped = clampList(list);
      if (clamped.sections.length === 0)
        throw new GraphRequestError('a list needs at least one row');
      return send(phoneNumberId, {
        ...envelope(to, 'interactive'),
        interactive: {
          type: 'list',
          body: { text: clamped.body },
          action: { button: clamped.buttonText, sections: clamped.sections },
        },
        ...extras(sendOptions.replyTo, sendOptions.bizOpaque),
      });
    },

    async sendTemplate(phoneNumberId, to, template, sendOptions = {}) {
      if (template.category?.toLowerCase() === 'authentication' && !phoneOf(to))
        throw new RecipientNeedsPhoneError(template.name);
      return send(phoneNumberId, {
        ...envelope(to, 'template'),
        template: {
          name: template.name,
          language: { code: template.languageCode },
          ...(template.components === undefined ? {} : { components: template.components }),
        },
        ...extras(undefined, sendOptions.bizOpaque),
      });
    },

    async markReadWithTyping(phoneNumberId, messageId) {
      const json = await post(phoneNumberId, {
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: messageId,
        typing_indicator: { type: 'text' },
      });
      const parsed = graphSuccessResponseSchema.safeParse(json);
      if (!parsed.success || !parsed.data.success) throw unexpectedBody(200);
    },

    async checkToken() {
      await usableToken(false);
    },
  };
}

function isTokenRefusal(error: unknown): error is GraphApiError {
  return error instanceof GraphApiError && error.code === 190;
}

function withStatus(error: GraphApiError): { httpStatus?: number; cause: unknown } {
  return error.httpStatus === undefined
    ? { cause: error }
    : { httpStatus: error.httpStatus, cause: error };
}

function phoneOf(to: Recipient): string | null {
  return typeof to === 'string' ? to : to.waId;
}

function envelope(to: Recipient, type: string) {
  const phone = phoneOf(to);
  const address =
    phone !== null
      ? { to: phone }
      : typeof to !== 'string' && to.userId !== null
        ? { recipient: to.userId }
        : undefined;
  if (!address)
    throw new GraphRequestError('the recipient has neither a phone number nor a user id');
  return { messaging_product: 'whatsapp', recipient_type: 'individual', ...address, type };
}

function extras(replyTo: string | undefined, bizOpaque: string | undefined) {
  return {
    ...(replyTo === undefined ? {} : { context: { message_id: replyTo } }),
    ...(bizOpaque === undefined ? {} : { biz_opaque_callback_data: bizOpaque }),
  };
}

function assertInteractiveBody(body: string): void {
  if (isBlank(body)) throw new GraphRequestError('interactive body is empty');
  const length = codePointLength(body);
  if (length > INTERACTIVE_BODY_LIMIT) {
    throw new GraphRequestError(
      `interactive body has ${length} characters, limit ${INTERACTIVE_BODY_LIMIT}; split it first`,
    );
  }
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
function unexpectedBody(httpStatus: number): GraphApiError {
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

function isBlank(text: string): boolean {
  return text.trim() === '';
}

function codePointLength(text: string): number {
  let length = 0;
  for (let index = 0; index < text.length; index += text.codePointAt(index)! > 0xffff ? 2 : 1) {
    length += 1;
  }
  return length;
}

/** UTF-16 index just after the first `max` code points (or the string's end). */
function codePointEnd(text: string, max: number): number {
  let index = 0;
  let count = 0;
  while (index < text.length && count < max) {
    index += text.codePointAt(index)! > 0xffff ? 2 : 1;
    count += 1;
  }
  return index;
}

/** Cut to `max` characters, marking the cut with an ellipsis. */
function clampText(text: string, max: number): string {
  if (codePointLength(text) <= max) return text;
  return `${text.slice(0, codePointEnd(text, max - 1)).trimEnd()}…`;
}

function uniqueById<T extends { id: string }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    if (seen.has(item.id)) return false;
    seen.add(item.id);
    return true;
  });
}

// Non-breaking spaces (U+00A0, U+2007, U+202F) are left out: the writer asked not to break there.
const BREAKING_SPACES =
  '[ \\t\\f\\v\\r\\n\\u1680\\u2000-\\u2006\\u2008-\\u200a\\u2028\\u2029\\u205f\\u3000]+';
const SEPARATORS = [
  new RegExp('\\n(?:[ \\t\\r]*\\n)+', 'g'), // paragraph break: a blank line
  new RegExp('\\r?\\n', 'g'),
  new RegExp(BREAKING_SPACES, 'g'),
];

/** Split `text` before UTF-16 index `end` (a code point boundary) into a part and the rest. */
function cutBefore(text: string, end: number): [string, string] {
  // One character more: a separator right after the limit still lets the whole limit fill.
  const window = text.slice(0, end + (text.codePointAt(end)! > 0xffff ? 2 : 1));
  for (const separator of SEPARATORS) {
    let last: RegExpExecArray | undefined;
    for (const match of window.matchAll(separator)) last = match;
    if (last === undefined) continue;
    const head = window.slice(0, last.index).trimEnd();
    if (isBlank(head)) continue;
    // Re-match in the full text: the separator may run on past the window.
    const sticky = new RegExp(separator.source, 'y');
    sticky.lastIndex = last.index;
    sticky.exec(text);
    // Blank lines at the start of a message carry nothing; indentation of the first line stays.
    return [head, text.slice(sticky.lastIndex).replace(/^(?:[ \t]*\r?\n)+/, '')];
  }
  const cut = graphemeBoundaryBefore(text, end);
  return [text.slice(0, cut), text.slice(cut)];
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The last grapheme boundary at or before `end`, so a hard cut keeps emoji sequences whole. */
function graphemeBoundaryBefore(text: string, end: number): number {
  // A little look-ahead tells whether the cluster at `end` continues past it.
  const probe = text.slice(0, end + 32);
  let boundary = 0;
  for (const { index } of graphemes.segment(probe)) {
    if (index > end) break;
    boundary = index;
  }
  // One cluster longer than the limit: fall back to the code point boundary.
  return boundary === 0 ? end : boundary;
}
