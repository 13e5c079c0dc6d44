import type {
  AccountEventInput,
  ContactInput,
  InboundMessageInput,
  StatusEventInput,
} from '@waba/db';

/** A row waiting for its organization: routed by phone number, else by WABA. */
export type Pending<T, PhoneId = string> = Omit<T, 'organizationId'> & {
  phoneNumberId: PhoneId;
  wabaId: string;
};

export type PendingContact = Pending<ContactInput, string | null>;
export type PendingInbound = Pending<InboundMessageInput>;
export type PendingStatus = Pending<StatusEventInput>;
export type PendingAccountEvent = Pending<AccountEventInput, string | null>;

/** Unix seconds (as Meta sends them) as a date; `fallback` when absent or out of range. */
export function unixToDate<F extends Date | null>(
  value: string | undefined,
  fallback: F,
): Date | F {
  const seconds = Number(value);
  return value !== undefined && Number.isFinite(seconds) && seconds > 0 && seconds < 1e11
    ? new Date(seconds * 1000)
    : fallback;
}

/** zod issues as one line: where in the item, and what is wrong. */
export const describeIssues = (issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>) =>
  issues.map((i) => `${i.path.join('.') || '(item)'}: ${i.message}`).join('; ');
