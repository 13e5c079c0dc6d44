import { setTimeout as delay } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { metaEscape, signPayload } from '@waba/whatsapp';
import { messagesEntry, textMessage, webhookPayload } from '@waba/testing';

export interface SendPlan {
  ratePerSecond: number;
  seconds: number;
  /** The customer who writes webhook `i` (one customer per webhook: one reply expected each). */
  customer: (i: number) => string;
  /** Text of webhook `i`. */
  text?: (i: number) => string;
  /** Meta's behaviour: retry a webhook not answered 2xx, with backoff, until this long after the end. */
  retryForMs?: number;
}

export interface Acknowledged {
  wamid: string;
  sha256: string;
  customer: string;
}

/** What the sender did and what the receiver answered: Jepsen's "acknowledged" set. */
export interface Ledger {
  /** Distinct webhooks. */
  sent: number;
  /** POSTs, retries included. */
  attempts: number;
  /** Webhooks answered 2xx (each once). */
  acknowledged: Acknowledged[];
  /** Answers by status code (5xx: Meta retries). */
  statuses: Record<string, number>;
  /** Connection errors. */
  errors: number;
  /** Webhooks never acknowledged before the sender gave up. */
  unacknowledged: number;
}

export function emptyLedger(): Ledger {
  return { sent: 0, attempts: 0, acknowledged: [], statuses: {}, errors: 0, unacknowledged: 0 };
}

/** One signed customer text as Meta would POST it. */
export function customerWebhook(
  customer: string,
  text: string,
  secret: string,
): { raw: string; signature: string; wamid: string; sha256: string } {
  const message = textMessage({ from: customer, body: text });
  const raw = metaEscape(
    JSON.stringify(webhookPayload({ entries: [messagesEntry({ messages: [message] })] })),
  );
  return {
    raw,
    signature: signPayload(raw, secret),
    wamid: message.id,
    sha256: createHash('sha256').update(raw).digest('hex'),
  };
}

const sleep = (ms: number): Promise<void> => delay(ms);

/** POSTs a signed webhook; resolves to the status code (the body is read and dropped). */
export async function postWebhook(
  url: string,
  w: { raw: string; signature: string },
): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': w.signature },
    body: w.raw,
  });
  await response.arrayBuffer();
  return response.status;
}

/**
 * Sends `ratePerSecond` distinct signed webhooks for `seconds` to `url`, as
 * Meta does: a webhook not answered 2xx is retried with a growing delay.
 */
export async function sendLikeMeta(url: string, secret: string, plan: SendPlan): Promise<Ledger> {
  const ledger = emptyLedger();
  const total = Math.round(plan.ratePerSecond * plan.seconds);
  const started = Date.now();
  const giveUpAt = started + plan.seconds * 1000 + (plan.retryForMs ?? 60_000);
  const deliver = async (i: number) => {
    const customer = plan.customer(i);
    const w = customerWebhook(customer, plan.text?.(i) ?? `webhook ${i}`, secret);
    ledger.sent += 1;
    for (let attempt = 0; Date.now() < giveUpAt; attempt++) {
      ledger.attempts += 1;
      try {
        const status = await postWebhook(url, w);
        ledger.statuses[String(status)] = (ledger.statuses[String(status)] ?? 0) + 1;
        if (status >= 200 && status < 300) {
          ledger.acknowledged.push({ wamid: w.wamid, sha256: w.sha256, customer });
          return;
        }
        if (status < 500) break; // a 4xx is final for Meta too
      } catch {
        ledger.errors += 1;
      }
      await sleep(Math.min(2_000, 200 * 2 ** attempt));
    }
    ledger.unacknowledged += 1;
  };
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / plan.ratePerSecond;
    if (due > Date.now()) await sleep(due - Date.now());
    inFlight.push(deliver(i));
  }
  await Promise.all(inFlight);
  return ledger;
}
