// The SDK warns about Node 20 on every client; the project supports Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import pino from 'pino';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import {
  countWebhookEventsByOutcome,
  getAgentConfig,
  findContact,
  setBotPaused,
  updateAgentConfig,
  upsertKnowledge,
  type AgentConfigUpdate,
  type AgentRule,
  listOrganizations,
  listWebhookEvents,
  upsertOrganization,
  type Db,
  type WebhookOutcome,
} from '@waba/db';
import {
  replayUnrouted,
  replayWebhooks,
  sqsAnswerQueue,
  sqsMediaQueue,
  type ProcessorDeps,
  type ReplayOptions,
  type ReplayResult,
} from '@waba/db-processor';
import { validateKeywords } from '@waba/answer-worker';
import { loadConfig } from './config';
import { parseCsvKnowledge, parseMarkdownKnowledge } from './knowledge-import';
import { runCampaignCommand, CAMPAIGN_USAGE } from './cli-campaign';
import { runAnalystCommand, runDbCommand, DB_USAGE } from './cli-db';
import { runSpendCommand, SPEND_USAGE } from './cli-spend';
import { runLimitsCommand } from './cli-campaign-refusals';
import { MEDIA_USAGE, runMediaCommand } from './cli-media';
import { runSuppressionCommand, SUPPRESSION_USAGE } from './cli-suppression';
import { runTemplateCommand, TEMPLATE_USAGE } from './cli-template';
import { runContactCommand, CONTACT_USAGE } from './cli-contact';
import { runRetentionCommand, RETENTION_USAGE } from './cli-retention';
import { API_KEY_USAGE, runApiKeyCommand } from './cli-api-key';
import {
  checked,
  flag,
  orgOf,
  parseCliArgs,
  positional,
  required,
  switchOn,
  target,
  UsageError,
  withDb,
  type CliOption,
  type QueueName,
  type Target,
} from './cli-common';

const USAGE = `usage: npm run cli -- <command>
  org add --name <name> --slug <slug> --phone-number-id <id> --waba-id <id> [--display-phone <n>] [--app-id <id>]
                                          (--app-id: the Meta app whose secret signs the number's webhooks; unset: the default app of /webhook)
  org list
${RETENTION_USAGE}
${API_KEY_USAGE}
  dlq list   [--queue ingest|answer|campaign|media] [--max 50]
  dlq redrive [--queue ingest|answer|campaign|media]   move dead-lettered messages back to their queue
  webhooks stats                          audit rows by outcome, items not applied as misrouted, and changes of unknown fields
  webhooks list [--outcome processed|partial|unrouted|misrouted|rejected] [--limit 20]
  webhooks replay --outcome partial|rejected|unrouted|misrouted[,…] [--since <ISO time>] [--limit 1000]
                                          re-run stored raw bodies through today's processor (idempotent; signed by their stored app)
  webhooks replay-unrouted [--misrouted]  reprocess unrouted payloads (after registering their organization);
                                          --misrouted also misrouted ones (after binding a number to its app)
  agent show --org <slug>
  agent set --org <slug> [--kind auto|rules|openai] [--instructions <text>] [--model <m>] [--temperature <t>]
            [--fallback <text>] [--debounce <s>] [--history <turns>] [--allowed <n1,n2|all>]
            [--rate-limit <count>/<seconds>] [--pii on|off] [--handoff-keywords <k1,k2>] [--default-reply <text>]
            [--unsupported-notice <text>]      sent once per contact and 24 h for messages WhatsApp cannot show
            [--images on|off]                  send archived images to the model when it accepts images (default off)
            [--rules <file.json>]              rules: [{"keywords":[...],"buttonIds":[...],"reply":"...","buttons":[{"id","title"}]}]
  knowledge import --org <slug> <file.md|file.csv>   Markdown: one entry per heading; CSV: title,body columns
  handoff pause|resume --org <slug> --contact <wa_id|user_id> [--phone-number-id <id>]
${TEMPLATE_USAGE}
${CAMPAIGN_USAGE}
${SUPPRESSION_USAGE}
${CONTACT_USAGE}
${SPEND_USAGE}
${MEDIA_USAGE}
${DB_USAGE}
Connects to the running local stack (.data/stack.json), or to DATABASE_URL, AWS_REGION and
INGEST_QUEUE_URL / INGEST_DLQ_URL / ANSWER_QUEUE_URL / ANSWER_DLQ_URL /
CAMPAIGN_QUEUE_URL / CAMPAIGN_DLQ_URL / MEDIA_QUEUE_URL / MEDIA_DLQ_URL / MEDIA_BUCKET (e.g. in AWS).`;

/** The processor's dependencies for a replay from the command line (media archived when its queue is known). */
function replayDeps(t: Target, db: Db): ProcessorDeps {
  const mediaQueueUrl = t.queues.media.url;
  return {
    db,
    answers: sqsAnswerQueue(t.sqs!, t.queues.answer.url ?? ''),
    ...(mediaQueueUrl ? { media: sqsMediaQueue(t.sqs!, mediaQueueUrl) } : {}),
    logger: pino({ level: 'warn' }),
    answerDelaySeconds: loadConfig().config.answerDelaySeconds,
  };
}

/** Audit outcomes whose raw bodies `webhooks replay` re-runs. */
const REPLAYABLE: readonly string[] = ['partial', 'rejected', 'unrouted', 'misrouted'];

/** `--outcome a,b`, `--since <ISO time>`, `--limit n` of `webhooks replay`. */
function replayOptions(args: string[]): ReplayOptions {
  const outcomes = required(args, 'outcome').split(',');
  for (const o of outcomes)
    if (!REPLAYABLE.includes(o))
      throw new UsageError(`--outcome ${o}: one of partial, rejected, unrouted, misrouted`);
  const since = flag(args, 'since');
  const sinceDate = since === undefined ? undefined : new Date(since);
  if (sinceDate && Number.isNaN(sinceDate.getTime()))
    throw new UsageError(`--since ${since}: not a time (e.g. 2026-12-01T00:00:00Z)`);
  const limit = Number(flag(args, 'limit', '1000'));
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit: a whole number ≥ 1');
  return { outcomes: outcomes as WebhookOutcome[], since: sinceDate, limit };
}

function replaySummary(r: ReplayResult): string {
  return `replayed ${r.replayed}: ${r.nowProcessed} now processed, ${r.stillPartial} still partial, ${r.stillRejected} still rejected, ${r.stillUnrouted} still unrouted, ${r.stillMisrouted} still misrouted, ${r.failed.length} failed`;
}

function queueOf(t: Target, args: string[]): { url: string; dlqUrl: string; name: string } {
  const name = flag(args, 'queue', 'ingest') as QueueName;
  const q = t.queues[name];
  if (!q?.url || !q.dlqUrl)
    throw new Error(`queue "${name}" unknown: start the local stack or set its URLs`);
  return { url: q.url, dlqUrl: q.dlqUrl, name };
}

/** Reads (without consuming) up to `max` DLQ messages: each is made visible again at once. */
async function peek(sqs: SQSClient, queueUrl: string, max: number): Promise<Message[]> {
  const seen = new Map<string, Message>();
  for (let round = 0; round < 5 && seen.size < max; round++) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        VisibilityTimeout: 5,
        WaitTimeSeconds: 0,
      }),
    );
    if (!r.Messages?.length) break;
    for (const m of r.Messages) seen.set(m.MessageId!, m);
  }
  for (const m of seen.values()) {
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: m.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
  }
  return [...seen.values()].slice(0, max);
}

function agentUpdate(args: string[]): Omit<AgentConfigUpdate, 'organization_id' | 'updated_at'> {
  const u: Omit<AgentConfigUpdate, 'organization_id' | 'updated_at'> = {};
  const kind = flag(args, 'kind');
  if (kind) {
    if (!['auto', 'rules', 'openai'].includes(kind))
      throw new Error('--kind is auto, rules or openai');
    u.kind = kind as 'auto' | 'rules' | 'openai';
  }
  const text = (name: CliOption) => flag(args, name);
  const num = (name: CliOption) =>
    flag(args, name) === undefined ? undefined : Number(flag(args, name));
  if (text('instructions') !== undefined) u.instructions = text('instructions');
  if (text('model') !== undefined) u.model = text('model');
  if (num('temperature') !== undefined) u.temperature = num('temperature');
  if (text('fallback') !== undefined) u.fallback_text = text('fallback');
  if (num('debounce') !== undefined) u.debounce_seconds = num('debounce');
  if (num('history') !== undefined) u.history_turns = num('history');
  if (text('default-reply') !== undefined) u.default_reply = text('default-reply');
  const notice = text('unsupported-notice');
  if (notice !== undefined) {
    if (notice.trim() === '' || notice.length > 4096)
      throw new UsageError('--unsupported-notice is a text of 1 to 4096 characters');
    u.unsupported_notice = notice;
  }
  const allowed = text('allowed');
  if (allowed !== undefined)
    u.allowed_numbers = allowed === 'all' ? null : allowed.split(',').map((n) => n.trim());
  const rate = text('rate-limit');
  if (rate !== undefined) {
    const [count, seconds] = rate.split('/').map(Number);
    if (!Number.isInteger(count) || !Number.isInteger(seconds))
      throw new Error('--rate-limit is <count>/<seconds>, e.g. 10/60');
    u.rate_limit_count = count;
    u.rate_limit_window_seconds = seconds;
  }
  const pii = text('pii');
  if (pii !== undefined) u.pii_redaction = pii === 'on';
  const images = text('images');
  if (images !== undefined) {
    if (images !== 'on' && images !== 'off') throw new UsageError('--images is on or off');
    u.image_input = images === 'on';
  }
  const keywords = text('handoff-keywords');
  if (keywords !== undefined)
    u.handoff_keywords = checked('--handoff-keywords', () =>
      keywords.trim() === '' ? [] : validateKeywords(keywords.split(','), 'handoff keyword'),
    );
  const rules = text('rules');
  if (rules !== undefined) {
    const parsed = JSON.parse(readFileSync(rules, 'utf8')) as AgentRule[];
    u.rules = checked('--rules', () =>
      parsed.map((r, i) =>
        r.keywords ? { ...r, keywords: validateKeywords(r.keywords, `rule ${i + 1} keyword`) } : r,
      ),
    );
  }
  return u;
}

export async function runCli(
  args: string[],
  out: (line: string) => void = console.log,
): Promise<void> {
  const [group, command] = parseCliArgs(args).positionals;
  const t = target();
  if (group === 'campaign') return runCampaignCommand(t, args, out);
  if (group === 'template') return runTemplateCommand(t, args, out);
  if (group === 'db') return runDbCommand(t, args, out);
  if (group === 'analyst') return runAnalystCommand(t, args, out);
  if (group === 'suppression' || group === 'optout') return runSuppressionCommand(t, args, out);
  if (group === 'rates' || group === 'spend') return runSpendCommand(t, args, out);
  if (group === 'limits') return runLimitsCommand(t, args, out);
  if (group === 'media' || (group === 'org' && command === 'set'))
    return runMediaCommand(t, args, out);
  if (group === 'contact') return runContactCommand(t, args, out);
  if (group === 'api-key') return runApiKeyCommand(t, args, out);
  if (group === 'org' && (command === 'show' || command === 'retention'))
    return runRetentionCommand(t, args, out);
  switch (`${group} ${command}`) {
    case 'org add': {
      const org = await withDb(t, (db) =>
        upsertOrganization(db, {
          name: required(args, 'name'),
          slug: required(args, 'slug'),
          phoneNumbers: [
            {
              phoneNumberId: required(args, 'phone-number-id'),
              wabaId: required(args, 'waba-id'),
              displayPhoneNumber: flag(args, 'display-phone') ?? null,
              appId: flag(args, 'app-id') ?? null,
            },
          ],
        }),
      );
      out(
        `organization ${org.slug} (${org.id}): ${org.phoneNumbers.map((p) => `${p.phone_number_id}@${p.waba_id}`).join(', ')}`,
      );
      return;
    }
    case 'org list': {
      const orgs = await withDb(t, listOrganizations);
      for (const o of orgs)
        out(
          `${o.slug}\t${o.id}\t${o.name}\t${o.phoneNumbers.map((p) => `${p.phone_number_id}@${p.waba_id}`).join(',')}`,
        );
      if (orgs.length === 0) out('no organizations');
      return;
    }
    case 'dlq list': {
      const q = queueOf(t, args);
      const messages = await peek(t.sqs!, q.dlqUrl, Number(flag(args, 'max', '50')));
      for (const m of messages) {
        const a = (k: string) => m.MessageAttributes?.[k]?.StringValue ?? '-';
        out(
          `${m.MessageId}\treceives=${m.Attributes?.ApproximateReceiveCount}\treceived_at=${a('received_at')}\tfields=${a('fields')}\tsha256=${a('body_sha256')}\tbytes=${Buffer.byteLength(m.Body ?? '')}`,
        );
      }
      out(`${messages.length} message(s) in the ${q.name} DLQ`);
      return;
    }
    case 'dlq redrive': {
      const q = queueOf(t, args);
      let moved = 0;
      for (;;) {
        const r = await t.sqs!.send(
          new ReceiveMessageCommand({
            QueueUrl: q.dlqUrl,
            MaxNumberOfMessages: 10,
            MessageAttributeNames: ['All'],
            WaitTimeSeconds: 0,
          }),
        );
        if (!r.Messages?.length) break;
        for (const m of r.Messages) {
          // Send first, then delete: a crash in between duplicates (harmless) rather than loses.
          await t.sqs!.send(
            new SendMessageCommand({
              QueueUrl: q.url,
              MessageBody: m.Body,
              MessageAttributes: m.MessageAttributes,
            }),
          );
          await t.sqs!.send(
            new DeleteMessageCommand({ QueueUrl: q.dlqUrl, ReceiptHandle: m.ReceiptHandle }),
          );
          moved++;
        }
      }
      out(`moved ${moved} message(s) from the ${q.name} DLQ back to its queue`);
      return;
    }
    case 'webhooks stats': {
      const rows = await withDb(t, countWebhookEventsByOutcome);
      for (const r of rows) out(`${r.outcome}\t${r.count}`);
      if (rows.length === 0) out('no webhooks stored yet');
      // Items signed by an app their number is not bound to, or naming another organization's message.
      else {
        out(`misrouted items\t${rows.reduce((sum, r) => sum + r.misroutedItems, 0)}`);
        // Changes of fields nobody knows yet, kept as jsonb in account_events.
        out(`unknown-field changes\t${rows.reduce((sum, r) => sum + r.unknownFieldItems, 0)}`);
      }
      return;
    }
    case 'webhooks list': {
      const outcome = flag(args, 'outcome') as WebhookOutcome | undefined;
      const rows = await withDb(t, (db) =>
        listWebhookEvents(db, { outcome, limit: Number(flag(args, 'limit', '20')) }),
      );
      for (const r of rows)
        out(
          `${r.id}\t${r.received_at.toISOString()}\t${r.outcome}\t${r.fields.join(',')}\t${(r.error ?? '').split('\n')[0]}`,
        );
      return;
    }
    case 'webhooks replay-unrouted': {
      const result = await withDb(t, (db) =>
        replayUnrouted(replayDeps(t, db), { misrouted: switchOn(args, 'misrouted') }),
      );
      out(
        `replayed ${result.replayed}: ${result.nowProcessed} now processed, ${result.stillUnrouted} still unrouted, ${result.stillMisrouted} still misrouted, ${result.failed.length} failed`,
      );
      return;
    }
    case 'webhooks replay': {
      const options = replayOptions(args);
      const result = await withDb(t, (db) => replayWebhooks(replayDeps(t, db), options));
      out(replaySummary(result));
      return;
    }
    case 'agent show': {
      const config = await withDb(t, async (db) => getAgentConfig(db, (await orgOf(db, args)).id));
      out(JSON.stringify(config, null, 2));
      return;
    }
    case 'agent set': {
      const update = agentUpdate(args);
      const config = await withDb(t, async (db) =>
        updateAgentConfig(db, (await orgOf(db, args)).id, update),
      );
      out(
        `agent of ${flag(args, 'org')} updated: ${Object.keys(update).join(', ') || 'nothing'} (kind ${config.kind})`,
      );
      return;
    }
    case 'knowledge import': {
      const file = positional(args, 0, 'a file to import');
      const text = readFileSync(file, 'utf8');
      const entries =
        extname(file).toLowerCase() === '.csv'
          ? parseCsvKnowledge(text)
          : parseMarkdownKnowledge(text);
      const n = await withDb(t, async (db) =>
        upsertKnowledge(db, (await orgOf(db, args)).id, file.split('/').at(-1)!, entries),
      );
      out(`imported ${n} knowledge entr${n === 1 ? 'y' : 'ies'} from ${file}`);
      return;
    }
    case 'handoff pause':
    case 'handoff resume': {
      const paused = command === 'pause';
      await withDb(t, async (db) => {
        const org = await orgOf(db, args);
        const phone =
          flag(args, 'phone-number-id') ??
          (
            await db
              .selectFrom('phone_numbers')
              .select('phone_number_id')
              .where('organization_id', '=', org.id)
              .executeTakeFirstOrThrow()
          ).phone_number_id;
        const address = required(args, 'contact');
        const contact = await findContact(db, org.id, { waId: address, userId: address });
        if (!contact) throw new UsageError(`no contact ${address} in ${org.slug}`);
        await setBotPaused(
          db,
          { organizationId: org.id, phoneNumberId: phone, contactId: contact.id },
          paused,
          paused ? 'operator' : null,
        );
      });
      out(`bot ${paused ? 'paused' : 'resumed'} for ${flag(args, 'contact')}`);
      return;
    }
    default:
      out(USAGE);
      if (group) process.exitCode = 2;
  }
}

/**
 * Prints why a command failed (a usage error with the usage text) and returns
 * the exit code: 2 for a usage error, 1 for anything else.
 */
export function cliFailure(error: unknown, err: (line: string) => void = console.error): number {
  err(error instanceof Error ? error.message : String(error));
  if (!(error instanceof UsageError)) return 1;
  err(USAGE);
  return 2;
}
