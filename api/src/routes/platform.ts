import { countWebhookEventsByOutcome } from '@waba/db';
import type { ApiApp, ApiDeps } from '../context';
import { apiRoute, json, z } from '../route';

const OutcomeCountSchema = z
  .object({
    outcome: z.string(),
    count: z.number().int(),
    misrouted_items: z.number().int(),
    unknown_field_items: z.number().int(),
  })
  .openapi('WebhookOutcomeCount');

/** Operator routes (platform key): the figures `webhooks stats` prints. */
export function registerPlatformRoutes(app: ApiApp, deps: ApiDeps): void {
  app.openapi(
    apiRoute(deps, {
      method: 'get',
      path: '/api/v1/webhook-events/stats',
      scope: 'platform',
      tags: ['Platform'],
      summary: 'Stored webhooks per outcome (webhooks stats)',
      responses: {
        200: json(z.object({ data: z.array(OutcomeCountSchema) }), 'Counts per outcome'),
      },
    }),
    async (c) => {
      const rows = await countWebhookEventsByOutcome(c.get('db'));
      return c.json(
        {
          data: rows.map((r) => ({
            outcome: r.outcome,
            count: Number(r.count),
            misrouted_items: r.misroutedItems,
            unknown_field_items: r.unknownFieldItems,
          })),
        },
        200,
      );
    },
  );
}
