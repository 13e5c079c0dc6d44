import pino from 'pino';
import type { Db } from '@waba/db';
import { createGraphClient } from '@waba/whatsapp';
import type { CampaignSenderDeps } from '@waba/campaign-sender';

/** The sender on a real database, sending through the Meta sandbox at `graphUrl`, quiet, at 1,000/s. */
export function senderDeps(db: Db, graphUrl: string, sliceMs = 30_000): CampaignSenderDeps {
  return {
    db,
    graph: createGraphClient({ accessToken: 'x', baseUrl: graphUrl }),
    logger: pino({ level: 'silent' }),
    defaultRatePerSecond: 1000,
    sliceMs,
  };
}
