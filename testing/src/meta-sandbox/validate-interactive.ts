/**
 * Limits Meta enforces on interactive messages. Lengths are counted in
 * characters (code points), not UTF-16 units, so an emoji counts once.
 * Returns the `error_data.details` text for the first violation, or undefined.
 */

type Json = Record<string, unknown>;

const BODY_MAX = 1024;
const HEADER_FOOTER_MAX = 60;
const BUTTONS_MAX = 3;
const BUTTON_TITLE_MAX = 20;
const BUTTON_ID_MAX = 256;
const SECTIONS_MAX = 10;
// Meta caps rows across all sections together, not per section.
const ROWS_MAX = 10;
const SECTION_TITLE_MAX = 24;
const ROW_TITLE_MAX = 24;
const ROW_DESCRIPTION_MAX = 72;
const ROW_ID_MAX = 200;
const LIST_BUTTON_MAX = 20;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function charLength(value: string): number {
  return [...value].length;
}

/** `undefined` when `value` is a string of 1..max characters, else the details text. */
export function checkText(value: unknown, param: string, max: number): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return `Param ${param} is required.`;
  if (charLength(value) > max) return `Param ${param} must be at most ${max} characters long.`;
  return undefined;
}

function checkOptionalText(value: unknown, param: string, max: number): string | undefined {
  return value === undefined ? undefined : checkText(value, param, max);
}

export function validateInteractive(interactive: Json): string | undefined {
  const body = interactive.body;
  const header = isObject(interactive.header) ? interactive.header : undefined;
  const footer = isObject(interactive.footer) ? interactive.footer : undefined;
  const common =
    (isObject(body) ? checkText(body.text, "interactive['body']['text']", BODY_MAX) : undefined) ??
    (header?.type === 'text'
      ? checkText(header.text, "interactive['header']['text']", HEADER_FOOTER_MAX)
      : undefined) ??
    checkOptionalText(footer?.text, "interactive['footer']['text']", HEADER_FOOTER_MAX);
  if (common) return common;

  const action = isObject(interactive.action) ? interactive.action : undefined;
  if (interactive.type === 'button') return validateButtons(body, action);
  if (interactive.type === 'list') return validateList(body, action);
  return undefined;
}

function validateButtons(body: unknown, action: Json | undefined): string | undefined {
  if (!isObject(body)) return "Param interactive['body'] is required.";
  const buttons = action?.buttons;
  if (!Array.isArray(buttons) || buttons.length === 0 || buttons.length > BUTTONS_MAX) {
    return `Param interactive['action']['buttons'] must contain 1 to ${BUTTONS_MAX} buttons.`;
  }
  const ids = new Set<unknown>();
  for (const [i, button] of buttons.entries()) {
    const reply = isObject(button) && isObject(button.reply) ? button.reply : undefined;
    const param = `interactive['action']['buttons'][${i}]['reply']`;
    if (!reply || (isObject(button) && button.type !== 'reply')) {
      return `Param interactive['action']['buttons'][${i}] must be of type reply with a reply object.`;
    }
    const problem =
      checkText(reply.id, `${param}['id']`, BUTTON_ID_MAX) ??
      checkText(reply.title, `${param}['title']`, BUTTON_TITLE_MAX);
    if (problem) return problem;
    if (ids.has(reply.id)) return 'Button ids must be unique.';
    ids.add(reply.id);
  }
  return undefined;
}

function validateList(body: unknown, action: Json | undefined): string | undefined {
  if (!isObject(body)) return "Param interactive['body'] is required.";
  const buttonProblem = checkText(
    action?.button,
    "interactive['action']['button']",
    LIST_BUTTON_MAX,
  );
  if (buttonProblem) return buttonProblem;
  const sections = action?.sections;
  if (!Array.isArray(sections) || sections.length === 0 || sections.length > SECTIONS_MAX) {
    return `Param interactive['action']['sections'] must contain 1 to ${SECTIONS_MAX} sections.`;
  }
  let rowCount = 0;
  for (const [s, section] of sections.entries()) {
    const param = `interactive['action']['sections'][${s}]`;
    if (!isObject(section) || !Array.isArray(section.rows) || section.rows.length === 0) {
      return `Param ${param}['rows'] is required.`;
    }
    const titleProblem =
      sections.length > 1 || section.title !== undefined
        ? checkText(section.title, `${param}['title']`, SECTION_TITLE_MAX)
        : undefined;
    if (titleProblem) return titleProblem;
    rowCount += section.rows.length;
    if (rowCount > ROWS_MAX) return `A list can have at most ${ROWS_MAX} rows across all sections.`;
    for (const [r, row] of section.rows.entries()) {
      const rowParam = `${param}['rows'][${r}]`;
      if (!isObject(row)) return `Param ${rowParam} must be an object.`;
      const problem =
        checkText(row.id, `${rowParam}['id']`, ROW_ID_MAX) ??
        checkText(row.title, `${rowParam}['title']`, ROW_TITLE_MAX) ??
        checkOptionalText(row.description, `${rowParam}['description']`, ROW_DESCRIPTION_MAX);
      if (problem) return problem;
    }
  }
  return undefined;
}
