import { campaignRefusal, classifyGraphError } from '@waba/whatsapp';

describe('campaignRefusal()', () => {
  it.each([
    [131049, 'after-24h', /limit-deferred, not resent at once/],
    [131026, 'now', /undeliverable/],
    [130429, 'now', /failed after retries/],
    [131056, 'now', /failed after retries/],
    [131047, 'never', /24-hour window closed/],
    [131030, 'never', /not on WhatsApp/],
    [132001, 'after-fix', /campaign paused \(template problem\)/],
    [132015, 'after-fix', /template/],
    [368, 'after-fix', /blocked for policy/],
    [190, 'after-fix', /access token invalid/],
    [100, 'never', /invalid parameter/],
    [999999, 'never', /not resent/],
    [null, 'never', /see the reason/],
  ])('classifies %p as %s, with what happens', (code, retry, handling) => {
    const refusal = campaignRefusal(code);
    expect(refusal.retry).toBe(retry);
    expect(refusal.handling).toMatch(handling);
  });

  it('keeps 131049 from being retried by the Graph classification (a refusal, not a back-off)', () => {
    expect(classifyGraphError({ code: 131049, httpStatus: 400 })).toEqual({
      kind: 'permanent',
      reason: 'per-user marketing limit reached: not resent for 24 hours',
    });
  });
});
