import { jsonDepth, MAX_JSON_DEPTH } from '../src';

const nested = (levels: number, inner = '') => '['.repeat(levels) + inner + ']'.repeat(levels);

describe('jsonDepth()', () => {
  it.each([
    ['a scalar', '"x"', 0],
    ['an empty object', '{}', 1],
    ['objects and arrays alike', '{"a":[{"b":[]}]}', 4],
    ['siblings, not their sum', '[[],[[]],[]]', 3],
    ['brackets inside strings', '{"a":"[[[{{{"}', 1],
    ['escaped quotes inside strings', '{"a":"\\"[[[","b":[1]}', 2],
    ['an escaped backslash before the closing quote', '{"a":"\\\\","b":[[1]]}', 3],
    ['a 64-deep body', nested(64), 64],
  ])('measures %s', (_label, text, depth) => {
    expect(jsonDepth(text)).toBe(depth);
  });

  it('measures a body a million levels deep without recursion', () => {
    expect(jsonDepth(nested(1_000_000))).toBe(1_000_000);
  });

  it('stops counting just above the limit it was given', () => {
    expect(jsonDepth(nested(5_000), MAX_JSON_DEPTH)).toBe(MAX_JSON_DEPTH + 1);
  });
});
