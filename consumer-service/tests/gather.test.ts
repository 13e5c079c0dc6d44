import type { Message } from '@aws-sdk/client-sqs';
import pino from 'pino';
import { gatherBatch, MAX_PER_RECEIVE, type GatherOptions, type Receive } from '../src/gather';

const silent = pino({ level: 'silent' });

const message = (id: string, receipt = `rh-${id}`): Message => ({
  MessageId: id,
  ReceiptHandle: receipt,
  Body: id,
});
const page = (from: number, count: number): Message[] =>
  Array.from({ length: count }, (_, i) => message(`m${from + i}`));

/** A receive that answers each call with the next scripted page (an Error rejects). */
function scripted(pages: (Message[] | Error)[]): Receive & { calls: [number, number][] } {
  const calls: [number, number][] = [];
  const receive = async (max: number, wait: number) => {
    calls.push([max, wait]);
    const next = pages.shift() ?? [];
    if (next instanceof Error) throw next;
    return next.slice(0, max);
  };
  return Object.assign(receive, { calls });
}

const gather = (receive: Receive, options: Partial<GatherOptions> = {}) =>
  gatherBatch({
    receive,
    batchSize: 10,
    windowMs: 0,
    waitTimeSeconds: 1,
    signal: new AbortController().signal,
    logger: silent,
    ...options,
  });

describe('gatherBatch()', () => {
  it('returns an empty batch when the first long poll returns nothing, without polling again', async () => {
    const receive = scripted([[]]);

    const batch = await gather(receive, { waitTimeSeconds: 20 });

    expect(batch).toEqual([]);
    expect(receive.calls).toEqual([[10, 20]]);
  });

  it('hands over a page that is not full at once when there is no window', async () => {
    const receive = scripted([page(0, 3), page(3, 3)]);

    const batch = await gather(receive, { batchSize: 25 });

    expect(batch.map((m) => m.MessageId)).toEqual(['m0', 'm1', 'm2']);
    expect(receive.calls).toHaveLength(1);
  });

  it('keeps short-polling while the queue hands out full pages, up to batchSize', async () => {
    const receive = scripted([page(0, 10), page(10, 10), page(20, 10)]);

    const batch = await gather(receive, { batchSize: 25 });

    expect(batch).toHaveLength(25);
    // The first receive long-polls; the next ones ask only for what is missing, without waiting.
    expect(receive.calls).toEqual([
      [25, 1],
      [15, 0],
      [5, 0],
    ]);
  });

  it('keeps one message per id, with the newest receipt handle, and reports the duplicate', async () => {
    const again = message('m3', 'rh-m3-second');
    const receive = scripted([page(0, MAX_PER_RECEIVE), [again, message('m10')]]);
    const onDuplicate = jest.fn();

    const batch = await gather(receive, { batchSize: 20, onDuplicate });

    expect(batch).toHaveLength(11);
    expect(batch.find((m) => m.MessageId === 'm3')?.ReceiptHandle).toBe('rh-m3-second');
    expect(onDuplicate).toHaveBeenCalledTimes(1);
  });

  it('keeps what it holds when a later receive fails', async () => {
    const receive = scripted([page(0, 10), new Error('connection reset')]);

    const batch = await gather(receive, { batchSize: 20 });

    expect(batch).toHaveLength(10);
  });

  it('lets a failure of the first receive propagate (nothing is held yet)', async () => {
    const receive = scripted([new Error('unreachable')]);

    await expect(gather(receive)).rejects.toThrow('unreachable');
  });

  it('stops gathering once stopped, returning what it holds', async () => {
    const controller = new AbortController();
    const pages = [page(0, 10), page(10, 10)];
    const receive: Receive = async () => {
      const next = pages.shift() ?? [];
      controller.abort();
      return next;
    };

    const batch = await gather(receive, { batchSize: 20, signal: controller.signal });

    expect(batch.map((m) => m.MessageId)).toEqual(page(0, 10).map((m) => m.MessageId));
  });

  it('within a window, keeps receiving after a page that is not full', async () => {
    const receive = scripted([page(0, 1), page(1, 1), page(2, 1)]);

    const batch = await gather(receive, { batchSize: 3, windowMs: 5_000, waitTimeSeconds: 1 });

    expect(batch).toHaveLength(3);
    expect(receive.calls.slice(1).every(([max, wait]) => max < 3 && wait === 1)).toBe(true);
  });
});
