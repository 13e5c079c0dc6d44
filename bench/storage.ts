/**
 * Storage per webhook: runs the real processor over N webhooks of each kind
 * into a fresh embedded Postgres, then measures rows and bytes (heap, TOAST
 * and indexes, partitions included) per table. Writes the sizing section of
 * docs/database.md. `npm run bench:storage [-- --webhooks 20000]`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { format } from 'prettier';
import pino from 'pino';
import { createDb, migrateToLatest, upsertOrganization, type Db } from '@waba/db';
import { processWebhooks, type RawWebhook } from '@waba/db-processor';
import { metaEscape } from '@waba/whatsapp';
import {
  DEFAULT_PHONE_NUMBER_ID,
  DEFAULT_WABA_ID,
  messagesEntry,
  status,
  textMessage,
  wamid,
  webhookPayload,
} from '@waba/testing';
import { startEmbeddedPostgres, withDatabase } from '../local/src/services/postgres';

const KINDS = {
  'customer message': (i: number) =>
    webhookPayload({
      entries: [
        messagesEntry({
          messages: [
            textMessage({
              // Customers write a few messages each.
              from: customer(i % 5000),
              body: `Olá! Meu pedido #${i} ainda não chegou, podem verificar por favor?`,
            }),
          ],
        }),
      ],
    }),
  'delivery status': (i: number) =>
    webhookPayload({
      entries: [
        messagesEntry({
          statuses: [
            status({
              id: messageId(Math.floor(i / 3)),
              status: (['sent', 'delivered', 'read'] as const)[i % 3]!,
              recipientId: customer(Math.floor(i / 3)),
              bizOpaque: 'campaign:00000000-0000-4000-8000-000000000000',
            }),
          ],
        }),
      ],
    }),
} as const;

// Three statuses (sent, delivered, read) per outbound message.
const ids = new Map<number, string>();
function messageId(message: number): string {
  let id = ids.get(message);
  if (!id) ids.set(message, (id = wamid(customer(message))));
  return id;
}

function customer(i: number): string {
  return `5511${String(900000000 + (i % 100_000_000))}`;
}

interface TableSize {
  table: string;
  rows: number;
  bytes: number;
}

async function sizes(db: Db): Promise<TableSize[]> {
  await sql`vacuum analyze`.execute(db);
  const { rows } = await sql<{ table: string; bytes: number }>`
    select c.relname as table,
      coalesce((select sum(pg_total_relation_size(t.relid)) from pg_partition_tree(c.oid) t),
        pg_total_relation_size(c.oid))::bigint as bytes
    from pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and not c.relispartition
      and c.relname in ('messages', 'contacts', 'message_status_events', 'webhook_events')`.execute(
    db,
  );
  const out: TableSize[] = [];
  for (const r of rows) {
    const n = await sql<{
      n: number;
    }>`select count(*)::bigint as n from ${sql.table(r.table)}`.execute(db);
    out.push({ table: r.table, rows: n.rows[0]!.n, bytes: r.bytes });
  }
  return out.sort((a, b) => a.table.localeCompare(b.table));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { webhooks: { type: 'string', default: '20000' } },
    strict: true,
  });
  const n = Number(values.webhooks);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--webhooks ${values.webhooks}: a whole number ≥ 1`);
  const pg = await startEmbeddedPostgres({ fsync: false });
  const results: Array<{ kind: string; tables: TableSize[] }> = [];
  try {
    for (const [kind, build] of Object.entries(KINDS)) {
      const name = `storage_${results.length}`;
      const admin = createDb({ connectionString: pg.adminUrl, max: 1 });
      await sql`create database ${sql.id(name)}`.execute(admin);
      await admin.destroy();
      const db = createDb({ connectionString: withDatabase(pg.adminUrl, name), max: 2 });
      await migrateToLatest(db);
      await upsertOrganization(db, {
        name: 'Sizing',
        slug: 'sizing',
        phoneNumbers: [{ phoneNumberId: DEFAULT_PHONE_NUMBER_ID, wabaId: DEFAULT_WABA_ID }],
      });
      const deps = {
        db,
        answers: { enqueue: async () => undefined },
        logger: pino({ level: 'silent' }),
        answerDelaySeconds: 0,
      };
      for (let i = 0; i < n; i += 100) {
        const batch: RawWebhook[] = [];
        for (let j = i; j < Math.min(n, i + 100); j++)
          batch.push({
            id: `w${j}`,
            sqsMessageId: `m${j}`,
            raw: metaEscape(JSON.stringify(build(j))),
            appId: 'default',
            receivedAt: new Date(),
          });
        await processWebhooks(batch, deps);
      }
      results.push({ kind, tables: await sizes(db) });
      await db.destroy();
    }
  } finally {
    await pg.stop();
  }

  const lines = [
    `Measured by \`npm run bench:storage\` (${n.toLocaleString('en-US')} webhooks of each kind through the real processor`,
    `into PostgreSQL with default settings, then \`VACUUM ANALYZE\`; bytes are heap + TOAST + indexes, partitions`,
    `included), ${new Date().toISOString().slice(0, 10)}. One webhook here carries one item, as Meta sends most of them.`,
    '',
    '| webhook kind | table | rows per webhook | bytes per row | GB per million webhooks |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const { kind, tables } of results) {
    let total = 0;
    for (const t of tables) {
      if (t.rows === 0) continue;
      total += t.bytes;
      lines.push(
        `| ${kind} | ${t.table} | ${(t.rows / n).toFixed(2)} | ${Math.round(t.bytes / t.rows)} | ${(((t.bytes / n) * 1e6) / 1e9).toFixed(2)} |`,
      );
    }
    lines.push(`| ${kind} | **all** | | | **${(((total / n) * 1e6) / 1e9).toFixed(2)}** |`);
  }
  lines.push(
    '',
    'Customers here write four messages each; a campaign message makes three status webhooks',
    '(sent, delivered, read), so a million campaign messages are about 6.9 GB in the first',
    'months. `webhook_events` is the largest part, since it keeps every raw body for replay: its',
    'default retention is 3 months, against 13 for `message_status_events`. The `messages` rows of',
    'delivery statuses are the outbound messages they update (one per wamid: a third of a row per',
    'status webhook).',
  );
  const file = join(__dirname, '../docs/database.md');
  const doc = readFileSync(file, 'utf8');
  const start = doc.indexOf('<!-- sizing:start -->');
  const end = doc.indexOf('<!-- sizing:end -->');
  if (start < 0 || end < 0) throw new Error('docs/database.md has no sizing markers');
  const updated = `${doc.slice(0, start)}<!-- sizing:start -->\n\n${lines.join('\n')}\n\n${doc.slice(end)}`;
  writeFileSync(file, await format(updated, { filepath: file }));
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
