import { createLogger } from '@waba/whatsapp';
import { shutdownOnSignal } from '../src/shutdown';

/** A service whose stop() settles when the test says so, and the exits and log lines it caused. */
function setup(timeoutMs = 60_000) {
  let settle!: { resolve: () => void; reject: (error: Error) => void };
  const service = {
    stop: jest.fn(() => new Promise<void>((resolve, reject) => (settle = { resolve, reject }))),
    stats: () => ({ ingest: { received: 1 } }),
  };
  const lines: { msg: string }[] = [];
  const logger = createLogger('test', {
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  const exits: number[] = [];
  const shutdown = shutdownOnSignal(service, { timeoutMs, logger, exit: (c) => exits.push(c) });
  const settled = () => new Promise((resolve) => setImmediate(resolve));
  return {
    service,
    shutdown,
    exits,
    messages: () => lines.map((l) => l.msg),
    settle: () => settle,
    settled,
  };
}

describe('shutdownOnSignal()', () => {
  it('stops the service once the batches in flight finish, then exits 0', async () => {
    const s = setup();
    s.shutdown('SIGTERM');
    expect(s.service.stop).toHaveBeenCalledTimes(1);
    expect(s.exits).toEqual([]);

    s.settle().resolve();
    await s.settled();

    expect(s.exits).toEqual([0]);
    expect(s.messages()).toEqual(['stopping: finishing batches in flight', 'stopped']);
  });

  it('a second signal exits 1 at once, without stopping twice', () => {
    const s = setup();
    s.shutdown('SIGTERM');
    s.shutdown('SIGINT');

    expect(s.exits).toEqual([1]);
    expect(s.service.stop).toHaveBeenCalledTimes(1);
  });

  it('a failed stop exits 1', async () => {
    const s = setup();
    s.shutdown('SIGTERM');
    s.settle().reject(new Error('pool end failed'));
    await s.settled();

    expect(s.exits).toEqual([1]);
    expect(s.messages()).toContain('stop failed');
  });

  it('exits 1 when the batches do not finish within the timeout', async () => {
    jest.useFakeTimers();
    try {
      const s = setup(5_000);
      s.shutdown('SIGTERM');
      jest.advanceTimersByTime(5_000);

      expect(s.exits).toEqual([1]);
      expect(s.messages()).toContain('batches did not finish in time: exiting');
    } finally {
      jest.useRealTimers();
    }
  });
});
