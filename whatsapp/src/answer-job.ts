/**
 * The contract between the processor and the answer worker: one job per
 * conversation that received customer messages. The worker answers every
 * unanswered customer message of the conversation, so duplicate jobs are
 * harmless.
 */
export interface AnswerJob {
  organizationId: string;
  phoneNumberId: string;
  /** The customer (contacts.id); the worker reads its current phone number or user id to reply. */
  contactId?: number;
  /** Jobs enqueued before contacts had ids name the customer by phone number instead. */
  contactWaId?: string;
  /** When the processor committed the customer messages (ISO 8601). */
  enqueuedAt: string;
}
