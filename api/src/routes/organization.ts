import { listPhoneNumbers } from '@waba/db';
import type { ApiApp, ApiDeps } from '../context';
import { iso } from '../pagination';
import { notFound } from '../problem';
import { apiRoute, json, z } from '../route';

export const PhoneNumberSchema = z
  .object({
    phone_number_id: z.string(),
    waba_id: z.string(),
    display_phone_number: z.string().nullable(),
    app_id: z.string().nullable().openapi({
      description: 'The Meta app whose secret signs its webhooks; null: the default app',
    }),
    created_at: z.string().datetime(),
  })
  .openapi('PhoneNumber');

export const OrganizationSchema = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    slug: z.string(),
    created_at: z.string().datetime(),
    phone_numbers: z.array(PhoneNumberSchema),
  })
  .openapi('Organization');

export function presentPhoneNumber(p: {
  phone_number_id: string;
  waba_id: string;
  display_phone_number: string | null;
  app_id: string | null;
  created_at: Date;
}): z.infer<typeof PhoneNumberSchema> {
  return {
    phone_number_id: p.phone_number_id,
    waba_id: p.waba_id,
    display_phone_number: p.display_phone_number,
    app_id: p.app_id,
    created_at: iso(p.created_at),
  };
}

/** `GET /organization`: the organization of the key, with its phone numbers. */
export function registerOrganizationRoutes(app: ApiApp, deps: ApiDeps): void {
  app.openapi(
    apiRoute(deps, {
      method: 'get',
      path: '/api/v1/organization',
      scope: 'read',
      tags: ['Organization'],
      summary: 'The organization of the key',
      responses: { 200: json(OrganizationSchema, 'The organization and its phone numbers') },
    }),
    async (c) => {
      const db = c.get('db');
      // No where clause on purpose: row-level security shows the key's organization only.
      const org = await db
        .selectFrom('organizations')
        .select(['id', 'name', 'slug', 'created_at'])
        .executeTakeFirst();
      if (!org) throw notFound('organization');
      const phones = await listPhoneNumbers(db, org.id);
      return c.json(
        { ...org, created_at: iso(org.created_at), phone_numbers: phones.map(presentPhoneNumber) },
        200,
      );
    },
  );
}
