import { randomBytes } from 'node:crypto';

export const DEFAULT_WABA_ID = '102290129340398';
export const DEFAULT_PHONE_NUMBER_ID = '106540352242922';
export const DEFAULT_DISPLAY_PHONE_NUMBER = '15550783881';
export const DEFAULT_CUSTOMER_WA_ID = '16505551234';
export const DEFAULT_CUSTOMER_NAME = 'Kerry Fisher';

/**
 * A wamid shaped like Meta's: `wamid.` + base64 of a small protobuf-like
 * record holding the counterpart number and a 20-character hex message id.
 * Pass `hexId` for a deterministic value.
 */
export function wamid(counterpart: string = DEFAULT_CUSTOMER_WA_ID, hexId?: string): string {
  const id = hexId ?? randomBytes(10).toString('hex').toUpperCase();
  const bytes = Buffer.concat([
    Buffer.from([0x1c, 0x18, counterpart.length]),
    Buffer.from(counterpart, 'ascii'),
    Buffer.from([0x15, 0x02, 0x00, 0x12, 0x18, id.length]),
    Buffer.from(id, 'ascii'),
    Buffer.from([0x00]),
  ]);
  return `wamid.${bytes.toString('base64')}`;
}

/** Unix seconds as the string Meta sends. */
export function unixNow(date: Date = new Date()): string {
  return String(Math.floor(date.getTime() / 1000));
}

export function mediaId(): string {
  // Media ids are 15 to 16 digit numbers.
  return String(1_000_000_000_000_000n + BigInt(`0x${randomBytes(6).toString('hex')}`));
}

export function sha256Base64(): string {
  return randomBytes(32).toString('base64');
}
