import pino from 'pino';
import { ANSWER_NOT_SENT_PATTERN } from '../lib/log-patterns';

/** CloudWatch Logs' regex syntax: letters, digits, these symbols and operators, nothing else. */
const CLOUDWATCH_REGEX = /^[A-Za-z0-9:_#=@/;,\-^$?[\]{}|\\*+.]+$/;

describe('ANSWER_NOT_SENT_PATTERN', () => {
  const regexes = [...ANSWER_NOT_SENT_PATTERN.matchAll(/%([^%]+)%/g)].map((m) => m[1]!);

  it("uses only CloudWatch's regex characters (no spaces, no groups)", () => {
    expect(regexes).toHaveLength(1);
    for (const r of regexes) expect(r).toMatch(CLOUDWATCH_REGEX);
  });

  it("matches the answer worker's message and pino's error level", () => {
    expect(new RegExp(regexes[0]!).test('answer not sent (permanent error)')).toBe(true);
    expect(ANSWER_NOT_SENT_PATTERN).toContain(`$.level = ${pino.levels.values.error}`);
  });
});
