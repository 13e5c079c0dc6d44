import fc from 'fast-check';
import { metaEscape } from '@waba/whatsapp';
import {
  ALL_MESSAGE_TYPES,
  messagesEntry,
  qualityUpdateEntry,
  status,
  templateStatusEntry,
  wamid,
  webhookPayload,
  type RawInboundMessage,
  type RawMessageStatus,
  type RawWebhookEntry,
} from '@waba/testing';
import { STRANGER, TENANT_A, TENANT_B, type Tenant } from './tenants';

/** Meta's timestamps of the generated events: within 30 s after T0, so they collide often. */
export const T0 = 1_763_805_600;

export const CUSTOMERS = ['5511900000001', '5511900000002', '5511900000003', '5521900000004'];
/** One recipient per outbound message, so a campaign never messages a recipient twice. */
export const RECIPIENTS = ['5511800000001', '5511800000002', '5511800000003', '5511800000004'];
export const OUTBOUND_COUNT = RECIPIENTS.length;

export const STATUS_NAMES = ['sent', 'delivered', 'read', 'played', 'failed'] as const;
export type StatusName = (typeof STATUS_NAMES)[number];
const FAILURE_CODES = [131026, 131047, 131049, 131031];

export type TenantKey = 'A' | 'B';
export const TENANTS: Record<TenantKey, Tenant> = { A: TENANT_A, B: TENANT_B };

/** A message the business sent (its statuses come back by webhook). */
export interface OutboundSpec {
  tenant: TenantKey;
  /** own: `campaign:<its tenant's campaign>`; foreign: the other tenant's campaign; opaque: other data. */
  attribution: 'own' | 'foreign' | 'opaque' | 'none';
  /** The error every `failed` event of this message carries. */
  failure: number;
}

export interface StatusSpec {
  out: number;
  status: StatusName;
  /** Seconds after T0. */
  at: number;
}

export interface InboundSpec {
  fixture: number;
  from: number;
  at: number;
  /** Quote an outbound message (context.id). */
  quotes: number | null;
}

export interface PayloadSpec {
  kind: 'webhook';
  /** Customer messages, to a tenant's number or to a number nobody owns. */
  inbound: Array<{ target: TenantKey | 'stranger'; messages: InboundSpec[] }>;
  statuses: StatusSpec[];
  accountEvents: Array<{ target: TenantKey | 'stranger'; template: number; event: string }>;
  /** Add an item that does not parse: it is reported, its neighbours stored. */
  malformed: boolean;
}

/** A body that is not a usable WhatsApp webhook: stored as `rejected`. */
export interface GarbageSpec {
  kind: 'garbage';
  body: string;
}

export interface ScenarioSpec {
  outbound: OutboundSpec[];
  payloads: Array<PayloadSpec | GarbageSpec>;
}

export const GARBAGE_BODIES = [
  'not json',
  '{"object":"whatsapp_business_account","entry":"nope"}',
  '{"object":"page","entry":[]}',
  '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{}}]}]}',
  '[]',
];

export const outboundArb: fc.Arbitrary<OutboundSpec> = fc.record({
  tenant: fc.constantFrom<TenantKey>('A', 'B'),
  attribution: fc.constantFrom('own', 'foreign', 'opaque', 'none'),
  failure: fc.constantFrom(...FAILURE_CODES),
});

export const statusArb: fc.Arbitrary<StatusSpec> = fc.record({
  out: fc.nat(OUTBOUND_COUNT - 1),
  status: fc.constantFrom(...STATUS_NAMES),
  at: fc.nat(30),
});

const inboundArb: fc.Arbitrary<InboundSpec> = fc.record({
  fixture: fc.nat(ALL_MESSAGE_TYPES.length - 1),
  from: fc.nat(CUSTOMERS.length - 1),
  // A narrow range: the same customer at the same second in two webhooks is where ties hide.
  at: fc.nat(8),
  quotes: fc.option(fc.nat(OUTBOUND_COUNT - 1), { freq: 4 }),
});

const targetArb = fc.constantFrom<TenantKey | 'stranger'>('A', 'B', 'A', 'B', 'stranger');

export const payloadArb: fc.Arbitrary<PayloadSpec | GarbageSpec> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('webhook' as const),
      inbound: fc.array(
        fc.record({ target: targetArb, messages: fc.array(inboundArb, { maxLength: 4 }) }),
        { maxLength: 2 },
      ),
      statuses: fc.array(statusArb, { maxLength: 5 }),
      accountEvents: fc.array(
        fc.record({
          target: targetArb,
          template: fc.nat(3),
          event: fc.constantFrom('APPROVED', 'REJECTED', 'PAUSED'),
        }),
        { maxLength: 2 },
      ),
      malformed: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('garbage' as const),
      body: fc.constantFrom(...GARBAGE_BODIES),
    }),
  },
);

export const scenarioArb: fc.Arbitrary<ScenarioSpec> = fc.record({
  outbound: fc.array(outboundArb, { minLength: OUTBOUND_COUNT, maxLength: OUTBOUND_COUNT }),
  payloads: fc.array(payloadArb, { minLength: 1, maxLength: 10 }),
});

export function outboundWamid(out: number): string {
  return wamid(RECIPIENTS[out], `OUT${String(out).padStart(17, '0')}`);
}

export function bizOpaqueOf(spec: OutboundSpec): string | undefined {
  const own = TENANTS[spec.tenant];
  const other = TENANTS[spec.tenant === 'A' ? 'B' : 'A'];
  if (spec.attribution === 'own') return `campaign:${own.campaignId}`;
  if (spec.attribution === 'foreign') return `campaign:${other.campaignId}`;
  if (spec.attribution === 'opaque') return 'order-7781';
  return undefined;
}

/** One status event as Meta sends it, the same bytes whichever payload carries it. */
export function statusItem(outbound: readonly OutboundSpec[], s: StatusSpec): RawMessageStatus {
  const spec = outbound[s.out]!;
  const failed = s.status === 'failed';
  return status({
    id: outboundWamid(s.out),
    status: s.status,
    recipientId: RECIPIENTS[s.out],
    timestamp: String(T0 + s.at),
    bizOpaque: bizOpaqueOf(spec),
    conversation: failed ? null : { id: `conv-${s.out}`, origin: { type: 'marketing' } },
    pricing: failed ? null : { pricing_model: 'PMP', category: 'marketing', type: 'regular' },
    ...(failed
      ? { errors: [{ code: spec.failure, title: `error ${spec.failure}`, message: 'failed' }] }
      : {}),
  });
}

/** The phone number and WABA a change is addressed to. */
function numberOf(target: TenantKey | 'stranger'): { phoneNumberId: string; wabaId: string } {
  const { phoneNumberId, wabaId } = target === 'stranger' ? STRANGER : TENANTS[target];
  return { phoneNumberId, wabaId };
}

function inboundEntry(
  target: TenantKey | 'stranger',
  specs: readonly InboundSpec[],
  nextId: () => string,
): { entry: RawWebhookEntry; messages: RawInboundMessage[] } {
  const number = numberOf(target);
  const messages = specs.map((m) => {
    const from = CUSTOMERS[m.from]!;
    const fixture = ALL_MESSAGE_TYPES[m.fixture]!.message;
    return {
      ...fixture,
      from,
      id: wamid(from, nextId()),
      timestamp: String(T0 + m.at),
      ...(m.quotes === null
        ? {}
        : { context: { from: number.phoneNumberId, id: outboundWamid(m.quotes) } }),
    };
  });
  // The profile name as of the sender's latest message in this change: a name
  // is a fact about a moment, so two webhooks never disagree about one moment.
  const latest = new Map<string, number>();
  for (const m of messages)
    latest.set(m.from, Math.max(latest.get(m.from) ?? 0, Number(m.timestamp)));
  const contacts = [...latest].map(([waId, at]) => ({
    profile: { name: `C${waId}@${at}` },
    wa_id: waId,
  }));
  return {
    entry: messagesEntry({ ...number, contacts, messages }),
    messages,
  };
}

/**
 * The raw bodies of a scenario, in Meta's wire form. Ids are derived from
 * positions and status items from their event, so the same spec always gives
 * the same bytes, and a status event repeated in two payloads is the same item.
 */
export function buildPayloads(spec: ScenarioSpec): string[] {
  let counter = 0;
  const nextId = () => `IN${String(counter++).padStart(18, '0')}`;
  return spec.payloads.map((p) => {
    if (p.kind === 'garbage') return p.body;
    const entries: RawWebhookEntry[] = [];
    for (const group of p.inbound)
      entries.push(inboundEntry(group.target, group.messages, nextId).entry);
    const byTenant = new Map<TenantKey, RawMessageStatus[]>();
    for (const s of p.statuses) {
      const tenant = spec.outbound[s.out]!.tenant;
      byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), statusItem(spec.outbound, s)]);
    }
    for (const [tenant, statuses] of byTenant)
      entries.push(messagesEntry({ ...numberOf(tenant), statuses }));
    for (const a of p.accountEvents) {
      const template = { event: a.event, templateId: a.template, templateName: `t${a.template}` };
      entries.push(templateStatusEntry({ wabaId: numberOf(a.target).wabaId, ...template }));
    }
    if (p.malformed) {
      entries.push(
        messagesEntry({
          ...numberOf('A'),
          messages: [{ type: 'text', text: { body: 'no sender, no id' } }],
          statuses: [{ id: '', status: 'sent' }],
        }),
      );
    }
    if (entries.length === 0) entries.push(qualityUpdateEntry({ wabaId: TENANT_B.wabaId }));
    return metaEscape(JSON.stringify(webhookPayload({ entries })));
  });
}
