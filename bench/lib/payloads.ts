import { metaEscape } from '@waba/whatsapp';
import { messagesEntry, status, textMessage, wamid, webhookPayload } from '@waba/testing';

/** Kinds of webhook traffic the benchmarks replay. */
export type Mix = 'status-heavy' | 'message-heavy' | 'mixed';

export const MIXES: readonly Mix[] = ['status-heavy', 'message-heavy', 'mixed'];

/**
 * A value as a Lambda receives it: through JSON. Besides being faithful,
 * this matters for timing: strings built piece by piece (as metaEscape
 * builds them) are ropes in V8, and the first hash or parse of a rope pays
 * for flattening it, which no string the Lambda runtime hands over needs.
 */
export const viaJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Meta's wire form of a payload: escaped JSON, as it is signed. */
export const wire = (payload: unknown): string => viaJson(metaEscape(JSON.stringify(payload)));

let sequence = 0;
const customer = (i: number) => `55119${String(i % 100_000_000).padStart(8, '0')}`;

/**
 * One webhook as Meta sends it: one entry, one `messages` change, `items`
 * statuses or customer texts. Status-heavy traffic is campaign delivery
 * receipts (sent, delivered, read, with conversation and pricing); message
 * heavy is customers writing in; mixed alternates the two per webhook.
 */
export function webhookBody(mix: Mix, items = 1, seed = sequence++): string {
  const kind = mix === 'mixed' ? (seed % 2 ? 'status' : 'message') : mix.split('-')[0];
  const stages = ['sent', 'delivered', 'read'] as const;
  if (kind === 'status') {
    const statuses = Array.from({ length: items }, (_, i) =>
      status({
        id: wamid(customer(seed * items + i)),
        status: stages[(seed + i) % 3]!,
        recipientId: customer(seed * items + i),
      }),
    );
    return wire(webhookPayload({ entries: [messagesEntry({ statuses })] }));
  }
  const messages = Array.from({ length: items }, (_, i) =>
    textMessage({
      from: customer(seed * items + i),
      body: `Olá, tudo bem? Pedido #${seed}-${i} — quando chega? 😀`,
    }),
  );
  return wire(webhookPayload({ entries: [messagesEntry({ messages })] }));
}
