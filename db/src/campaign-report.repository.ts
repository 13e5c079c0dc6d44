import type { Db } from './connection';
import type {
  CampaignAudienceRow,
  CampaignDailyStatsView,
  CampaignFailureReasonsView,
  CampaignStatsView,
} from './campaign.table';
import { CampaignError } from './errors';
import { campaignSpend } from './spend.repository';
import type { CampaignSpendView } from './spend.table';
import type { CampaignOutcomeReasonsView } from './sending-limit.table';

export interface CampaignReport {
  stats: CampaignStatsView;
  daily: CampaignDailyStatsView[];
  failures: CampaignFailureReasonsView[];
  /** Estimated spend (campaign_spend); undefined until a status carried pricing. */
  spend: CampaignSpendView | undefined;
  /** Recipients not sent or not delivered (failed, limit-deferred, skipped, suppressed, unknown) by reason. */
  outcomes: CampaignOutcomeReasonsView[];
}

export async function campaignReport(db: Db, campaignId: string): Promise<CampaignReport> {
  const stats = await db
    .selectFrom('campaign_stats')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .executeTakeFirst();
  if (!stats) throw new CampaignError(`campaign ${campaignId} not found`);
  const daily = await db
    .selectFrom('campaign_daily_stats')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .orderBy('day')
    .execute();
  const failures = await db
    .selectFrom('campaign_failure_reasons')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .orderBy('recipients', 'desc')
    .execute();
  const outcomes = await db
    .selectFrom('campaign_outcome_reasons')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .orderBy('status')
    .orderBy('recipients', 'desc')
    .execute();
  return { stats, daily, failures, spend: await campaignSpend(db, campaignId), outcomes };
}

/** Per-recipient drill-down in import order, optionally one status only. */
export async function campaignRecipients(
  db: Db,
  campaignId: string,
  options: { status?: string } = {},
): Promise<CampaignAudienceRow[]> {
  return db
    .selectFrom('campaign_audience')
    .selectAll()
    .where('campaign_id', '=', campaignId)
    .$if(options.status !== undefined, (q) => q.where('status', '=', options.status!))
    .orderBy('line_number', (ob) => ob.asc().nullsLast())
    .orderBy('wa_id')
    .execute();
}
