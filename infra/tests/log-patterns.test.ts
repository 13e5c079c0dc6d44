import { Writable } from 'node:stream';
import pino from 'pino';
import { ANSWER_NOT_SENT_EVENT } from '@waba/answer-worker';
import { MEDIA_HASH_MISMATCH_LOG_MESSAGE } from '@waba/media-archiver';
import { ANSWER_NOT_SENT_PATTERN, MEDIA_HASH_MISMATCH_PATTERN } from '../lib/log-patterns';

/** Applies a `{ $.field = "value" }` CloudWatch Logs pattern to one JSON log line. */
function matches(pattern: string, line: string): boolean {
  const m = /^\{ \$\.(\w+) = "([^"]*)" \}$/.exec(pattern);
  if (!m) throw new Error(`not a single-field equality pattern: ${pattern}`);
  return (JSON.parse(line) as Record<string, unknown>)[m[1]!] === m[2];
}

/** Lines a pino logger writes, as the functions log them (JSON, one per line). */
function logLines(write: (logger: pino.Logger) => void): string[] {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  write(pino({}, stream));
  return lines;
}

describe('ANSWER_NOT_SENT_PATTERN', () => {
  it('matches the lines the answer worker writes when it gives up, at any level, and no others', () => {
    const lines = logLines((log) => {
      log.warn(
        { attemptId: 1, reason: 'refused', event: ANSWER_NOT_SENT_EVENT },
        'answer not sent',
      );
      log.error({ event: ANSWER_NOT_SENT_EVENT }, 'access token unusable: job kept');
      log.info({ attemptId: 2 }, 'answer sent');
      log.error({ err: 'boom' }, 'answer job failed');
    });
    expect(lines.map((l) => matches(ANSWER_NOT_SENT_PATTERN, l))).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('MEDIA_HASH_MISMATCH_PATTERN', () => {
  it("matches the archiver's hash-mismatch line and none of its other lines", () => {
    const lines = logLines((log) => {
      log.error(
        { key: 'media/o/2026/12/02/m', reason: 'sha256 mismatch' },
        MEDIA_HASH_MISMATCH_LOG_MESSAGE,
      );
      log.warn({ reason: 'HTTP 500' }, 'media download will be retried');
      log.info({ key: 'media/o/2026/12/02/m' }, 'media stored');
    });
    expect(lines.map((l) => matches(MEDIA_HASH_MISMATCH_PATTERN, l))).toEqual([true, false, false]);
  });
});
