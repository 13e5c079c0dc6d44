import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

/**
 * What an answer attempt is becomes a column of its own (`kind`) instead of a
 * `guard:` prefix in `agent`: an answer, or the guardrail that skipped the
 * messages or sent its notice. `agent` keeps only the agent that answered.
 * Existing rows are backfilled from their agent: `pending` is an answer whose
 * agent was never recorded; a guard notice recorded by its reason
 * (`guard:rate limited`) is the rate-limit kind.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table answer_attempts add column kind text;
    update answer_attempts set
      kind = case
        when agent = 'guard:handoff' then 'handoff'
        when agent in ('guard:rate-limit', 'guard:rate limited') then 'rate-limit'
        when agent = 'guard:unsupported' then 'unsupported'
        when agent = 'guard:allowed-numbers' then 'allowed-numbers'
        else 'answer' end,
      agent = case
        when agent in ('pending', 'guard:handoff', 'guard:rate-limit', 'guard:rate limited',
          'guard:unsupported', 'guard:allowed-numbers') then null
        else agent end;
    alter table answer_attempts
      alter column kind set default 'answer',
      alter column kind set not null,
      add constraint answer_attempts_kind_check
        check (kind in ('answer', 'handoff', 'rate-limit', 'unsupported', 'allowed-numbers'));

    comment on column answer_attempts.kind is
      'answer: the agent answers; handoff, rate-limit, unsupported, allowed-numbers: the guardrail that skipped the messages or sent its notice.';
    comment on column answer_attempts.agent is
      'Agent that answered (rules, openai; :fallback when it failed and the fallback text went); null until it answers, and for guardrail attempts.';
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    update answer_attempts set agent = case
        when kind <> 'answer' then 'guard:' || kind
        else coalesce(agent, 'pending') end
      where kind <> 'answer' or agent is null;
    alter table answer_attempts drop column kind;
    comment on column answer_attempts.agent is 'Agent that answered (rules, openai).';
  `.execute(db);
}
