import { writeFileSync, readFileSync } from 'node:fs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import {
  campaignRecipients,
  campaignReport,
  changeCampaignStatus,
  createCampaign,
  getCampaign,
  importAudience,
  listCampaigns,
  requeueUnknown,
  setRetryMarketingLimit,
  type CampaignAction,
  type CampaignRow,
} from '@waba/db';
import {
  checkCampaignTemplate,
  checkComponents,
  parseAudienceCsv,
  placeholders,
  RECIPIENT_COLUMNS,
  recipientRow,
  recipientsCsv,
} from '@waba/campaign-sender';
import {
  flag,
  orgOf,
  positional,
  required,
  switchOn,
  UsageError,
  withDb,
  type Target,
} from './cli-common';
import { toCsv } from '@waba/campaign-sender';
import { spendLine } from './cli-spend';
import { outcomeLines, REFUSALS_USAGE, runRetryFailed } from './cli-campaign-refusals';

export const CAMPAIGN_USAGE = `  campaign create --org <slug> --name <name> --template <name> --language <code>   the template must be synced (template sync) and APPROVED
                  [--components <file.json>] [--phone-number-id <id>] [--rate <messages/s>]
                  [--category MARKETING|UTILITY|AUTHENTICATION]   authentication: never sent to a user without a phone number; marketing: never to a +1 number
                  [--retry-marketing-limit]   resend recipients Meta refused with 131049 (per-user marketing limit) 24 h later
                                          components: Meta's template components; strings may use {{column}}
  campaign import <campaign-id> <audience.csv>   wa_id column (phone number, or user id for a username-only user) + one column per {{placeholder}}; all or nothing
  campaign start|pause|resume|cancel <campaign-id>
  campaign list --org <slug>
  campaign report <campaign-id> [--csv <file>]    totals (suppressed: opted out; limit-deferred: 131049 or the messaging limit; skipped: not sent by rule), per day, reasons; --csv: per-day table
  campaign recipients <campaign-id> [--status <s>] [--limit 50] [--csv <file>]   per-recipient drill-down
  campaign requeue-unknown <campaign-id>          resend recipients whose send outcome was lost (may duplicate)
${REFUSALS_USAGE}`;

/** The template's category as Meta set it; a --category that contradicts it is a mistake. */
function categoryOf(synced: string | null, given: string | undefined): string | null {
  if (given !== undefined && synced !== null && given.toUpperCase() !== synced.toUpperCase())
    throw new UsageError(`--category ${given}: the template's category is ${synced}`);
  return synced ?? given ?? null;
}

function describe(c: CampaignRow): string {
  return `${c.id}\t${c.status}\t${c.name}\ttemplate ${c.template_name}/${c.template_language}\tfrom ${c.phone_number_id}${c.last_error ? `\tlast error: ${c.last_error}` : ''}`;
}

async function enqueueFirstSlice(t: Target, campaignId: string): Promise<void> {
  const url = t.queues.campaign.url;
  if (!url) throw new Error('no campaign queue: start the local stack or set CAMPAIGN_QUEUE_URL');
  await t.sqs!.send(
    new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify({ campaignId }) }),
  );
}

export async function runCampaignCommand(
  t: Target,
  args: string[],
  out: (line: string) => void,
): Promise<void> {
  const command = args[1];
  switch (command) {
    case 'create': {
      const file = flag(args, 'components');
      const components: unknown = file ? JSON.parse(readFileSync(file, 'utf8')) : [];
      const problems = checkComponents(components);
      if (problems.length) throw new UsageError(`--components: ${problems.join('; ')}`);
      const rate = flag(args, 'rate');
      const campaign = await withDb(t, async (db) => {
        const org = await orgOf(db, args);
        const template = await checkCampaignTemplate(db, {
          organizationId: org.id,
          organizationLabel: org.slug,
          name: required(args, 'template'),
          language: required(args, 'language'),
          components: components as unknown[],
        });
        return createCampaign(db, {
          organizationId: org.id,
          name: required(args, 'name'),
          templateName: required(args, 'template'),
          templateLanguage: required(args, 'language'),
          templateId: template.template_id,
          templateCategory: categoryOf(template.category, flag(args, 'category')),
          templateComponents: components as unknown[],
          ...(flag(args, 'phone-number-id')
            ? { phoneNumberId: flag(args, 'phone-number-id')! }
            : {}),
          ratePerSecond: rate === undefined ? null : Number(rate),
        });
      });
      if (switchOn(args, 'retry-marketing-limit'))
        await withDb(t, (db) => setRetryMarketingLimit(db, campaign.id, true));
      const names = placeholders(components);
      out(`campaign ${campaign.id} created (draft)`);
      out(`audience columns: wa_id${names.map((n) => `,${n}`).join('')}`);
      return;
    }
    case 'import': {
      const id = positional(args, 0, 'a campaign id');
      const file = positional(args, 1, 'an audience CSV file');
      const text = readFileSync(file, 'utf8');
      const result = await withDb(t, async (db) => {
        const campaign = await getCampaign(db, id);
        if (!campaign) throw new Error(`campaign ${id} not found`);
        const parsed = parseAudienceCsv(text, placeholders(campaign.template_components));
        if (parsed.errors.length > 0) {
          for (const e of parsed.errors) out(`${file}:${e.line}: ${e.message}`);
          throw new Error(`nothing imported: ${parsed.errors.length} problem(s) in ${file}`);
        }
        return importAudience(db, id, parsed.recipients);
      });
      out(
        `imported ${result.inserted} recipient(s); ${result.alreadyPresent} already in the audience`,
      );
      return;
    }
    case 'start':
    case 'resume':
    case 'pause':
    case 'cancel': {
      const id = positional(args, 0, 'a campaign id');
      const campaign = await withDb(t, (db) =>
        changeCampaignStatus(db, id, command as CampaignAction),
      );
      if (campaign.status === 'sending') await enqueueFirstSlice(t, id);
      out(describe(campaign));
      return;
    }
    case 'list': {
      const rows = await withDb(t, async (db) => listCampaigns(db, (await orgOf(db, args)).id));
      out(
        'campaign\tstatus\tname\ttargeted\tsent\tdelivered\tread\tfailed\tpending\tsuppressed\tlimit_deferred\tskipped',
      );
      for (const r of rows)
        out(
          `${r.campaign_id}\t${r.campaign_status}\t${r.name}\t${r.targeted}\t${r.sent}\t${r.delivered}\t${r.read}\t${r.failed}\t${r.pending}\t${r.suppressed}\t${r.limit_deferred}\t${r.skipped}`,
        );
      return;
    }
    case 'report': {
      const id = positional(args, 0, 'a campaign id');
      const [{ stats, daily, failures, spend, outcomes }, campaign] = await withDb(t, (db) =>
        Promise.all([campaignReport(db, id), getCampaign(db, id)]),
      );
      out(
        `${stats.name} (${stats.campaign_status}), template ${stats.template_name}/${stats.template_language}`,
      );
      // Why it stopped (its template paused, a token or policy error): what to fix before resuming.
      if (stats.campaign_status === 'paused' && campaign?.last_error)
        out(`paused: ${campaign.last_error}`);
      out(
        `targeted ${stats.targeted}  accepted ${stats.accepted}  sent ${stats.sent}  delivered ${stats.delivered}  read ${stats.read}  failed ${stats.failed}  pending ${stats.pending}  unknown ${stats.unknown}  suppressed ${stats.suppressed}  limit-deferred ${stats.limit_deferred}  skipped ${stats.skipped}`,
      );
      out(spendLine(spend));
      out('day\tsent\tdelivered\tread\tfailed');
      for (const d of daily)
        out(
          `${d.day.toISOString().slice(0, 10)}\t${d.sent}\t${d.delivered}\t${d.read}\t${d.failed}`,
        );
      if (failures.length) out('error_code\trecipients\terror');
      for (const f of failures)
        out(`${f.error_code ?? '-'}\t${f.recipients}\t${f.error_title ?? ''}`);
      for (const line of outcomeLines(outcomes)) out(line);
      const csv = flag(args, 'csv');
      if (csv) {
        // Suppressed, limit-deferred and skipped recipients were not sent: they have no day, only a total.
        const rows: unknown[][] = daily.map((d) => [
          d.day.toISOString().slice(0, 10),
          d.sent,
          d.delivered,
          d.read,
          d.failed,
          '',
          '',
          '',
        ]);
        rows.push([
          'total',
          stats.sent,
          stats.delivered,
          stats.read,
          stats.failed,
          stats.suppressed,
          stats.limit_deferred,
          stats.skipped,
        ]);
        writeFileSync(
          csv,
          toCsv(
            [
              'day',
              'sent',
              'delivered',
              'read',
              'failed',
              'suppressed',
              'limit_deferred',
              'skipped',
            ],
            rows,
          ),
        );
        out(`wrote ${csv}`);
      }
      return;
    }
    case 'recipients': {
      const id = positional(args, 0, 'a campaign id');
      const status = flag(args, 'status');
      const rows = await withDb(t, (db) =>
        campaignRecipients(db, id, status === undefined ? {} : { status }),
      );
      const csv = flag(args, 'csv');
      if (csv) {
        writeFileSync(csv, recipientsCsv(rows));
        out(`wrote ${rows.length} recipient(s) to ${csv}`);
        return;
      }
      const limit = Number(flag(args, 'limit', '50'));
      out(RECIPIENT_COLUMNS.join('\t'));
      for (const r of rows.slice(0, limit))
        out(
          recipientRow(r)
            .map((v) => (v instanceof Date ? v.toISOString() : (v ?? '-')))
            .join('\t'),
        );
      if (rows.length > limit) out(`… ${rows.length - limit} more (--limit, or --csv for all)`);
      return;
    }
    case 'requeue-unknown': {
      const id = positional(args, 0, 'a campaign id');
      const n = await withDb(t, (db) => requeueUnknown(db, id));
      out(`${n} recipient(s) back in the queue; resume the campaign to send them`);
      return;
    }
    case 'retry-failed':
      return runRetryFailed(t, args, out, enqueueFirstSlice);
    default:
      throw new UsageError(`unknown campaign command ${command ?? ''}`);
  }
}
