/** Base error of the db package. */
export class DbError extends Error {
  override name = 'DbError';
}

export class ConflictError extends DbError {
  override name = 'ConflictError';
}

/** A campaign operation that cannot be done (unknown campaign, impossible status change, bad number). */
export class CampaignError extends DbError {
  override name = 'CampaignError';
}

const TRANSIENT_CODES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '53300', // too_many_connections
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
]);

/**
 * Whether an error from pg means "the database is unavailable right now"
 * (retry the whole batch later) rather than "this data is bad".
 */
export function isTransientDbError(error: unknown): boolean {
  // Not `instanceof Error`: errors from Node's core may come from another realm (jest's vm).
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (TRANSIENT_CODES.has(code) || code.startsWith('08')) return true;
    if (/^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE ...
  }
  return /timeout exceeded when trying to connect|Connection terminated|connection terminated|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(
    typeof message === 'string' ? message : '',
  );
}
