import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database';
import { ConflictError } from './errors';
import type { OrganizationRow, OrganizationSettings, PhoneNumberRow } from './organization.table';

type Executor = Kysely<Database> | Transaction<Database>;

export interface PhoneNumberInput {
  phoneNumberId: string;
  wabaId: string;
  displayPhoneNumber?: string | null;
  appId?: string | null;
}

export interface OrganizationInput {
  name: string;
  slug: string;
  settings?: OrganizationSettings;
  phoneNumbers?: PhoneNumberInput[];
}

/**
 * Creates an organization, or updates the name of the one with that slug, and
 * attaches its phone numbers. A phone number already owned by another
 * organization is a conflict: one number routes to exactly one tenant.
 */
export async function upsertOrganization(
  db: Executor,
  input: OrganizationInput,
): Promise<OrganizationRow & { phoneNumbers: PhoneNumberRow[] }> {
  const org = await db
    .insertInto('organizations')
    .values({ name: input.name, slug: input.slug, settings: input.settings ?? {} })
    .onConflict((oc) =>
      oc.column('slug').doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        updated_at: new Date(),
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  for (const phone of input.phoneNumbers ?? []) await addPhoneNumber(db, org.id, phone);
  return { ...org, phoneNumbers: await listPhoneNumbers(db, org.id) };
}

export async function addPhoneNumber(
  db: Executor,
  organizationId: string,
  phone: PhoneNumberInput,
): Promise<PhoneNumberRow> {
  const row = await db
    .insertInto('phone_numbers')
    .values({
      phone_number_id: phone.phoneNumberId,
      organization_id: organizationId,
      waba_id: phone.wabaId,
      display_phone_number: phone.displayPhoneNumber ?? null,
      app_id: phone.appId ?? null,
    })
    .onConflict((oc) =>
      oc
        .column('phone_number_id')
        .doUpdateSet((eb) => ({
          waba_id: eb.ref('excluded.waba_id'),
          display_phone_number: eb.fn.coalesce(
            'excluded.display_phone_number',
            'phone_numbers.display_phone_number',
          ),
          app_id: eb.fn.coalesce('excluded.app_id', 'phone_numbers.app_id'),
        }))
        .where('phone_numbers.organization_id', '=', organizationId),
    )
    .returningAll()
    .executeTakeFirst();
  if (!row) {
    throw new ConflictError(
      `phone number ${phone.phoneNumberId} already belongs to another organization`,
    );
  }
  return row;
}

export function listPhoneNumbers(db: Executor, organizationId: string): Promise<PhoneNumberRow[]> {
  return db
    .selectFrom('phone_numbers')
    .selectAll()
    .where('organization_id', '=', organizationId)
    .orderBy('phone_number_id')
    .execute();
}

export async function listOrganizations(
  db: Executor,
): Promise<Array<OrganizationRow & { phoneNumbers: PhoneNumberRow[] }>> {
  const orgs = await db.selectFrom('organizations').selectAll().orderBy('created_at').execute();
  const phones = await db
    .selectFrom('phone_numbers')
    .selectAll()
    .orderBy('phone_number_id')
    .execute();
  return orgs.map((org) => ({
    ...org,
    phoneNumbers: phones.filter((p) => p.organization_id === org.id),
  }));
}

export function findOrganizationBySlug(
  db: Executor,
  slug: string,
): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst();
}

/** Who owns a phone number, and which Meta app its webhooks must be signed by. */
export interface NumberRoute {
  organizationId: string;
  /** null: none recorded (the router decides what that means). */
  appId: string | null;
}

/** Who owns a WABA, and the apps its numbers are bound to. */
export interface WabaRoute {
  organizationId: string;
  appIds: Array<string | null>;
}

export interface Routes {
  byPhoneNumberId: Map<string, NumberRoute>;
  byWabaId: Map<string, WabaRoute>;
}

/** Which organization owns each phone_number_id and WABA id, with their apps (one query). */
export async function findRoutes(
  db: Executor,
  phoneNumberIds: readonly string[],
  wabaIds: readonly string[],
): Promise<Routes> {
  const byPhoneNumberId = new Map<string, NumberRoute>();
  const byWabaId = new Map<string, WabaRoute>();
  if (phoneNumberIds.length === 0 && wabaIds.length === 0) return { byPhoneNumberId, byWabaId };
  const rows = await db
    .selectFrom('phone_numbers')
    .select(['phone_number_id', 'waba_id', 'organization_id', 'app_id'])
    .where((eb) =>
      eb.or([
        eb('phone_number_id', '=', eb.fn.any(eb.val([...phoneNumberIds]))),
        eb('waba_id', '=', eb.fn.any(eb.val([...wabaIds]))),
      ]),
    )
    .orderBy('phone_number_id')
    .execute();
  for (const row of rows) {
    byPhoneNumberId.set(row.phone_number_id, {
      organizationId: row.organization_id,
      appId: row.app_id,
    });
    const waba = byWabaId.get(row.waba_id);
    if (waba?.organizationId === row.organization_id) waba.appIds.push(row.app_id);
    else byWabaId.set(row.waba_id, { organizationId: row.organization_id, appIds: [row.app_id] });
  }
  return { byPhoneNumberId, byWabaId };
}
