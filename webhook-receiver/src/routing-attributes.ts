/** What the queue consumer (and an operator browsing the queue) can know without parsing the body. */
export interface RoutingAttributes {
  wabaIds: string[];
  phoneNumberIds: string[];
  fields: string[];
  hasMessages: boolean;
  hasStatuses: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads routing facts from an already JSON-parsed webhook, defensively: the
 * receiver must not fail on shapes the processor will judge later.
 */
export function extractRoutingAttributes(payload: Record<string, unknown>): RoutingAttributes {
  const wabaIds = new Set<string>();
  const phoneNumberIds = new Set<string>();
  const fields = new Set<string>();
  let hasMessages = false;
  let hasStatuses = false;
  const entries = Array.isArray(payload.entry) ? payload.entry : [];
  for (const entry of entries) {
    if (!isRecord(entry)) continue;
    if (typeof entry.id === 'string' || typeof entry.id === 'number') wabaIds.add(String(entry.id));
    for (const change of Array.isArray(entry.changes) ? entry.changes : []) {
      if (!isRecord(change)) continue;
      if (typeof change.field === 'string') fields.add(change.field);
      const value = change.value;
      if (!isRecord(value)) continue;
      const metadata = value.metadata;
      if (isRecord(metadata) && typeof metadata.phone_number_id === 'string') {
        phoneNumberIds.add(metadata.phone_number_id);
      }
      if (Array.isArray(value.messages) && value.messages.length > 0) hasMessages = true;
      if (Array.isArray(value.statuses) && value.statuses.length > 0) hasStatuses = true;
    }
  }
  return {
    wabaIds: [...wabaIds],
    phoneNumberIds: [...phoneNumberIds],
    fields: [...fields],
    hasMessages,
    hasStatuses,
  };
}
