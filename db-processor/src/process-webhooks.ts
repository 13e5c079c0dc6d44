import { createHash } from 'node:crypto';
import {
  debounceSecondsOf,
  findMessageOwners,
  findRoutes,
  emptyIngestBatch,
  insertPendingMedia,
  isTransientDbError,
  mergeIngestBatches,
  settleAnswerAttempts,
  writeIngestBatch,
  type Conversation,
  type Db,
  type IngestBatch,
  type PendingMediaInput,
} from '@waba/db';
import {
  decodeWebhookPayload,
  errorText,
  InvalidWebhookPayloadError,
  mediaItemOf,
  type Logger,
  type MediaJob,
} from '@waba/whatsapp';
import type { AnswerQueue } from './answer-queue';
import type { MediaQueue } from './media-queue';
import { TransientBatchError } from './errors';
import { emptyNormalizedWebhook, normalizeWebhook } from './normalize';
import type { RawWebhook } from './read-record';
import {
  boundAppOf,
  messageOwners,
  namedWamids,
  routeWebhook,
  routingKeys,
  type ParsedInput,
} from './route';

export interface ProcessorDeps {
  db: Db;
  answers: AnswerQueue;
  logger: Logger;
  /** Debounce of answer jobs when the organization sets none. */
  answerDelaySeconds: number;
  /** The media archiver's queue; unset, media is not archived (no `media_objects` rows). */
  media?: MediaQueue;
}

export interface ProcessResult {
  /** Ids of the webhooks that failed on their own (retry them; the rest committed). */
  failed: string[];
  conversations: Conversation[];
  /** SQL statements of the batch transaction (not counting BEGIN/COMMIT). */
  statements: number;
  /** Items not applied because their number is bound to another app or their wamid to another organization. */
  misrouted: number;
  /** Media jobs queued after the commit. */
  media: MediaJob[];
}

type Prepared = ParsedInput & { id: string; rejected?: string };

function prepare(w: RawWebhook, logger: Logger): Prepared {
  const audit = {
    bodySha256: createHash('sha256').update(w.raw).digest('hex'),
    // A message without the attribute came through /webhook: the default app.
    appId: boundAppOf(w.appId),
    sqsMessageId: w.sqsMessageId,
    rawBody: w.raw,
    receivedAt: w.receivedAt,
  };
  const rejected = (reason: string): Prepared => ({
    id: w.id,
    audit,
    payload: null,
    normalized: emptyNormalizedWebhook(),
    rejected: reason,
  });
  if (w.unreadable !== undefined) return rejected(w.unreadable);
  try {
    const payload = decodeWebhookPayload(w.raw);
    return { id: w.id, audit, payload, normalized: normalizeWebhook(payload, w.receivedAt) };
  } catch (error) {
    if (error instanceof InvalidWebhookPayloadError) {
      return rejected([error.message, ...error.issues.slice(0, 20)].join('\n'));
    }
    // Whatever else reading this one body throws is its own: the same on every retry.
    logger.warn(
      { err: error, id: w.id, sha256: audit.bodySha256 },
      'webhook kept as rejected: it cannot be normalized',
    );
    return rejected(`not normalizable: ${errorText(error)}`);
  }
}

/** The log message of a batch with misrouted items; CloudWatch counts its `misrouted` field. */
export const MISROUTED_LOG_MESSAGE = 'webhook items misrouted';

/** The media items of the inbound messages a batch stores. */
function mediaItemsOf(batch: IngestBatch): PendingMediaInput[] {
  return batch.inbound.flatMap((m) => {
    const item = mediaItemOf(m.type, m.payload);
    return item ? [{ ...item, organizationId: m.organizationId, wamid: m.wamid }] : [];
  });
}

interface Written {
  conversations: Conversation[];
  statements: number;
  misrouted: number;
  media: MediaJob[];
}

/**
 * One transaction for a set of webhooks: route, then the set-based writes;
 * with `archiveMedia`, the media items as `pending` rows too.
 */
async function writeAll(
  db: Db,
  inputs: readonly Prepared[],
  archiveMedia = false,
): Promise<Written> {
  return db.transaction().execute(async (trx) => {
    const keys = routingKeys(inputs);
    const routes = await findRoutes(trx, keys.phoneNumberIds, keys.wabaIds);
    const wamids = namedWamids(inputs);
    const owners = messageOwners(inputs, routes, await findMessageOwners(trx, wamids));
    const batches: IngestBatch[] = inputs.map((input) => {
      if (input.rejected === undefined) return routeWebhook(input, routes, owners);
      const audit = { ...input.audit, fields: [], organizationId: null, itemCounts: {} };
      return {
        ...emptyIngestBatch(),
        webhookEvents: [{ ...audit, outcome: 'rejected', error: input.rejected }],
      };
    });
    const merged = mergeIngestBatches(batches);
    const result = await writeIngestBatch(trx, merged);
    // Statuses tagged answer:<attempt>:<part> settle answer sends whose outcome was unknown.
    const settles = await settleAnswerAttempts(trx, merged.statuses);
    const items = archiveMedia ? mediaItemsOf(merged) : [];
    const media = await insertPendingMedia(trx, items);
    return {
      conversations: result.conversations,
      statements: result.statements + (wamids.length ? 2 : 1) + settles + (items.length ? 1 : 0),
      misrouted: merged.webhookEvents.reduce((sum, w) => sum + (w.itemCounts.misrouted ?? 0), 0),
      media,
    };
  });
}

async function scheduleAnswers(
  conversations: readonly Conversation[],
  deps: ProcessorDeps,
): Promise<void> {
  if (conversations.length === 0) return;
  const orgIds = [...new Set(conversations.map((c) => c.organizationId))];
  const delay = await debounceSecondsOf(deps.db, orgIds);
  const enqueuedAt = new Date().toISOString();
  await deps.answers.enqueue(
    conversations.map((c) => ({
      job: { ...c, enqueuedAt },
      delaySeconds: delay.get(c.organizationId) ?? deps.answerDelaySeconds,
    })),
  );
}

/**
 * A failure the record's own data causes on every attempt: a value Postgres
 * cannot cast or store (SQLSTATE class 22, data exception) or index (class 54,
 * e.g. an identifier longer than an index entry may be).
 */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|54)/.test(code);
}

/** Keeps the raw body as a `rejected` audit row; `undefined` when even that fails. */
async function keepAsRejected(
  deps: ProcessorDeps,
  input: Prepared,
  cause: unknown,
): Promise<number | undefined> {
  const reason = `not storable: ${(cause as { message?: unknown }).message ?? 'data error'}`;
  try {
    const one = await writeAll(deps.db, [
      { ...input, payload: null, normalized: emptyNormalizedWebhook(), rejected: reason },
    ]);
    deps.logger.warn(
      { code: (cause as { code?: unknown }).code, id: input.id, sha256: input.audit.bodySha256 },
      'record kept as rejected: its data cannot be stored',
    );
    return one.statements;
  } catch {
    return undefined;
  }
}

/**
 * Stores a batch of raw webhooks.
 * 1. Parse and normalize each; one that cannot be read, parsed or normalized, for
 *    whatever reason, becomes a `rejected` audit row with its raw body and the reason.
 * 2. Write all of them in one transaction with a fixed number of statements.
 * 3. If that fails because the database is unavailable, throw: the whole batch retries.
 *    If it fails because of some record's data, write each record alone, so the
 *    good ones commit and only the failing ones are reported. A record whose data
 *    Postgres can never store is kept as `rejected` with the reason instead: a
 *    retry could not help, and its raw body must not be left to the DLQ.
 * 4. After commit, schedule one answer job per conversation with customer messages,
 *    and (with a media queue) one media job per media item still `pending`.
 */
export async function processWebhooks(
  webhooks: readonly RawWebhook[],
  deps: ProcessorDeps,
): Promise<ProcessResult> {
  const prepared = webhooks.map((w) => prepare(w, deps.logger));
  const failed: string[] = [];
  let conversations: Conversation[] = [];
  let statements = 0;
  let misrouted = 0;
  let media: MediaJob[] = [];
  const archive = deps.media !== undefined;
  try {
    ({ conversations, statements, misrouted, media } = await writeAll(deps.db, prepared, archive));
  } catch (error) {
    if (isTransientDbError(error))
      throw new TransientBatchError('database unavailable', { cause: error });
    deps.logger.warn(
      { err: error, size: prepared.length },
      'batch write failed, isolating records',
    );
    for (const input of prepared) {
      try {
        const one = await writeAll(deps.db, [input], archive);
        conversations.push(...one.conversations);
        statements += one.statements;
        misrouted += one.misrouted;
        media.push(...one.media);
      } catch (recordError) {
        const kept = isDataError(recordError)
          ? await keepAsRejected(deps, input, recordError)
          : undefined;
        if (kept !== undefined) {
          statements += kept;
          continue;
        }
        failed.push(input.id);
        deps.logger.error(
          { err: recordError, id: input.id, sha256: input.audit.bodySha256 },
          'record failed on its own',
        );
      }
    }
  }
  // The line the misrouted-webhooks alarm counts (infra: a metric filter on `misrouted`).
  if (misrouted > 0) deps.logger.warn({ misrouted }, MISROUTED_LOG_MESSAGE);
  await scheduleAnswers(conversations, deps);
  // After the commit; a job lost here is queued again by the redelivery or the archiver's sweep.
  if (media.length > 0) await deps.media?.enqueue(media);
  return { failed, conversations, statements, misrouted, media };
}
