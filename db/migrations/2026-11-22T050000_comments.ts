import { sql, type Kysely } from 'kysely';

// Frozen in time: this file imports no application code.

type Docs = Record<string, { kind?: 'view'; about: string; columns: Record<string, string> }>;

const ORG = 'Organization the row belongs to (row-level security key).';
const CREATED = 'When the row was created.';
const UPDATED = 'When the row was last changed.';
const WAMID = 'WhatsApp message id (wamid.…), unique per message.';

/** The description of every table, view and column, shown by psql `\d+` and SQL clients. */
const DOCS: Docs = {
  organizations: {
    about: 'A tenant: one business using the pipeline, with its numbers, contacts and campaigns.',
    columns: {
      id: 'Organization id.',
      name: 'Display name.',
      slug: 'Short unique name used by the CLI (--org).',
      settings: 'Free-form settings (JSON).',
      created_at: CREATED,
      updated_at: UPDATED,
    },
  },
  phone_numbers: {
    about:
      'Business phone numbers. Webhooks are routed to an organization by phone_number_id, else by waba_id.',
    columns: {
      phone_number_id: "Meta's id of the business phone number (metadata.phone_number_id).",
      organization_id: ORG,
      waba_id: 'WhatsApp Business Account id owning the number (entry[].id).',
      display_phone_number: 'The number as shown to customers.',
      app_id:
        "Meta app whose secret signs this number's webhooks (the receiver's /webhook/{appId}).",
      created_at: CREATED,
    },
  },
  contacts: {
    about: 'Customers who wrote to an organization, one row per WhatsApp user.',
    columns: {
      organization_id: ORG,
      wa_id: "Customer's WhatsApp id (phone number in international format, digits only).",
      profile_name: "Name from the customer's WhatsApp profile, as of the latest message.",
      user_id: "Meta's business-scoped user id (BSUID), when sent.",
      first_seen_at: 'Time of the first message seen from the customer.',
      last_seen_at: 'Time of the latest message seen from the customer.',
      created_at: CREATED,
      updated_at: UPDATED,
    },
  },
  campaigns: {
    about: 'Template broadcasts to an audience, sent by the campaign sender at a per-number rate.',
    columns: {
      id: 'Campaign id; statuses find it through biz_opaque_callback_data = campaign:<id>.',
      organization_id: ORG,
      name: 'Name given by the campaign team.',
      phone_number_id: 'Business number the campaign sends from.',
      template_name: 'Approved message template to send.',
      template_language: 'Template language code, e.g. en_US.',
      status: 'draft, sending, paused, cancelled or completed.',
      created_at: CREATED,
      updated_at: UPDATED,
      template_components:
        'Template components (Meta format); {{column}} placeholders are filled per recipient.',
      rate_per_second: 'Messages per second for this campaign; null: the sender default (80).',
      started_at: 'First start.',
      paused_at: 'Latest pause, by a person or by an error needing one.',
      completed_at: 'When every recipient was settled.',
      cancelled_at: 'When the campaign was cancelled.',
      last_error:
        'Error that paused the campaign (template, token, policy block), cleared on resume.',
    },
  },
  campaign_audience: {
    about:
      'One row per recipient of a campaign: claimed before the send, so nobody gets a campaign twice; mirrors the message status.',
    columns: {
      campaign_id: 'Campaign.',
      organization_id: ORG,
      wa_id: "Recipient's WhatsApp id.",
      parameters: 'Per-recipient template values from the audience file (JSON object).',
      wamid: 'Message id once Meta accepted the send, or from a status webhook.',
      status:
        'pending, sending (claimed), accepted, sent, delivered, read, failed, or unknown (send outcome lost; never resent automatically).',
      sent_at: 'Earliest sent (or later) status.',
      delivered_at: 'Earliest delivered (or read) status: read implies delivered.',
      read_at: 'Earliest read status.',
      failed_at: 'When the send or the delivery failed.',
      error_code: 'Meta error code of the failure (e.g. 131026 undeliverable).',
      error_title: "Meta error title, or the sender's reason.",
      created_at: CREATED,
      updated_at: UPDATED,
      line_number: 'Line of the audience file the recipient came from.',
      source: 'import (audience file) or external (sent by another system with the campaign tag).',
      attempts: 'Send attempts made (retryable Meta errors are retried with backoff).',
      next_attempt_at: 'Earliest time of the next attempt after a retryable error.',
      claimed_at: 'When a sender claimed the row for sending.',
      accepted_at: 'When Meta accepted the send.',
      last_error: 'Error of the latest attempt.',
    },
  },
  messages: {
    about:
      'Message history, both directions: inbound customer messages, bot replies, campaign sends, and outbound messages known only from their statuses.',
    columns: {
      id: 'Row id.',
      organization_id: ORG,
      wamid: WAMID,
      direction: 'inbound (from the customer) or outbound (from the business).',
      phone_number_id: 'Business number of the conversation.',
      contact_wa_id: "Customer's WhatsApp id.",
      type: 'Message type: text, image, interactive, template, …',
      body: 'Text of the message (text body, caption, button or list title), when it has one.',
      payload: 'The message object as Meta sent it, or what we sent (JSON).',
      context_wamid: 'Message this one replies to (context.id).',
      status:
        'received for inbound; accepted, sent, delivered, read or failed for outbound (highest wins, failed is final).',
      occurred_at: "Meta's timestamp of the message (or of its first status).",
      sent_at: 'Earliest sent status.',
      delivered_at: 'Earliest delivered status (set by read too).',
      read_at: 'Earliest read status.',
      failed_at: 'Failure time.',
      error_code: 'Meta error code of a failed message.',
      error_title: 'Meta error title of a failed message.',
      biz_opaque_callback_data:
        'Tag sent with the message and echoed in its statuses (campaign:<id>, reply:<attempt>).',
      campaign_id: 'Campaign the message belongs to, from its tag.',
      created_at: CREATED,
      updated_at: UPDATED,
      answer_attempt_id: 'Bot answer attempt that answered this inbound message.',
      in_reply_to: 'Inbound wamids a bot reply answers.',
    },
  },
  message_status_events: {
    about: 'Every delivery status webhook item as received, partitioned by month of occurred_at.',
    columns: {
      id: 'Row id.',
      organization_id: ORG,
      wamid: WAMID,
      status: 'sent, delivered, read, played or failed.',
      occurred_at: "Meta's timestamp of the status; the partition key.",
      recipient_id: "Recipient's WhatsApp id.",
      error_code: 'Meta error code, for failed.',
      error_title: 'Meta error title, for failed.',
      biz_opaque_callback_data: 'Tag echoed from the send.',
      conversation_id: "Meta's conversation id (billing window).",
      pricing_category: 'Pricing category: marketing, utility, authentication, service.',
      payload: 'The status object as Meta sent it (JSON).',
      received_at: 'When the processor stored it.',
    },
  },
  account_events: {
    about:
      'Account-level webhooks: template status and quality, phone number quality, account updates.',
    columns: {
      id: 'Row id.',
      organization_id: ORG,
      waba_id: 'WhatsApp Business Account id.',
      field: 'Webhook field, e.g. message_template_status_update.',
      event_key: 'Stable identity of the event, so a redelivery is stored once.',
      event: 'Event name in the value (e.g. APPROVED, FLAGGED).',
      value: 'The change value as Meta sent it (JSON).',
      occurred_at: 'Time of the event.',
      received_at: 'When the processor stored it.',
    },
  },
  webhook_events: {
    about:
      'Audit trail: one row per webhook body (per month), with its outcome and the raw bytes for replay; partitioned by received_month.',
    columns: {
      id: 'Row id.',
      body_sha256: 'SHA-256 of the raw body; with received_month, the dedupe key.',
      organization_id: 'Organization it was routed to; null when unrouted or rejected.',
      app_id: 'Meta app the body was signed for.',
      sqs_message_id: 'SQS message that carried it (latest delivery).',
      fields: 'Webhook fields in the body.',
      outcome:
        'processed, unrouted (no organization for its numbers; replayable) or rejected (unparseable).',
      error: 'Why it was unrouted or rejected.',
      item_counts: 'Items found per kind (messages, statuses, …), JSON.',
      raw_body: 'The body exactly as Meta sent it.',
      received_at: 'When the receiver accepted it.',
      first_processed_at: 'First processing.',
      last_processed_at: 'Latest processing (redeliveries, replays).',
      delivery_count: 'Times it was processed.',
      received_month: 'UTC month of received_at; the partition key.',
    },
  },
  agent_configs: {
    about: 'Support bot settings per organization; no row means the defaults.',
    columns: {
      organization_id: ORG,
      kind: 'auto (OpenAI when a key is configured, else rules), rules or openai.',
      instructions: 'System instructions of the OpenAI agent.',
      model: 'OpenAI model.',
      temperature: 'OpenAI sampling temperature.',
      fallback_text: 'Sent when the agent fails.',
      debounce_seconds: 'Wait after a customer message before answering, to answer bursts once.',
      history_turns: 'Messages of the thread given to the agent.',
      allowed_numbers: 'Only these customers get answers; null: everybody.',
      rate_limit_count: 'Messages per window before the bot stops answering a customer.',
      rate_limit_window_seconds: 'Rate limit window.',
      rate_limit_notice: 'Sent once when a customer hits the rate limit.',
      pii_redaction: 'Redact phone numbers, e-mails and card numbers before the model sees them.',
      handoff_keywords: 'Words that hand the conversation to a person.',
      handoff_notice: 'Sent on handoff.',
      rules: 'Rules of the rules agent: keywords or button ids to replies (JSON).',
      default_reply: 'Reply of the rules agent when no rule matches.',
      vector_store_id: 'OpenAI vector store for file search, if any.',
      updated_at: UPDATED,
    },
  },
  knowledge_entries: {
    about: 'Knowledge base the agents search (full text), per organization.',
    columns: {
      id: 'Row id.',
      organization_id: ORG,
      source: 'Where it was imported from (file name or manual).',
      title: 'Entry title.',
      body: 'Entry text.',
      search: 'Full-text search vector of title and body (generated).',
      created_at: CREATED,
    },
  },
  conversations: {
    about: 'Bot state per customer conversation: handoff and rate limit.',
    columns: {
      organization_id: ORG,
      phone_number_id: 'Business number.',
      contact_wa_id: "Customer's WhatsApp id.",
      bot_paused: 'A person has the conversation; the bot stays silent.',
      paused_reason: 'Why the bot was paused (keyword, operator).',
      rate_window_started_at: 'Start of the current rate limit window.',
      rate_window_count: 'Messages in the current window.',
      rate_notice_sent: 'The rate limit notice went out in this window.',
      last_answered_at: 'Latest bot answer.',
      updated_at: UPDATED,
    },
  },
  answer_attempts: {
    about:
      'Bot answer attempts, claimed before sending so a customer message is answered at most once.',
    columns: {
      id: 'Attempt id.',
      organization_id: ORG,
      phone_number_id: 'Business number.',
      contact_wa_id: "Customer's WhatsApp id.",
      state: 'sending, sent, failed or skipped.',
      answers_wamids: 'Inbound messages this attempt answers.',
      reply_wamids: 'Replies sent.',
      agent: 'Agent that answered (rules, openai).',
      error: 'Why it failed or was skipped.',
      created_at: CREATED,
      finished_at: 'When it ended.',
    },
  },
  send_rate_slots: {
    about:
      "Next free send slot per business number, shared by all campaign senders to keep the number's rate.",
    columns: {
      phone_number_id: 'Business number.',
      next_slot_at: 'Earliest time the next message may go out.',
    },
  },
  analyst_bindings: {
    about: 'Analyst login roles and the one organization each may read.',
    columns: {
      role_name: 'Login role (member of waba_analyst).',
      organization_id: 'The only organization the role sees.',
      created_at: CREATED,
    },
  },
  campaign_stats: {
    kind: 'view',
    about: 'Per campaign: recipients targeted and how far they got. delivered counts read too.',
    columns: {
      campaign_id: 'Campaign.',
      organization_id: ORG,
      name: 'Campaign name.',
      template_name: 'Template.',
      template_language: 'Template language.',
      campaign_status: 'Campaign status.',
      started_at: 'First start.',
      completed_at: 'Completion.',
      targeted: 'Recipients in the audience.',
      pending: 'Not sent yet (pending or being sent).',
      accepted: 'Accepted by Meta (have a wamid).',
      sent: 'Reached sent or later.',
      delivered: 'Delivered, read included.',
      read: 'Read.',
      failed: 'Failed.',
      unknown: 'Send outcome lost; not resent automatically.',
    },
  },
  campaign_daily_stats: {
    kind: 'view',
    about: 'Per campaign and UTC day: recipients reaching each status that day.',
    columns: {
      campaign_id: 'Campaign.',
      organization_id: ORG,
      day: 'UTC day.',
      sent: 'Recipients first sent that day.',
      delivered: 'Recipients first delivered that day.',
      read: 'Recipients first read that day.',
      failed: 'Recipients failed that day.',
    },
  },
  campaign_failure_reasons: {
    kind: 'view',
    about: 'Per campaign: failed recipients by Meta error code.',
    columns: {
      campaign_id: 'Campaign.',
      organization_id: ORG,
      error_code: 'Meta error code (null: failed before reaching Meta).',
      error_title: 'Error title.',
      recipients: 'Failed recipients with this code.',
    },
  },
};

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [relation, doc] of Object.entries(DOCS)) {
    const kind = sql.raw(doc.kind === 'view' ? 'view' : 'table');
    await sql`comment on ${kind} ${sql.table(relation)} is ${sql.lit(doc.about)}`.execute(db);
    for (const [column, text] of Object.entries(doc.columns))
      await sql`comment on column ${sql.ref(`${relation}.${column}`)} is ${sql.lit(text)}`.execute(
        db,
      );
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [relation, doc] of Object.entries(DOCS)) {
    const kind = sql.raw(doc.kind === 'view' ? 'view' : 'table');
    await sql`comment on ${kind} ${sql.table(relation)} is null`.execute(db);
    for (const column of Object.keys(doc.columns))
      await sql`comment on column ${sql.ref(`${relation}.${column}`)} is null`.execute(db);
  }
}
