import { acceptsImages } from '@waba/answer-worker';

describe('acceptsImages()', () => {
  it.each([
    ['gpt-4o-mini', true],
    ['gpt-4o-2024-08-06', true],
    ['gpt-4.1-nano', true],
    ['o3-mini', false],
    ['gpt-3.5-turbo', false],
  ])('%s → %s', (model, expected) => {
    expect(acceptsImages(model)).toBe(expected);
  });

  it('a configured list (a compatible server) replaces the built-in one', () => {
    expect(acceptsImages('llava', ['llava'])).toBe(true);
    expect(acceptsImages('gpt-4o', ['llava'])).toBe(false);
  });
});
