import { InvalidWebhookPayloadError } from './errors';
import { jsonDepth, MAX_JSON_DEPTH } from './json-depth';
import { parseWebhookPayload } from './webhook.schema';
import type { WebhookPayload } from './webhook.schema';

/**
 * JSON-parse a raw webhook body and validate the envelope. Throws
 * InvalidWebhookPayloadError, and nothing else, for any body: one nested
 * deeper than {@link MAX_JSON_DEPTH} is refused before it is parsed, so no
 * recursive code downstream ever sees it. Items inside still need their own
 * parse.
 */
export function decodeWebhookPayload(raw: string | Buffer): WebhookPayload {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  const depth = jsonDepth(text, MAX_JSON_DEPTH);
  if (depth > MAX_JSON_DEPTH) {
    throw new InvalidWebhookPayloadError(
      `webhook body nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new InvalidWebhookPayloadError('webhook body is not JSON', [], { cause });
  }
  const result = parseWebhookPayload(json);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new InvalidWebhookPayloadError('webhook body is not a WhatsApp envelope', issues);
  }
  return result.data;
}
