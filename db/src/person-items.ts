/** One item of a JSON document that names a person, with where it was. */
export interface PersonItem {
  path: string;
  item: unknown;
}

/** Which changes of a webhook body belong to the organization (its numbers, else its WABAs). */
export interface BodyScope {
  phoneNumberIds: ReadonlySet<string>;
  wabaIds: ReadonlySet<string>;
}

/**
 * Whether a string leaf reachable without crossing an array equals a mark:
 * a message's `from`, a status's `recipient_id`, a contacts entry's `wa_id`.
 * Arrays are items of their own, judged one by one.
 */
function namesDirectly(node: unknown, marks: ReadonlySet<string>): boolean {
  if (typeof node === 'string') return marks.has(node);
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return false;
  return Object.values(node).some((v) => namesDirectly(v, marks));
}

/** `node` without the array items naming a mark (deepest first); the removed items go to `removed`. */
function prune(node: unknown, path: string, marks: ReadonlySet<string>, removed: PersonItem[]) {
  if (Array.isArray(node)) {
    const kept: unknown[] = [];
    node.forEach((el, i) => {
      const itemPath = `${path}[${i}]`;
      const pruned: unknown = prune(el, itemPath, marks, removed);
      if (namesDirectly(pruned, marks)) removed.push({ path: itemPath, item: el });
      else kept.push(pruned);
    });
    return kept;
  }
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = prune(v, `${path}.${k}`, marks, removed);
  return out;
}

/**
 * Splits a JSON value into what stays and the person's items: every array
 * item (messages, statuses, contacts, history threads, …) that names one of
 * `marks` (identifiers, wamids) is taken out; `named` says whether the value
 * itself still names the person outside any array.
 */
export function splitPersonItems(
  value: unknown,
  marks: ReadonlySet<string>,
  path = '$',
): { kept: unknown; removed: PersonItem[]; named: boolean } {
  const removed: PersonItem[] = [];
  const kept = prune(value, path, marks, removed);
  return { kept, removed, named: namesDirectly(kept, marks) };
}

interface BodyShape {
  entry?: { id?: unknown; changes?: { value?: { metadata?: { phone_number_id?: unknown } } }[] }[];
}

function inScope(entryId: unknown, phoneNumberId: unknown, scope?: BodyScope): boolean {
  if (!scope) return true;
  if (typeof phoneNumberId === 'string') return scope.phoneNumberIds.has(phoneNumberId);
  return typeof entryId === 'string' && scope.wabaIds.has(entryId);
}

/**
 * The person's items of a webhook body, only in the changes `scope` names
 * (all when none): the other organizations' entries in a shared body stay
 * as they are. A change that still names the person once its items are out
 * goes whole.
 */
export function splitWebhookBody(
  body: unknown,
  marks: ReadonlySet<string>,
  scope?: BodyScope,
): { kept: unknown; removed: PersonItem[] } {
  const removed: PersonItem[] = [];
  const shape = body as BodyShape;
  if (!Array.isArray(shape?.entry)) {
    const whole = splitPersonItems(body, marks);
    return whole.named ? { kept: {}, removed: [{ path: '$', item: body }] } : whole;
  }
  const entry = shape.entry.map((e, i) => {
    if (!Array.isArray(e?.changes)) return e;
    const changes = e.changes.flatMap((c, j) => {
      if (!inScope(e.id, c?.value?.metadata?.phone_number_id, scope)) return [c];
      const path = `$.entry[${i}].changes[${j}]`;
      const split = splitPersonItems(c, marks, path);
      if (split.named) {
        removed.push({ path, item: c });
        return [];
      }
      removed.push(...split.removed);
      return [split.kept];
    });
    return { ...e, changes };
  });
  return { kept: { ...(body as object), entry }, removed };
}
