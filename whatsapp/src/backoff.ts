/** An exponential back-off: the n-th attempt waits `base × 2^(n-1)`, never more than `max`. */
export interface ExponentialBackoff {
  base: number;
  max: number;
}

/**
 * The delay before retrying after the `attempt`-th failure (1-based), in the
 * policy's unit. A missing or bad attempt counts as the first; the exponent is
 * capped so the power stays finite however many attempts there were.
 */
export function backoffDelay(attempt: number, policy: ExponentialBackoff): number {
  const n = Number.isFinite(attempt) && attempt >= 1 ? Math.floor(attempt) : 1;
  return Math.min(policy.base * 2 ** Math.min(n - 1, 30), policy.max);
}

/** "Full jitter": a uniformly random wait up to the back-off delay, so retries of many callers spread out. */
export function jitteredBackoffDelay(
  attempt: number,
  policy: ExponentialBackoff,
  random: () => number = Math.random,
): number {
  return random() * backoffDelay(attempt, policy);
}
