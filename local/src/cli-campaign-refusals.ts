import {
  retryFailedRecipients,
  sendingLimitsOf,
  setSendingLimits,
  windowRecipientCount,
  type CampaignOutcomeReasonsView,
} from '@waba/db';
import { campaignRefusal, MARKETING_LIMIT_CODE, RETRYABLE_FAILURE_CODES } from '@waba/whatsapp';
import { flag, orgOf, positional, required, UsageError, withDb, type Target } from './cli-common';

export const REFUSALS_USAGE = `  campaign retry-failed <campaign-id> [--codes 131049,131026]   resend recipients whose failure can succeed now (131049: 24 h after the refusal); never one delivered or read, never twice
  limits set --phone-number-id <id> [--unique-per-day <n>|none] [--rate <1-1000>|none]   the number's 24-hour unique-recipient limit and throughput
  limits show --org <slug>                 per number: the messaging limit in force (and where it comes from), recipients in the current window, throughput`;

function retryCodes(args: string[]): number[] {
  const given = flag(args, 'codes');
  if (given === undefined) return [...RETRYABLE_FAILURE_CODES];
  const codes = given.split(',').map((c) => Number(c.trim()));
  for (const code of codes) {
    if (!Number.isInteger(code) || code <= 0)
      throw new UsageError(`--codes: "${given}" is not a list of Meta error codes`);
    const refusal = campaignRefusal(code);
    if (refusal.retry === 'never')
      throw new UsageError(`--codes: ${code} cannot succeed by resending (${refusal.handling})`);
  }
  return codes;
}

/** `campaign retry-failed`: queues the recipients again and, when they are, a slice. */
export async function runRetryFailed(
  t: Target,
  args: string[],
  out: (line: string) => void,
  enqueueSlice: (t: Target, campaignId: string) => Promise<void>,
): Promise<void> {
  const id = positional(args, 0, 'a campaign id');
  const codes = retryCodes(args);
  const result = await withDb(t, (db) => retryFailedRecipients(db, id, codes));
  out(`${result.requeued} recipient(s) back in the queue (codes ${codes.join(', ')})`);
  if (result.waiting > 0)
    out(
      `${result.waiting} recipient(s) refused with ${MARKETING_LIMIT_CODE} wait until ${result.waitingUntil!.toISOString()} (24 h after the refusal)`,
    );
  if (result.requeued === 0) return;
  if (result.campaignStatus === 'sending') await enqueueSlice(t, id);
  else out(`the campaign is ${result.campaignStatus}: resume it to send them`);
}

function optionalNumber(
  args: string[],
  name: 'unique-per-day' | 'rate',
): number | null | undefined {
  const value = flag(args, name);
  if (value === undefined) return undefined;
  if (value === 'none') return null;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name}: a number, or none`);
  return n;
}

/** `limits set` and `limits show`. */
export async function runLimitsCommand(
  t: Target,
  args: string[],
  out: (line: string) => void,
): Promise<void> {
  if (args[1] === 'set') {
    const phone = required(args, 'phone-number-id');
    const perDay = optionalNumber(args, 'unique-per-day');
    const rate = optionalNumber(args, 'rate');
    if (perDay === undefined && rate === undefined)
      throw new UsageError('limits set: give --unique-per-day and/or --rate');
    await withDb(t, (db) =>
      setSendingLimits(db, phone, {
        ...(perDay === undefined ? {} : { uniqueRecipientsPerDay: perDay }),
        ...(rate === undefined ? {} : { messagesPerSecond: rate }),
      }),
    );
    out(`limits of ${phone} set`);
    return;
  }
  if (args[1] === 'show') {
    const lines = await withDb(t, async (db) => {
      const org = await orgOf(db, args);
      const numbers = await db
        .selectFrom('phone_numbers')
        .select('phone_number_id')
        .where('organization_id', '=', org.id)
        .orderBy('phone_number_id')
        .execute();
      const rows: string[] = [];
      for (const n of numbers) {
        const l = (await sendingLimitsOf(db, n.phone_number_id))!;
        const used = await windowRecipientCount(db, l);
        rows.push(
          `${l.phoneNumberId}\t${l.wabaId}\t${l.uniqueRecipientsPerDay ?? 'none known'}\t${l.limitSource ?? '-'}\t${used}\t${l.messagesPerSecond ?? 'default'}`,
        );
      }
      return rows;
    });
    out('phone_number_id\twaba_id\tunique_per_24h\tsource\tin_window\tmessages_per_second');
    for (const line of lines) out(line);
    return;
  }
  throw new UsageError(`unknown command ${args.slice(0, 2).join(' ')}`);
}

/** The report's lines on recipients not sent or not delivered: state, code, count, reason, what happens. */
export function outcomeLines(outcomes: readonly CampaignOutcomeReasonsView[]): string[] {
  if (outcomes.length === 0) return [];
  return [
    'state\terror_code\trecipients\treason\thandling',
    ...outcomes.map((o) => {
      const next = o.next_attempt_at ? `; next attempt ${o.next_attempt_at.toISOString()}` : '';
      const handling =
        o.status === 'suppressed'
          ? 'opted out; never sent a marketing template'
          : o.status === 'skipped'
            ? 'not sent by rule'
            : o.status === 'unknown'
              ? 'outcome lost; settled by its status webhook, or campaign requeue-unknown'
              : o.error_code === null
                ? o.status === 'limit-deferred'
                  ? 'carried over to the next 24-hour window'
                  : 'not sent; see the reason'
                : campaignRefusal(o.error_code).handling;
      return `${o.status}\t${o.error_code ?? '-'}\t${o.recipients}\t${o.reason ?? ''}\t${handling}${next}`;
    }),
  ];
}
