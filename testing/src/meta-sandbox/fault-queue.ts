import type { SandboxFault } from './types';

export interface FaultQueue {
  add(fault: SandboxFault): void;
  clear(): void;
  /** The first queued fault that applies to a send to `to`; uses up one of its `times`. */
  take(to: string): SandboxFault | undefined;
  size(): number;
}

/** Faults apply in the order they were queued, so a test can script a sequence of answers. */
export function createFaultQueue(): FaultQueue {
  let pending: Array<{ fault: SandboxFault; remaining: number }> = [];
  return {
    add(fault) {
      pending.push({ fault, remaining: fault.times ?? 1 });
    },
    clear() {
      pending = [];
    },
    take(to) {
      const index = pending.findIndex((p) => p.fault.to === undefined || p.fault.to === to);
      const match = pending[index];
      if (!match) return undefined;
      match.remaining -= 1;
      if (match.remaining <= 0) pending.splice(index, 1);
      return match.fault;
    },
    size() {
      return pending.length;
    },
  };
}

/**
 * Check a fault posted to `POST /sandbox/faults`. JSON has no Infinity, so
 * `"times": "Infinity"` (or -1) means until cleared; `{"lose":"reset"|"hang"}` accepts
 * the send and loses its answer. Returns an error text when invalid.
 */
export function parseFault(body: unknown): SandboxFault | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return 'body must be a JSON object like {"code":131047,"httpStatus":400}';
  }
  const input = body as Record<string, unknown>;
  const { code, httpStatus, message, to, lose } = input;
  if (to !== undefined && typeof to !== 'string') return 'to must be a string';
  const times = input.times === 'Infinity' || input.times === -1 ? Infinity : input.times;
  if (
    times !== undefined &&
    (!Number.isInteger(times) || (times as number) < 1) &&
    times !== Infinity
  ) {
    return 'times must be a positive integer, or "Infinity" until cleared';
  }
  const target = {
    ...(times === undefined ? {} : { times: times as number }),
    ...(to === undefined ? {} : { to }),
  };
  if (lose !== undefined) {
    if (lose !== 'reset' && lose !== 'hang') return 'lose must be "reset" or "hang"';
    return { lose, ...target };
  }
  if (!Number.isInteger(code)) return 'code must be an integer Meta error code';
  if (
    !Number.isInteger(httpStatus) ||
    (httpStatus as number) < 400 ||
    (httpStatus as number) > 599
  ) {
    return 'httpStatus must be an integer from 400 to 599';
  }
  if (message !== undefined && typeof message !== 'string') return 'message must be a string';
  return {
    code: code as number,
    httpStatus: httpStatus as number,
    ...(message === undefined ? {} : { message }),
    ...target,
  };
}
