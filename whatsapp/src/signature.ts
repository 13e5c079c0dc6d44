import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER_PATTERN = /^sha256=([0-9a-fA-F]{64})$/;

/** `sha256=<64 lowercase hex>`, the X-Hub-Signature-256 value Meta would send for `raw`. */
export function signPayload(raw: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

/**
 * Check X-Hub-Signature-256 over the exact raw bytes. Meta signs its own escaped
 * JSON, so the body must never be re-serialised before this call. Any of
 * `secrets` may match so an app secret can be rotated without downtime.
 * Never throws: a garbage header is simply not valid.
 */
export function verifySignature(
  raw: Buffer,
  header: string | undefined | null,
  secrets: readonly string[],
): boolean {
  if (typeof header !== 'string') return false;
  const match = HEADER_PATTERN.exec(header.trim());
  const hex = match?.[1];
  if (hex === undefined) return false;
  const received = Buffer.from(hex, 'hex');

  let valid = false;
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.trim() === '') continue;
    const expected = createHmac('sha256', secret).update(raw).digest();
    // Compare every secret (no early exit) so timing does not reveal which one matched.
    if (expected.length === received.length && timingSafeEqual(expected, received)) valid = true;
  }
  return valid;
}
