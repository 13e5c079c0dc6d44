import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import saslprep from '@mongodb-js/saslprep';
import { DbError } from './errors';

/** Postgres' default `scram_iterations`. */
export const SCRAM_ITERATIONS = 4096;

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/**
 * The SCRAM-SHA-256 secret of a password, in the form Postgres stores in
 * `pg_authid.rolpassword` (RFC 5802 and 7677):
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, base64. Given
 * to `create role … password`, Postgres stores it as is, so the password
 * itself never appears in DDL, statement logs or `pg_stat_activity`.
 * The password is SASLprep-normalized first, as Postgres and libpq do.
 */
export function scramSha256Secret(
  password: string,
  options: { salt?: Buffer; iterations?: number } = {},
): string {
  let normalized: string;
  try {
    normalized = saslprep(password, { allowUnassigned: true });
  } catch (error) {
    throw new DbError(`the password is not usable with SCRAM: ${(error as Error).message}`);
  }
  if (normalized === '') throw new DbError('the password is empty');
  const salt = options.salt ?? randomBytes(16);
  const iterations = options.iterations ?? SCRAM_ITERATIONS;
  const salted = pbkdf2Sync(Buffer.from(normalized, 'utf8'), salt, iterations, 32, 'sha256');
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const serverKey = hmac(salted, 'Server Key');
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
