import { upsertOrganization, type Db } from '@waba/db';
import { DEFAULT_PHONE_NUMBER_ID, DEFAULT_WABA_ID } from '@waba/whatsapp/testing';

/** Registers the organization that owns the builders' default phone number and WABA. */
export async function registerDefaultOrganization(db: Db, slug = 'acme'): Promise<string> {
  const org = await upsertOrganization(db, {
    name: 'Acme',
    slug,
    phoneNumbers: [{ phoneNumberId: DEFAULT_PHONE_NUMBER_ID, wabaId: DEFAULT_WABA_ID }],
  });
  return org.id;
}
