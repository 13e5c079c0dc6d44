import { SendMessageCommand } from '@aws-sdk/client-sqs';
import {
  campaignRecipients,
  campaignReport,
  CampaignError,
  changeCampaignStatus,
  createCampaign,
  getCampaign,
  importAudience,
  listCampaigns,
  requeueUnknown,
  retryFailedRecipients,
  setRetryMarketingLimit,
  type CampaignAction,
  type CampaignAudienceRow,
  type CampaignRow,
  type Db,
} from '@waba/db';
import {
  checkCampaignTemplate,
  checkComponents,
  parseAudienceCsv,
  placeholders,
  recipientsCsv,
} from '@waba/campaign-sender';
import { RETRYABLE_FAILURE_CODES, campaignRefusal } from '@waba/whatsapp';
import type { ApiApp, ApiDeps } from '../context';
import { decodeCursor, iso, PageQuery, pageOf, toPage } from '../pagination';
import { ApiProblem, invalid, notFound, PROBLEM_CONTENT_TYPE, ProblemSchema } from '../problem';
import { apiRoute, json, z } from '../route';

const Id = z.object({ id: z.string().uuid().openapi({ description: 'The campaign id' }) });

export const CampaignSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    status: z.string(),
    phone_number_id: z.string().nullable(),
    template_name: z.string().nullable(),
    template_language: z.string().nullable(),
    template_category: z.string().nullable(),
    template_components: z.array(z.unknown()),
    rate_per_second: z.number().nullable(),
    retry_marketing_limit: z.boolean(),
    last_error: z.string().nullable(),
    audience_columns: z.array(z.string()).openapi({
      description: 'The columns the audience CSV needs: wa_id and one per {{placeholder}}',
    }),
    started_at: z.string().datetime().nullable(),
    paused_at: z.string().datetime().nullable(),
    completed_at: z.string().datetime().nullable(),
    cancelled_at: z.string().datetime().nullable(),
    created_at: z.string().datetime(),
    updated_at: z.string().datetime(),
  })
  .openapi('Campaign');

const StatsSchema = z
  .object({
    campaign_id: z.string().uuid(),
    name: z.string(),
    status: z.string(),
    template_name: z.string().nullable(),
    template_language: z.string().nullable(),
    started_at: z.string().datetime().nullable(),
    completed_at: z.string().datetime().nullable(),
    targeted: z.number().int(),
    pending: z.number().int(),
    accepted: z.number().int(),
    sent: z.number().int(),
    delivered: z.number().int(),
    read: z.number().int(),
    failed: z.number().int(),
    unknown: z.number().int(),
    suppressed: z.number().int(),
    limit_deferred: z.number().int(),
    skipped: z.number().int(),
  })
  .openapi('CampaignStats');

const RecipientSchema = z
  .object({
    line: z.number().int().nullable(),
    wa_id: z.string(),
    status: z.string(),
    wamid: z.string().nullable(),
    parameters: z.record(z.string(), z.unknown()),
    accepted_at: z.string().datetime().nullable(),
    sent_at: z.string().datetime().nullable(),
    delivered_at: z.string().datetime().nullable(),
    read_at: z.string().datetime().nullable(),
    failed_at: z.string().datetime().nullable(),
    error_code: z.number().int().nullable(),
    error_title: z.string().nullable(),
    attempts: z.number().int(),
    source: z.string(),
    next_attempt_at: z.string().datetime().nullable(),
  })
  .openapi('CampaignRecipient');

const CreateSchema = z
  .object({
    name: z.string().min(1).max(200),
    template_name: z.string().min(1).max(512),
    template_language: z.string().min(1).max(20),
    components: z
      .array(z.unknown())
      .default([])
      .openapi({ description: "Meta's template components; strings may use {{column}}" }),
    phone_number_id: z.string().min(1).optional(),
    rate_per_second: z.number().positive().max(1000).optional(),
    category: z.enum(['MARKETING', 'UTILITY', 'AUTHENTICATION']).optional(),
    retry_marketing_limit: z.boolean().default(false),
  })
  .openapi('NewCampaign');

function presentCampaign(c: CampaignRow): z.infer<typeof CampaignSchema> {
  const components = Array.isArray(c.template_components) ? c.template_components : [];
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    phone_number_id: c.phone_number_id,
    template_name: c.template_name,
    template_language: c.template_language,
    template_category: c.template_category,
    template_components: components,
    rate_per_second: c.rate_per_second === null ? null : Number(c.rate_per_second),
    retry_marketing_limit: c.retry_marketing_limit,
    last_error: c.last_error,
    audience_columns: ['wa_id', ...placeholders(components)],
    started_at: iso(c.started_at),
    paused_at: iso(c.paused_at),
    completed_at: iso(c.completed_at),
    cancelled_at: iso(c.cancelled_at),
    created_at: iso(c.created_at),
    updated_at: iso(c.updated_at),
  };
}

function presentStats(s: CampaignStatsView): z.infer<typeof StatsSchema> {
  const n = (v: number) => Number(v);
  return {
    campaign_id: s.campaign_id,
    name: s.name,
    status: s.campaign_status,
    template_name: s.template_name,
    template_language: s.template_language,
    started_at: iso(s.started_at),
    completed_at: iso(s.completed_at),
    targeted: n(s.targeted),
    pending: n(s.pending),
    accepted: n(s.accepted),
    sent: n(s.sent),
    delivered: n(s.delivered),
    read: n(s.read),
    failed: n(s.failed),
    unknown: n(s.unknown),
    suppressed: n(s.suppressed),
    limit_deferred: n(s.limit_deferred),
    skipped: n(s.skipped),
  };
}

function presentRecipient(r: CampaignAudienceRow): z.infer<typeof RecipientSchema> {
  return {
    line: r.line_number,
    wa_id: r.wa_id,
    status: r.status,
    wamid: r.wamid,
    parameters: (r.parameters ?? {}) as Record<string, unknown>,
    accepted_at: iso(r.accepted_at),
    sent_at: iso(r.sent_at),
    delivered_at: iso(r.delivered_at),
    read_at: iso(r.read_at),
    failed_at: iso(r.failed_at),
    error_code: r.error_code,
    error_title: r.error_title ?? r.last_error,
    attempts: r.attempts,
    source: r.source,
    next_attempt_at: iso(r.next_attempt_at),
  };
}

/** The campaign of the key's organization; another organization's is not found. */
async function ownCampaign(db: Db, organizationId: string | null, id: string) {
  const campaign = await getCampaign(db, id);
  if (!campaign || campaign.organization_id !== organizationId) throw notFound('campaign');
  return campaign;
}

/** The campaign queue, or a 503 before anything changes. */
function campaignQueue(deps: ApiDeps): { url: string; send: (id: string) => Promise<void> } {
  const url = deps.queues?.campaign?.url;
  const sqs = deps.sqs;
  if (!url || !sqs) throw new ApiProblem(503, 'no campaign queue is configured');
  return {
    url,
    // The same message the CLI sends to start a campaign's chain of slices.
    send: async (campaignId) => {
      await sqs.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify({ campaignId }) }),
      );
    },
  };
}

type CampaignStatsView = Awaited<ReturnType<typeof listCampaigns>>[number];

export function registerCampaignRoutes(app: ApiApp, deps: ApiDeps): void {
  app.openapi(
    apiRoute(deps, {
      method: 'get',
      path: '/api/v1/campaigns',
      scope: 'read',
      tags: ['Campaigns'],
      summary: 'The campaigns of the organization, with their totals',
      request: { query: PageQuery },
      responses: { 200: json(pageOf(StatsSchema, 'CampaignPage'), 'A page of campaigns') },
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const after = cursor === undefined ? undefined : String(decodeCursor(cursor, 1)[0]);
      const rows = await listCampaigns(c.get('db'), c.get('principal').organizationId!);
      // listCampaigns orders by campaign id: the cursor is the last id of the page.
      const rest = after === undefined ? rows : rows.filter((r) => r.campaign_id > after);
      return c.json(
        toPage(rest.slice(0, limit + 1), limit, (r) => [r.campaign_id], presentStats),
        200,
      );
    },
  );

  app.openapi(
    apiRoute(deps, {
      method: 'post',
      path: '/api/v1/campaigns',
      scope: 'write',
      tags: ['Campaigns'],
      summary: 'Create a campaign (draft) over a synced, approved template',
      request: { body: { content: { 'application/json': { schema: CreateSchema } } } },
      responses: { 201: json(CampaignSchema, 'The campaign, in draft') },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const db = c.get('db');
      const organizationId = c.get('principal').organizationId!;
      const problems = checkComponents(body.components);
      if (problems.length)
        throw invalid(problems.map((message) => ({ field: 'body.components', message })));
      const org = await db
        .selectFrom('organizations')
        .select('slug')
        .where('id', '=', organizationId)
        .executeTakeFirstOrThrow();
      let template;
      try {
        template = await checkCampaignTemplate(db, {
          organizationId,
          organizationLabel: org.slug,
          name: body.template_name,
          language: body.template_language,
          components: body.components,
        });
      } catch (error) {
        if (error instanceof CampaignError) throw new ApiProblem(409, error.message);
        throw error;
      }
      if (
        body.category !== undefined &&
        template.category !== null &&
        body.category !== template.category.toUpperCase()
      )
        throw invalid([
          { field: 'body.category', message: `the template's category is ${template.category}` },
        ]);
      let campaign: CampaignRow;
      try {
        campaign = await createCampaign(db, {
          organizationId,
          name: body.name,
          templateName: body.template_name,
          templateLanguage: body.template_language,
          templateId: template.template_id,
          templateCategory: template.category ?? body.category ?? null,
          templateComponents: body.components,
          ...(body.phone_number_id === undefined ? {} : { phoneNumberId: body.phone_number_id }),
          ratePerSecond: body.rate_per_second ?? null,
        });
      } catch (error) {
        if (error instanceof CampaignError)
          throw invalid([{ field: 'body.phone_number_id', message: error.message }]);
        throw error;
      }
      if (body.retry_marketing_limit) {
        await setRetryMarketingLimit(db, campaign.id, true);
        campaign = (await getCampaign(db, campaign.id))!;
      }
      return c.json(presentCampaign(campaign), 201);
    },
  );

  app.openapi(
    apiRoute(deps, {
      method: 'get',
      path: '/api/v1/campaigns/{id}',
      scope: 'read',
      tags: ['Campaigns'],
      summary: 'A campaign',
      request: { params: Id },
      responses: { 200: json(CampaignSchema, 'The campaign') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const campaign = await ownCampaign(c.get('db'), c.get('principal').organizationId, id);
      return c.json(presentCampaign(campaign), 200);
    },
  );

  const ImportSchema = z
    .object({ inserted: z.number().int(), already_present: z.number().int() })
    .openapi('AudienceImport');
  for (const method of ['put', 'post'] as const)
    app.openapi(
      apiRoute(deps, {
        method,
        path: '/api/v1/campaigns/{id}/audience',
        scope: 'write',
        tags: ['Campaigns'],
        summary: 'Import the audience (CSV: wa_id and one column per placeholder); all or nothing',
        request: {
          params: Id,
          body: { content: { 'text/csv': { schema: z.string() } }, required: true },
        },
        responses: { 200: json(ImportSchema, 'Recipients added, and those already present') },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const db = c.get('db');
        const campaign = await ownCampaign(db, c.get('principal').organizationId, id);
        const text = await c.req.text();
        const parsed = parseAudienceCsv(text, placeholders(campaign.template_components));
        if (parsed.errors.length > 0)
          throw invalid(
            parsed.errors.map((e) => ({ field: `body.line[${e.line}]`, message: e.message })),
          );
        try {
          const result = await importAudience(db, id, parsed.recipients);
          return c.json({ inserted: result.inserted, already_present: result.alreadyPresent }, 200);
        } catch (error) {
          if (error instanceof CampaignError) throw new ApiProblem(409, error.message);
          throw error;
        }
      },
    );

  for (const action of ['start', 'pause', 'resume', 'cancel'] as const)
    app.openapi(
      apiRoute(deps, {
        method: 'post',
        path: `/api/v1/campaigns/{id}/${action}`,
        scope: 'write',
        tags: ['Campaigns'],
        summary: `${action[0]!.toUpperCase()}${action.slice(1)} the campaign`,
        request: { params: Id },
        responses: {
          200: json(CampaignSchema, 'The campaign after the change'),
          503: {
            description: 'No campaign queue is configured',
            content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
          },
        },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const db = c.get('db');
        await ownCampaign(db, c.get('principal').organizationId, id);
        const queue = action === 'start' || action === 'resume' ? campaignQueue(deps) : undefined;
        let campaign: CampaignRow;
        try {
          campaign = await changeCampaignStatus(db, id, action as CampaignAction);
        } catch (error) {
          if (error instanceof CampaignError) throw new ApiProblem(409, error.message);
          throw error;
        }
        if (campaign.status === 'sending') await (queue ?? campaignQueue(deps)).send(id);
        return c.json(presentCampaign(campaign), 200);
      },
    );

  const RetrySchema = z
    .object({
      requeued: z.number().int(),
      waiting: z.number().int(),
      waiting_until: z.string().datetime().nullable(),
      campaign_status: z.string(),
      codes: z.array(z.number().int()),
    })
    .openapi('CampaignRetry');
  app.openapi(
    apiRoute(deps, {
      method: 'post',
      path: '/api/v1/campaigns/{id}/retry-failed',
      scope: 'write',
      tags: ['Campaigns'],
      summary: 'Resend recipients whose failure can succeed now',
      request: {
        params: Id,
        body: {
          content: {
            'application/json': {
              schema: z.object({ codes: z.array(z.number().int().positive()).min(1).optional() }),
            },
          },
          required: false,
        },
      },
      responses: { 200: json(RetrySchema, 'Recipients back in the queue') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const db = c.get('db');
      await ownCampaign(db, c.get('principal').organizationId, id);
      const given = (c.req.valid('json') as { codes?: number[] } | undefined)?.codes;
      const codes = given ?? [...RETRYABLE_FAILURE_CODES];
      for (const [at, code] of codes.entries()) {
        const refusal = campaignRefusal(code);
        if (refusal.retry === 'never')
          throw invalid([
            {
              field: `body.codes[${at}]`,
              message: `${code} cannot succeed by resending (${refusal.handling})`,
            },
          ]);
      }
      let result;
      try {
        result = await retryFailedRecipients(db, id, codes);
      } catch (error) {
        if (error instanceof CampaignError) throw new ApiProblem(409, error.message);
        throw error;
      }
      if (result.requeued > 0 && result.campaignStatus === 'sending')
        await campaignQueue(deps).send(id);
      return c.json(
        {
          requeued: result.requeued,
          waiting: result.waiting,
          waiting_until: iso(result.waitingUntil),
          campaign_status: result.campaignStatus,
          codes,
        },
        200,
      );
    },
  );

  app.openapi(
    apiRoute(deps, {
      method: 'post',
      path: '/api/v1/campaigns/{id}/requeue-unknown',
      scope: 'write',
      tags: ['Campaigns'],
      summary: 'Resend recipients whose send outcome was lost (may duplicate)',
      request: { params: Id },
      responses: {
        200: json(z.object({ requeued: z.number().int() }), 'Recipients back in the queue'),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const db = c.get('db');
      await ownCampaign(db, c.get('principal').organizationId, id);
      return c.json({ requeued: await requeueUnknown(db, id) }, 200);
    },
  );

  app.openapi(
    apiRoute(deps, {
      method: 'get',
      path: '/api/v1/campaigns/{id}/stats',
      scope: 'read',
      tags: ['Campaigns'],
      summary: "The campaign's totals",
      request: { params: Id },
      responses: { 200: json(StatsSchema, 'Totals per recipient status') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const db = c.get('db');
      await ownCampaign(db, c.get('principal').organizationId, id);
      return c.json(presentStats((await campaignReport(db, id)).stats), 200);
    },
  );

  const DailySchema = z
    .object({
      day: z.string(),
      sent: z.number().int(),
      delivered: z.number().int(),
      read: z.number().int(),
      failed: z.number().int(),
    })
    .openapi('CampaignDay');
  app.openapi(
    apiRoute(deps, {
      method: 'get',
      path: '/api/v1/campaigns/{id}/daily',
      scope: 'read',
      tags: ['Campaigns'],
      summary: 'Statuses per UTC day',
      request: { params: Id },
      responses: { 200: json(z.object({ data: z.array(DailySchema) }), 'Per day') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const db = c.get('db');
      await ownCampaign(db, c.get('principal').organizationId, id);
      const { daily } = await campaignReport(db, id);
      return c.json(
        {
          data: daily.map((d) => ({
            day: d.day.toISOString().slice(0, 10),
            sent: Number(d.sent),
            delivered: Number(d.delivered),
            read: Number(d.read),
            failed: Number(d.failed),
          })),
        },
        200,
      );
    },
  );

  const FailureSchema = z
    .object({
      error_code: z.number().int().nullable(),
      error_title: z.string().nullable(),
      recipients: z.number().int(),
    })
    .openapi('CampaignFailureReason');
  const OutcomeSchema = z
    .object({
      status: z.string(),
      error_code: z.number().int().nullable(),
      reason: z.string().nullable(),
      recipients: z.number().int(),
      next_attempt_at: z.string().datetime().nullable(),
    })
    .openapi('CampaignOutcome');
  app.openapi(
    apiRoute(deps, {
      method: 'get',
      path: '/api/v1/campaigns/{id}/failure-reasons',
      scope: 'read',
      tags: ['Campaigns'],
      summary: 'Failed recipients per error code, and recipients not sent by reason',
      request: { params: Id },
      responses: {
        200: json(
          z.object({ data: z.array(FailureSchema), outcomes: z.array(OutcomeSchema) }),
          'Failures and outcomes',
        ),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const db = c.get('db');
      await ownCampaign(db, c.get('principal').organizationId, id);
      const { failures, outcomes } = await campaignReport(db, id);
      return c.json(
        {
          data: failures.map((f) => ({
            error_code: f.error_code,
            error_title: f.error_title,
            recipients: Number(f.recipients),
          })),
          outcomes: outcomes.map((o) => ({
            status: o.status,
            error_code: o.error_code,
            reason: o.reason,
            recipients: Number(o.recipients),
            next_attempt_at: iso(o.next_attempt_at),
          })),
        },
        200,
      );
    },
  );

  const SpendSchema = z
    .object({
      charged: z.number().int(),
      free: z.number().int(),
      unpriced: z.number().int(),
      estimated_cost: z.string().nullable(),
      currency: z.string().nullable(),
    })
    .openapi('CampaignSpend');
  app.openapi(
    apiRoute(deps, {
      method: 'get',
      path: '/api/v1/campaigns/{id}/spend',
      scope: 'read',
      tags: ['Campaigns'],
      summary: 'Estimated spend (zeros until a status carried pricing)',
      request: { params: Id },
      responses: { 200: json(SpendSchema, 'Estimated spend') },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const db = c.get('db');
      await ownCampaign(db, c.get('principal').organizationId, id);
      const { spend } = await campaignReport(db, id);
      return c.json(
        {
          charged: Number(spend?.charged ?? 0),
          free: Number(spend?.free ?? 0),
          unpriced: Number(spend?.unpriced ?? 0),
          estimated_cost: spend?.estimated_cost == null ? null : String(spend.estimated_cost),
          currency: spend?.currency ?? null,
        },
        200,
      );
    },
  );

  const RecipientQuery = PageQuery.extend({ status: z.string().max(40).optional() });
  app.openapi(
    apiRoute(deps, {
      method: 'get',
      path: '/api/v1/campaigns/{id}/recipients',
      scope: 'read',
      tags: ['Campaigns'],
      summary: 'Per-recipient drill-down in import order',
      request: { params: Id, query: RecipientQuery },
      responses: {
        200: json(pageOf(RecipientSchema, 'CampaignRecipientPage'), 'A page of recipients'),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { limit, cursor, status } = c.req.valid('query');
      const db = c.get('db');
      await ownCampaign(db, c.get('principal').organizationId, id);
      const rows = await campaignRecipients(db, id, status === undefined ? {} : { status });
      // The repository's order (line, then wa_id): the cursor is the position after the last row's key.
      let start = 0;
      if (cursor !== undefined) {
        const [line, waId] = decodeCursor(cursor, 2);
        const at = rows.findIndex((r) => r.line_number === line && r.wa_id === waId);
        start = at + 1;
      }
      return c.json(
        toPage(
          rows.slice(start, start + limit + 1),
          limit,
          (r) => [r.line_number, r.wa_id],
          presentRecipient,
        ),
        200,
      );
    },
  );

  app.openapi(
    apiRoute(deps, {
      method: 'get',
      path: '/api/v1/campaigns/{id}/recipients.csv',
      scope: 'read',
      tags: ['Campaigns'],
      summary: 'Every recipient as CSV (the columns of the CLI export)',
      request: { params: Id, query: z.object({ status: z.string().max(40).optional() }) },
      responses: {
        200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } },
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { status } = c.req.valid('query');
      const db = c.get('db');
      await ownCampaign(db, c.get('principal').organizationId, id);
      const rows = await campaignRecipients(db, id, status === undefined ? {} : { status });
      const csv = recipientsCsv(rows);
      return c.body(csv, 200, { 'content-type': 'text/csv; charset=utf-8' });
    },
  );
}
