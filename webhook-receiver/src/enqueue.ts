import * as crypto from 'node:crypto';
import { INGEST_ATTRIBUTES as A, isSqsSafe, type ClaimCheckPointer } from '@waba/whatsapp';
import type { RoutingAttributes } from './routing-attributes';

/** Sends one message to the ingest queue. */
export interface IngestQueue {
  send(body: string, attributes: Record<string, string>): Promise<void>;
}

/** Keeps a payload too large for SQS. */
export interface PayloadStore {
  put(key: string, body: Buffer): Promise<{ bucket: string; key: string }>;
}

export interface EnqueueInput {
  raw: Buffer;
  /** `raw` as text; the caller checked that it is JSON. */
  text: string;
  appId: string;
  routing: RoutingAttributes;
  receivedAt: Date;
}

export interface EnqueueResult {
  sha256: string;
  claimChecked: boolean;
  bytes: number;
}

/** SHA-256 in one native call where Node has it (20.12+), half the cost of a Hash object. */
const sha256Hex: (data: Buffer) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'hex')
    : (data) => crypto.createHash('sha256').update(data).digest('hex');

/**
 * Bytes a routing list may take as an attribute value. Longer lists (a body
 * naming thousands of numbers) are left out, so that the attributes always fit
 * beside the body or its claim-check pointer: together at most about 4 KiB.
 */
export const MAX_ROUTING_ATTRIBUTE_BYTES = 1024;

/**
 * A routing list as an attribute value SQS accepts: items holding a character
 * SQS refuses (NUL, U+FFFF, lone surrogates, ...) or the list separator are
 * dropped; a list longer than MAX_ROUTING_ATTRIBUTE_BYTES is dropped whole.
 * The attributes are hints for operators; the processor reads the body.
 */
export function routingListValue(items: readonly string[]): string {
  const value = items.filter((item) => !item.includes(',') && isSqsSafe(item)).join(',');
  return Buffer.byteLength(value) <= MAX_ROUTING_ATTRIBUTE_BYTES ? value : '';
}

/** SQS counts a message attribute as its name, its type ('String') and its value. */
function attributesBytes(attributes: Record<string, string>): number {
  let n = 0;
  for (const k in attributes) n += Buffer.byteLength(k) + 6 + Buffer.byteLength(attributes[k]!);
  return n;
}

/**
 * Builds the ingest message and sends it: the raw body as is, or base64 when
 * it holds characters SQS refuses, or a claim-check pointer to S3 when body
 * and attributes together pass `maxMessageBytes`.
 */
export async function enqueueWebhook(
  input: EnqueueInput,
  deps: { queue: IngestQueue; payloads: PayloadStore; maxMessageBytes: number },
): Promise<EnqueueResult> {
  const sha256 = sha256Hex(input.raw);
  const attributes: Record<string, string> = {
    [A.appId]: input.appId,
    [A.fields]: routingListValue(input.routing.fields),
    [A.wabaIds]: routingListValue(input.routing.wabaIds),
    [A.phoneNumberIds]: routingListValue(input.routing.phoneNumberIds),
    [A.hasMessages]: String(input.routing.hasMessages),
    [A.hasStatuses]: String(input.routing.hasStatuses),
    [A.receivedAt]: input.receivedAt.toISOString(),
    [A.bodySha256]: sha256,
  };
  // SQS refuses empty attribute values. The app id is a key of our own configuration
  // and the rest are ours, so no other value can hold a character SQS refuses; with
  // claim_check or body_encoding these are 9 attributes, SQS allows 10.
  for (const k in attributes) if (attributes[k] === '') delete attributes[k];

  let body = input.text;
  // An ASCII body (Meta's, always: it escapes the rest) holds only characters
  // SQS accepts once it parsed as JSON, which allows no raw control characters.
  if (input.raw.length !== body.length && !isSqsSafe(body)) {
    body = input.raw.toString('base64');
    attributes[A.bodyEncoding] = 'base64';
  }
  const size = Buffer.byteLength(body) + attributesBytes(attributes);
  if (size <= deps.maxMessageBytes) {
    await deps.queue.send(body, attributes);
    return { sha256, claimChecked: false, bytes: input.raw.length };
  }

  const day = input.receivedAt.toISOString().slice(0, 10).replaceAll('-', '/');
  const stored = await deps.payloads.put(`webhooks/${day}/${sha256}.json`, input.raw);
  const pointer: ClaimCheckPointer = { s3: stored, bytes: input.raw.length };
  delete attributes[A.bodyEncoding];
  attributes[A.claimCheck] = 's3';
  await deps.queue.send(JSON.stringify(pointer), attributes);
  return { sha256, claimChecked: true, bytes: input.raw.length };
}
