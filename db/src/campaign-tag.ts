const CAMPAIGN_TAG = /^campaign:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * The `biz_opaque_callback_data` of a campaign's sends: `campaign:<campaign id>`.
 * Meta echoes it on every status of the message, which is how a status (and
 * a send by another system with the same tag) finds its campaign.
 */
export function campaignTag(campaignId: string): string {
  return `campaign:${campaignId}`;
}

/** The campaign id a `biz_opaque_callback_data` names, lower-cased; null when it names none. */
export function parseCampaignTag(tag: string | null | undefined): string | null {
  const match = tag ? CAMPAIGN_TAG.exec(tag.trim()) : null;
  return match ? match[1]!.toLowerCase() : null;
}
