// Business-scoped user ids look like US.13491208655302741918 (country code, dot, digits),
// parent ids like US.ENT.11815799212886844830.
const BSUID = /^[A-Z]{2}\.(?:ENT\.)?\d+$/;

/** Whether an address is a business-scoped user id (BSUID) rather than a phone number. */
export function isBusinessScopedUserId(address: string): boolean {
  return BSUID.test(address);
}
