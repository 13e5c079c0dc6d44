import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- One agent per organization; absent row = the built-in rules agent with defaults.
    create table agent_configs (
      organization_id uuid primary key references organizations(id) on delete cascade,
      -- auto: OpenAI when the deployment has an API key, else the built-in rules agent.
      kind text not null default 'auto' check (kind in ('auto', 'rules', 'openai')),
      instructions text not null default 'You are a helpful, concise customer support assistant.',
      model text not null default 'gpt-4o-mini',
      temperature real not null default 0.3,
      fallback_text text not null default 'Sorry, I could not answer right now. A person from our team will get back to you.',
      debounce_seconds integer not null default 2 check (debounce_seconds between 0 and 900),
      history_turns integer not null default 20 check (history_turns between 0 and 200),
      allowed_numbers text[],
      rate_limit_count integer not null default 10,
      rate_limit_window_seconds integer not null default 60,
      rate_limit_notice text not null default 'You are sending messages very quickly. Please wait a moment and I will answer.',
      pii_redaction boolean not null default false,
      handoff_keywords text[] not null default array['human', 'agent', 'atendente'],
      handoff_notice text not null default 'A person from our team will continue this conversation.',
      rules jsonb not null default '[]'::jsonb,
      default_reply text not null default 'Thanks for your message! How can I help?',
      vector_store_id text,
      updated_at timestamptz not null default now()
    );

    create table knowledge_entries (
      id bigint generated always as identity primary key,
      organization_id uuid not null references organizations(id) on delete cascade,
      source text not null default 'manual',
      title text not null,
      body text not null,
      search tsvector generated always as (to_tsvector('simple', title || ' ' || body)) stored,
      created_at timestamptz not null default now(),
      unique (organization_id, source, title)
    );
    create index knowledge_entries_search_idx on knowledge_entries using gin (search);

    -- Per-conversation bot state: handoff, rate limit window.
    create table conversations (
      organization_id uuid not null references organizations(id) on delete cascade,
      phone_number_id text not null,
      contact_wa_id text not null,
      bot_paused boolean not null default false,
      paused_reason text,
      rate_window_started_at timestamptz,
      rate_window_count integer not null default 0,
      rate_notice_sent boolean not null default false,
      last_answered_at timestamptz,
      updated_at timestamptz not null default now(),
      primary key (organization_id, phone_number_id, contact_wa_id)
    );

    -- One row per answer attempt. Claimed before the send, so a crash between
    -- send and record can never produce a second answer to the same messages.
    create table answer_attempts (
      id uuid primary key default gen_random_uuid(),
      organization_id uuid not null references organizations(id) on delete cascade,
      phone_number_id text not null,
      contact_wa_id text not null,
      state text not null check (state in ('sending', 'sent', 'failed', 'skipped')),
      answers_wamids text[] not null,
      reply_wamids text[] not null default '{}',
      agent text,
      error text,
      created_at timestamptz not null default now(),
      finished_at timestamptz
    );
    create index answer_attempts_conversation_idx
      on answer_attempts (organization_id, phone_number_id, contact_wa_id, created_at);

    alter table messages add column answer_attempt_id uuid references answer_attempts(id) on delete set null;
    alter table messages add column in_reply_to text[];
    create index messages_unanswered_idx on messages (organization_id, phone_number_id, contact_wa_id, occurred_at)
      where direction = 'inbound' and answer_attempt_id is null;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index if exists messages_unanswered_idx;
    alter table messages drop column if exists in_reply_to;
    alter table messages drop column if exists answer_attempt_id;
    drop table if exists answer_attempts, conversations, knowledge_entries, agent_configs;
  `.execute(db);
}
