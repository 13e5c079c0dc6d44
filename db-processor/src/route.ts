import {
  emptyIngestBatch,
  type IngestBatch,
  type Routes,
  type WebhookEventInput,
  type WebhookExtractInput,
} from '@waba/db';
import {
  DEFAULT_APP_ID,
  isMessagesField,
  type WebhookChange,
  type WebhookPayload,
} from '@waba/whatsapp';
import type { NormalizedWebhook } from './normalize';
import { coexistencePhoneNumberIdOf } from './normalize-coexistence';
import { pendingFieldRows, routeAccountFields } from './normalize-fields';

export type { Routes };

export interface ParsedInput {
  normalized: NormalizedWebhook;
  /** The decoded body (null when it could not be read): the source of the per-organization extracts. */
  payload: WebhookPayload | null;
  audit: Omit<WebhookEventInput, 'outcome' | 'error' | 'organizationId' | 'itemCounts' | 'fields'>;
}

/** Where an item is addressed: its business phone number, else (account events) its WABA. */
export interface Address {
  phoneNumberId: string | null;
  wabaId: string;
}

export type RouteDecision =
  /** Apply it to this organization. */
  | { kind: 'owned'; organizationId: string }
  /** The organization exists, but the body was signed by an app it is not bound to: never applied. */
  | { kind: 'misrouted'; organizationId: string; reason: string }
  /** Nobody owns the address yet: kept, replayable once it is registered. */
  | { kind: 'unrouted'; reason: string };

/** The app a phone number is bound to: the one recorded, else the default app (`/webhook`). */
export function boundAppOf(appId: string | null | undefined): string {
  return appId ?? DEFAULT_APP_ID;
}

/**
 * The tenancy rule, in one place: which organization an item belongs to, and
 * whether the app that signed the body may write there.
 *
 * - The owner is the organization of the phone number, else (non-message
 *   fields, a number not registered yet) the organization of the WABA.
 * - The item is applied only when the signing app is the app the number is
 *   bound to (for a WABA: the app of one of its numbers). A number with no
 *   app recorded is bound to the default app, the one `/webhook` serves.
 * - No owner: `unrouted`. An owner bound to another app: `misrouted`.
 */
export function routeToOrganization(
  address: Address,
  signerAppId: string,
  routes: Routes,
): RouteDecision {
  const number = address.phoneNumberId
    ? routes.byPhoneNumberId.get(address.phoneNumberId)
    : undefined;
  if (number) {
    const bound = boundAppOf(number.appId);
    return bound === signerAppId
      ? { kind: 'owned', organizationId: number.organizationId }
      : {
          kind: 'misrouted',
          organizationId: number.organizationId,
          reason: `phone_number_id ${address.phoneNumberId} is bound to app ${bound}, not ${signerAppId}`,
        };
  }
  const waba = routes.byWabaId.get(address.wabaId);
  if (waba) {
    const bound = [...new Set(waba.appIds.map(boundAppOf))].sort();
    return bound.includes(signerAppId)
      ? { kind: 'owned', organizationId: waba.organizationId }
      : {
          kind: 'misrouted',
          organizationId: waba.organizationId,
          reason: `waba ${address.wabaId} is bound to app ${bound.join(', ')}, not ${signerAppId}`,
        };
  }
  return {
    kind: 'unrouted',
    reason: address.phoneNumberId
      ? `no organization owns phone_number_id ${address.phoneNumberId}`
      : `no organization owns waba ${address.wabaId}`,
  };
}

/**
 * Every phone_number_id and WABA id a set of webhooks needs routed: those of
 * every change (a change whose items are all malformed still has an owner,
 * who gets it in its extract) and of every row.
 */
export function routingKeys(inputs: readonly ParsedInput[]): {
  phoneNumberIds: string[];
  wabaIds: string[];
} {
  const phones = new Set<string>();
  const wabas = new Set<string>();
  const add = (address: Address) => {
    if (address.phoneNumberId) phones.add(address.phoneNumberId);
    wabas.add(address.wabaId);
  };
  for (const { normalized: n, payload } of inputs) {
    for (const entry of payload?.entry ?? [])
      for (const change of entry.changes) add(addressOf(entry.id, change));
    for (const row of [...n.contacts, ...n.inbound, ...n.statuses, ...n.accountEvents]) add(row);
    for (const row of threadRows(n)) add(row);
    for (const row of pendingFieldRows(n.accountFields)) add(row);
  }
  return { phoneNumberIds: [...phones], wabaIds: [...wabas] };
}

/** Every row of a webhook's thread changes (echoes, history, revisions, reactions, contacts). */
function threadRows(n: NormalizedWebhook): Address[] {
  const t = n.thread;
  return [...t.messages, ...t.revisions, ...t.reactions, ...t.contacts];
}

/** Every wamid the webhooks' customer messages, echoes, history messages and statuses name. */
export function namedWamids(inputs: readonly ParsedInput[]): string[] {
  const wamids = new Set<string>();
  for (const { normalized: n } of inputs)
    for (const row of [...n.inbound, ...n.thread.messages, ...n.statuses]) wamids.add(row.wamid);
  return [...wamids];
}

/**
 * The organization each wamid belongs to: the stored one, else the first
 * organization of the batch to name it (customer messages first, as they are
 * written first). A wamid is one message of one organization; another
 * organization's status or message naming it is not applied.
 */
export function messageOwners(
  inputs: readonly ParsedInput[],
  routes: Routes,
  stored: ReadonlyMap<string, string>,
): Map<string, string> {
  const owners = new Map(stored);
  for (const kind of ['inbound', 'thread', 'statuses'] as const) {
    for (const input of inputs) {
      const n = input.normalized;
      for (const row of kind === 'thread' ? n.thread.messages : n[kind]) {
        if (owners.has(row.wamid)) continue;
        const decision = routeToOrganization(row, input.audit.appId, routes);
        if (decision.kind === 'owned') owners.set(row.wamid, decision.organizationId);
      }
    }
  }
  return owners;
}

function addressOf(entryId: string, change: WebhookChange): Address {
  return {
    phoneNumberId: isMessagesField(change)
      ? change.value.metadata.phone_number_id
      : coexistencePhoneNumberIdOf(change),
    wabaId: entryId,
  };
}

/**
 * The body cut per organization: for each organization that owns some of
 * its changes, the envelope with only those entries and changes. Changes are
 * the unit: every item of a change shares its number and WABA.
 */
function extractsOf(
  payload: WebhookPayload | null,
  signerAppId: string,
  routes: Routes,
): Map<string, { body: WebhookPayload; fields: Set<string> }> {
  const byOrg = new Map<string, { body: WebhookPayload; fields: Set<string> }>();
  for (const entry of payload?.entry ?? []) {
    const kept = new Map<string, WebhookChange[]>();
    for (const change of entry.changes) {
      const decision = routeToOrganization(addressOf(entry.id, change), signerAppId, routes);
      if (decision.kind !== 'owned') continue;
      const id = decision.organizationId;
      kept.set(id, [...(kept.get(id) ?? []), change]);
      if (!byOrg.has(id)) byOrg.set(id, { body: { ...payload!, entry: [] }, fields: new Set() });
      byOrg.get(id)!.fields.add(change.field);
    }
    for (const [id, changes] of kept) byOrg.get(id)!.body.entry.push({ ...entry, changes });
  }
  return byOrg;
}

interface OrgTally {
  counts: Record<
    'messages' | 'statuses' | 'contacts' | 'accountEvents' | 'accountFields' | 'misrouted',
    number
  >;
  errors: string[];
}

/**
 * Assigns each row its organization by {@link routeToOrganization}. Rows
 * nobody owns are left out and make the audit row `unrouted`, so the payload
 * can be replayed later; rows of an organization the signing app is not bound
 * to, and statuses or messages naming another organization's wamid, are left
 * out and make it `misrouted`. Besides the operator's audit row (the raw
 * body), each organization owning part of the body gets its own extract.
 */
export function routeWebhook(
  input: ParsedInput,
  routes: Routes,
  owners: ReadonlyMap<string, string> = new Map(),
): IngestBatch {
  const n = input.normalized;
  const signer = input.audit.appId;
  const unrouted = new Set<string>();
  const misrouted = new Set<string>();
  let misroutedRows = 0;
  const tallies = new Map<string, OrgTally>();
  const tally = (id: string): OrgTally => {
    let t = tallies.get(id);
    if (!t) {
      t = {
        counts: {
          messages: 0,
          statuses: 0,
          contacts: 0,
          accountEvents: 0,
          accountFields: 0,
          misrouted: 0,
        },
        errors: [],
      };
      tallies.set(id, t);
    }
    return t;
  };
  const place = (row: Address, kind: keyof OrgTally['counts']): string | undefined => {
    const decision = routeToOrganization(row, signer, routes);
    if (decision.kind === 'owned') {
      tally(decision.organizationId).counts[kind]++;
      return decision.organizationId;
    }
    if (decision.kind === 'unrouted') unrouted.add(decision.reason);
    else {
      misrouted.add(decision.reason);
      misroutedRows++;
    }
    return undefined;
  };
  /** A message or status of `organizationId` naming a wamid another organization owns. */
  const foreign = (organizationId: string, wamid: string, what: string): boolean => {
    const owner = owners.get(wamid);
    if (owner === undefined || owner === organizationId) return false;
    const reason = `${what} ${wamid} names a message of another organization`;
    misrouted.add(reason);
    misroutedRows++;
    const t = tally(organizationId);
    t.counts.misrouted++;
    t.errors.push(reason);
    return true;
  };

  const batch: IngestBatch = emptyIngestBatch();
  for (const c of n.contacts) {
    const organizationId = place(c, 'contacts');
    if (organizationId) batch.contacts.push({ ...c, organizationId });
  }
  for (const m of n.inbound) {
    const organizationId = place(m, 'messages');
    if (organizationId && !foreign(organizationId, m.wamid, 'message'))
      batch.inbound.push({ ...m, organizationId });
  }
  for (const s of n.statuses) {
    const organizationId = place(s, 'statuses');
    if (organizationId && !foreign(organizationId, s.wamid, 'status of'))
      batch.statuses.push({ ...s, organizationId });
  }
  for (const a of n.accountEvents) {
    const organizationId = place(a, 'accountEvents');
    if (organizationId) batch.accountEvents.push({ ...a, organizationId });
  }
  // Thread changes follow the same rule: an echo on a number bound to another app is misrouted.
  for (const m of n.thread.messages) {
    const organizationId = place(m, 'messages');
    if (organizationId && !foreign(organizationId, m.wamid, 'message'))
      batch.thread.messages.push({ ...m, organizationId });
  }
  for (const r of n.thread.revisions) {
    const organizationId = place(r, 'messages');
    if (organizationId) batch.thread.revisions.push({ ...r, organizationId });
  }
  for (const r of n.thread.reactions) {
    const organizationId = place(r, 'messages');
    if (organizationId) batch.thread.reactions.push({ ...r, organizationId });
  }
  for (const c of n.thread.contacts) {
    const organizationId = place(c, 'contacts');
    if (organizationId) batch.thread.contacts.push({ ...c, organizationId });
  }
  batch.accountFields = routeAccountFields(n.accountFields, (row) => place(row, 'accountFields'));

  const extracts = extractsOf(input.payload, signer, routes);
  for (const [organizationId, extract] of extracts) {
    const t = tally(organizationId);
    batch.webhookExtracts.push({
      bodySha256: input.audit.bodySha256,
      appId: signer,
      organizationId,
      fields: [...extract.fields],
      outcome: t.errors.length ? 'misrouted' : 'processed',
      error: t.errors.length ? t.errors.join('\n') : null,
      itemCounts: t.counts,
      body: extract.body,
      receivedAt: input.audit.receivedAt,
    } satisfies WebhookExtractInput);
  }

  const errors = [...misrouted, ...unrouted, ...n.invalid];
  batch.webhookEvents.push({
    ...input.audit,
    fields: n.fields,
    organizationId: extracts.size === 1 ? [...extracts.keys()][0]! : null,
    // Unrouted first: that row is still to be replayed; misrouted items are counted either way.
    // An item that failed validation was not stored: the row is replayable as partial.
    outcome: unrouted.size
      ? 'unrouted'
      : misrouted.size
        ? 'misrouted'
        : n.invalid.length
          ? 'partial'
          : 'processed',
    error: errors.length ? errors.join('\n') : null,
    itemCounts: {
      messages: n.inbound.length,
      statuses: n.statuses.length,
      contacts: n.contacts.length,
      accountEvents: n.accountEvents.length,
      threadMessages: n.thread.messages.length,
      revisions: n.thread.revisions.length,
      reactions: n.thread.reactions.length,
      threadContacts: n.thread.contacts.length,
      accountFields: pendingFieldRows(n.accountFields).length,
      unknownFields: n.unknownFields,
      invalid: n.invalid.length,
      unrouted: unrouted.size,
      misrouted: misroutedRows,
    },
  });
  return batch;
}
