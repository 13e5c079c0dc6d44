/**
 * Campaign templates are sent with Meta's `template.components` array as the
 * campaign stores it; any string in it may hold `{{column}}` placeholders,
 * filled from the recipient's columns of the audience file.
 */

/** `{{name}}` or `{{1}}`: a placeholder of the campaign's components, a variable of Meta's template texts. */
export const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

function visitStrings(value: unknown, visit: (s: string) => string): unknown {
  if (typeof value === 'string') return visit(value);
  if (Array.isArray(value)) return value.map((v) => visitStrings(v, visit));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, visitStrings(v, visit)] as const),
    );
  return value;
}

/** The placeholder names a components array uses, sorted. */
export function placeholders(components: unknown): string[] {
  const names = new Set<string>();
  visitStrings(components, (s) => {
    for (const m of s.matchAll(PLACEHOLDER)) names.add(m[1]!);
    return s;
  });
  return [...names].sort();
}

/** Components with every placeholder replaced by the recipient's value. */
export function fillComponents(
  components: unknown,
  parameters: Record<string, unknown>,
): unknown[] {
  const filled = visitStrings(components, (s) =>
    s.replace(PLACEHOLDER, (whole, name: string) => {
      const value = parameters[name];
      if (typeof value !== 'string') throw new Error(`no value for {{${name}}}`);
      return value;
    }),
  );
  return Array.isArray(filled) ? filled : [];
}

/**
 * Checks the shape Meta expects: an array of components, each an object with
 * a `type`. Returns the problems, empty when it is usable.
 */
export function checkComponents(components: unknown): string[] {
  if (!Array.isArray(components)) return ['components must be a JSON array'];
  return components.flatMap((c, i) =>
    c !== null && typeof c === 'object' && typeof (c as { type?: unknown }).type === 'string'
      ? []
      : [`component ${i + 1} must be an object with a "type"`],
  );
}
