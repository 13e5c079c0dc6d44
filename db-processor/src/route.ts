import { emptyIngestBatch, type IngestBatch, type WebhookEventInput } from '@waba/db';
import type { NormalizedWebhook } from './normalize';

export interface Routes {
  byPhoneNumberId: Map<string, string>;
  byWabaId: Map<string, string>;
}

export interface ParsedInput {
  normalized: NormalizedWebhook;
  audit: Omit<WebhookEventInput, 'outcome' | 'error' | 'organizationId' | 'itemCounts' | 'fields'>;
}

/** Every phone_number_id and WABA id a set of webhooks needs routed. */
export function routingKeys(inputs: readonly ParsedInput[]): {
  phoneNumberIds: string[];
  wabaIds: string[];
} {
  const phones = new Set<string>();
  const wabas = new Set<string>();
  for (const { normalized: n } of inputs) {
    for (const row of [...n.contacts, ...n.inbound, ...n.statuses, ...n.accountEvents]) {
      if (row.phoneNumberId) phones.add(row.phoneNumberId);
      wabas.add(row.wabaId);
    }
  }
  return { phoneNumberIds: [...phones], wabaIds: [...wabas] };
}

/**
 * Assigns each row its organization: by phone_number_id, else by the WABA
 * (non-message fields have no number; a number not yet registered still
 * belongs to its WABA's organization). Rows nobody owns are left out and
 * make the audit row `unrouted`, so the payload can be replayed later.
 */
export function routeWebhook(input: ParsedInput, routes: Routes): IngestBatch {
  const n = input.normalized;
  const orgs = new Set<string>();
  const unrouted = new Set<string>();
  const org = (row: { phoneNumberId: string | null; wabaId: string }): string | undefined => {
    const id =
      (row.phoneNumberId ? routes.byPhoneNumberId.get(row.phoneNumberId) : undefined) ??
      routes.byWabaId.get(row.wabaId);
    if (id) orgs.add(id);
    else
      unrouted.add(
        row.phoneNumberId ? `phone_number_id ${row.phoneNumberId}` : `waba ${row.wabaId}`,
      );
    return id;
  };
  const batch: IngestBatch = emptyIngestBatch();
  for (const c of n.contacts) {
    const organizationId = org(c);
    if (organizationId) batch.contacts.push({ ...c, organizationId });
  }
  for (const m of n.inbound) {
    const organizationId = org(m);
    if (organizationId) batch.inbound.push({ ...m, organizationId });
  }
  for (const s of n.statuses) {
    const organizationId = org(s);
    if (organizationId) batch.statuses.push({ ...s, organizationId });
  }
  for (const a of n.accountEvents) {
    const organizationId = org(a);
    if (organizationId) batch.accountEvents.push({ ...a, organizationId });
  }
  const errors = [
    ...(unrouted.size ? [`no organization owns ${[...unrouted].join(', ')}`] : []),
    ...n.invalid,
  ];
  batch.webhookEvents.push({
    ...input.audit,
    fields: n.fields,
    organizationId: orgs.size === 1 ? [...orgs][0]! : null,
    outcome: unrouted.size ? 'unrouted' : 'processed',
    error: errors.length ? errors.join('\n') : null,
    itemCounts: {
      messages: n.inbound.length,
      statuses: n.statuses.length,
      contacts: n.contacts.length,
      accountEvents: n.accountEvents.length,
      invalid: n.invalid.length,
      unrouted: unrouted.size,
    },
  });
  return batch;
}
