import { InvalidWebhookPayloadError } from './errors';
import { webhookPayloadSchema } from './webhook.schema';
import type { WebhookPayload } from './webhook.schema';

/**
 * JSON-parse a raw webhook body and validate the envelope. Throws
 * InvalidWebhookPayloadError; items inside still need their own parse.
 */
export function decodeWebhookPayload(raw: string | Buffer): WebhookPayload {
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (cause) {
    throw new InvalidWebhookPayloadError('webhook body is not JSON', [], { cause });
  }
  const result = webhookPayloadSchema.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new InvalidWebhookPayloadError('webhook body is not a WhatsApp envelope', issues);
  }
  return result.data;
}
