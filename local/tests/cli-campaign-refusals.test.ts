import { outcomeLines } from '../src/cli-campaign-refusals';

const row = (
  status: string,
  errorCode: number | null,
  reason: string,
  next: Date | null = null,
) => ({
  campaign_id: 'c',
  organization_id: 'o',
  status,
  error_code: errorCode,
  reason,
  recipients: 1,
  next_attempt_at: next,
});

describe('outcomeLines()', () => {
  it('prints each state with its code, reason and what happens to it', () => {
    expect(
      outcomeLines([
        row('failed', 131030, 'Recipient not on WhatsApp'),
        row('failed', 131026, 'Message undeliverable'),
        row('limit-deferred', 131049, 'healthy ecosystem', new Date('2026-12-03T10:00:00Z')),
        row('limit-deferred', null, 'messaging limit reached', new Date('2026-12-03T11:00:00Z')),
        row('skipped', null, '+1 (US)'),
        row('suppressed', null, 'on the suppression list'),
        row('unknown', null, 'send outcome lost'),
      ]),
    ).toEqual([
      'state\terror_code\trecipients\treason\thandling',
      'failed\t131030\t1\tRecipient not on WhatsApp\tfailed (not on WhatsApp or not in the allowed list); not resent',
      'failed\t131026\t1\tMessage undeliverable\tfailed (undeliverable); campaign retry-failed may resend',
      'limit-deferred\t131049\t1\thealthy ecosystem\tlimit-deferred, not resent at once; resent after 24 h with --retry-marketing-limit or campaign retry-failed; next attempt 2026-12-03T10:00:00.000Z',
      'limit-deferred\t-\t1\tmessaging limit reached\tcarried over to the next 24-hour window; next attempt 2026-12-03T11:00:00.000Z',
      'skipped\t-\t1\t+1 (US)\tnot sent by rule',
      'suppressed\t-\t1\ton the suppression list\topted out; never sent a marketing template',
      'unknown\t-\t1\tsend outcome lost\toutcome lost; settled by its status webhook, or campaign requeue-unknown',
    ]);
    expect(outcomeLines([])).toEqual([]);
  });
});
