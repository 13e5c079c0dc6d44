import { mediaObjectKey, retentionTagging, retentionTier } from '@waba/media-archiver';

describe('retentionTier()', () => {
  it.each([
    [1, 7],
    [7, 7],
    [8, 30],
    [30, 30],
    [31, 90],
    [90, 90],
    [200, 365],
    [365, 365],
    [366, 1825],
    [1825, 1825],
  ])('%i days → the %i-day tier', (days, tier) => {
    expect(retentionTier(days)).toBe(tier);
    expect(retentionTagging(days)).toBe(`retention-days=${tier}`);
  });

  it.each([[null], [1826], [10_000]])('%p: no tier, no tag (kept for good)', (days) => {
    expect(retentionTier(days)).toBeNull();
    expect(retentionTagging(days)).toBeUndefined();
  });
});

describe('mediaObjectKey()', () => {
  it('is per organization and UTC day, under media/', () => {
    expect(
      mediaObjectKey(
        '0b6f7a52-3c1e-4f43-9d0e-2f4a9c1b7e10',
        new Date('2026-12-02T23:59:59.999Z'),
        '1234567890',
      ),
    ).toBe('media/0b6f7a52-3c1e-4f43-9d0e-2f4a9c1b7e10/2026/12/02/1234567890');
  });

  it('keeps a media id with odd characters inside its own path segment', () => {
    expect(mediaObjectKey('o', new Date('2026-01-05T00:00:00Z'), 'a/b c')).toBe(
      'media/o/2026/01/05/a%2Fb%20c',
    );
  });
});
