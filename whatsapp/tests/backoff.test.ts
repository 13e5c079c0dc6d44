import { backoffDelay, jitteredBackoffDelay } from '@waba/whatsapp';

describe('backoffDelay()', () => {
  it.each([
    [1, 10],
    [2, 20],
    [4, 80],
    [7, 640],
    [8, 900],
    [1e9, 900],
    [0, 10],
    [Number.NaN, 10],
    [2.7, 20],
  ])('attempt %p waits %p', (attempt, delay) => {
    expect(backoffDelay(attempt, { base: 10, max: 900 })).toBe(delay);
  });
});

describe('jitteredBackoffDelay()', () => {
  it('scales the back-off delay by a random fraction', () => {
    expect(jitteredBackoffDelay(3, { base: 50, max: 1_000 }, () => 0.5)).toBe(100);
    expect(jitteredBackoffDelay(3, { base: 50, max: 1_000 }, () => 0)).toBe(0);
  });
});
