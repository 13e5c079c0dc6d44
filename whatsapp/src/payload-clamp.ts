/**
 * Fitting interactive payloads into Graph's limits (counted in code points):
 * titles are cut with an ellipsis, duplicates and extra items dropped, so a
 * generated menu never turns into a refusal.
 */
import { GraphRequestError } from './errors';
import { codePointEnd, codePointLength, isBlank } from './text-split';

/** Graph limits, counted in characters (code points). */
export const INTERACTIVE_BODY_LIMIT = 1024;
export const HEADER_FOOTER_LIMIT = 60;
const MAX_BUTTONS = 3;
const BUTTON_TITLE_LIMIT = 20;
const MAX_SECTIONS = 10;
const MAX_ROWS = 10;
const SECTION_TITLE_LIMIT = 24;
const ROW_TITLE_LIMIT = 24;
const ROW_DESCRIPTION_LIMIT = 72;
const LIST_BUTTON_LIMIT = 20;

export interface ReplyButton {
  id: string;
  title: string;
}

export interface ListRow {
  id: string;
  title: string;
  description?: string;
}

export interface ListSection {
  title?: string;
  rows: ListRow[];
}

export interface ListMessage {
  body: string;
  buttonText: string;
  sections: ListSection[];
}

/** At most 3 buttons with unique ids and titles of at most 20 characters. */
export function clampButtons(buttons: readonly ReplyButton[]): ReplyButton[] {
  return uniqueById(buttons)
    .slice(0, MAX_BUTTONS)
    .map((button) => ({ id: button.id, title: clampText(button.title, BUTTON_TITLE_LIMIT) }));
}

/**
 * Fit a list into Graph's limits. Rows are capped at 10 across all sections
 * (Meta rejects more in total, not only per section) and row ids made unique.
 */
export function clampList(list: ListMessage): ListMessage {
  const seen = new Set<string>();
  let budget = MAX_ROWS;
  const sections: ListSection[] = [];
  for (const section of list.sections.slice(0, MAX_SECTIONS)) {
    const rows: ListRow[] = [];
    for (const row of section.rows) {
      if (budget === 0) break;
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      budget -= 1;
      rows.push({
        id: row.id,
        title: clampText(row.title, ROW_TITLE_LIMIT),
        ...(row.description === undefined
          ? {}
          : { description: clampText(row.description, ROW_DESCRIPTION_LIMIT) }),
      });
    }
    // A section without rows is rejected by Graph.
    if (rows.length === 0) continue;
    sections.push({
      ...(section.title === undefined
        ? {}
        : { title: clampText(section.title, SECTION_TITLE_LIMIT) }),
      rows,
    });
  }
  return {
    body: list.body,
    buttonText: clampText(list.buttonText, LIST_BUTTON_LIMIT),
    sections,
  };
}

export function assertInteractiveBody(body: string): void {
  if (isBlank(body)) throw new GraphRequestError('interactive body is empty');
  const length = codePointLength(body);
  if (length > INTERACTIVE_BODY_LIMIT) {
    throw new GraphRequestError(
      `interactive body has ${length} characters, limit ${INTERACTIVE_BODY_LIMIT}; split it first`,
    );
  }
}

/** Cut to `max` characters, marking the cut with an ellipsis. */
export function clampText(text: string, max: number): string {
  if (codePointLength(text) <= max) return text;
  return `${text.slice(0, codePointEnd(text, max - 1)).trimEnd()}…`;
}

function uniqueById<T extends { id: string }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    if (seen.has(item.id)) return false;
    seen.add(item.id);
    return true;
  });
}
