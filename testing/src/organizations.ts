import { updateAgentConfig, upsertOrganization, type Db } from '@waba/db';
import type { AnswerJob } from '@waba/whatsapp';
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

/**
 * Registers an organization with one phone number whose bot answers at once
 * (no debounce), as the answer tests need; returns its id.
 */
export async function registerAnsweringOrganization(
  db: Db,
  phone: { phoneNumberId: string; wabaId: string },
  names: { name: string; slug: string } = { name: 'Acme', slug: 'acme' },
): Promise<string> {
  const org = await upsertOrganization(db, { ...names, phoneNumbers: [phone] });
  await updateAgentConfig(db, org.id, { debounce_seconds: 0 });
  return org.id;
}

/** An answer job for one contact of an organization's phone number, enqueued now. */
export const answerJob = (
  organizationId: string,
  phoneNumberId: string,
  contactWaId: string,
): AnswerJob => ({
  organizationId,
  phoneNumberId,
  contactWaId,
  enqueuedAt: new Date().toISOString(),
});
