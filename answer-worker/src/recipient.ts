import { contactById, findContact, type Db } from '@waba/db';
import type { AnswerJob } from '@waba/whatsapp';

/** A job with the customer's current ids: the reply goes to a phone number by `to`, else by `recipient`. */
export interface AddressedJob extends AnswerJob {
  contactId: number;
  to: { waId: string | null; userId: string | null };
}

/**
 * Reads the customer's current phone number and business-scoped user id, so a
 * re-keyed contact is answered at its new address. Undefined when the contact
 * no longer exists (merged into another one, whose own job answers it).
 */
export async function addressJob(db: Db, job: AnswerJob): Promise<AddressedJob | undefined> {
  const contact =
    job.contactId !== undefined
      ? await contactById(db, job.contactId)
      : await findContact(db, job.organizationId, { waId: job.contactWaId ?? null });
  return (
    contact && {
      ...job,
      contactId: contact.id,
      to: { waId: contact.wa_id, userId: contact.user_id },
    }
  );
}
