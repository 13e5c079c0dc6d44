import { parseCsv } from '@waba/campaign-sender';
import type { KnowledgeInput } from '@waba/db';

/** Markdown: every heading starts an entry; its text runs to the next heading. */
export function parseMarkdownKnowledge(text: string): KnowledgeInput[] {
  const entries: KnowledgeInput[] = [];
  let current: { title: string; lines: string[] } | null = null;
  for (const line of text.split(/\r?\n/)) {
    const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      if (current) entries.push({ title: current.title, body: current.lines.join('\n').trim() });
      current = { title: heading[1]!, lines: [] };
    } else if (current) current.lines.push(line);
  }
  if (current) entries.push({ title: current.title, body: current.lines.join('\n').trim() });
  return entries.filter((e) => e.body.length > 0);
}

/**
 * CSV with a header row holding `title` and `body` columns (RFC 4180 quoting),
 * read by the same parser as audience files. A malformed file is refused with
 * its line rather than imported in part.
 */
export function parseCsvKnowledge(text: string): KnowledgeInput[] {
  const { records, problems } = parseCsv(text);
  const [problem] = problems;
  if (problem) throw new Error(`the CSV is malformed at line ${problem.line}: ${problem.message}`);
  const [header, ...data] = records
    .map((r) => r.fields)
    .filter((r) => r.some((f) => f.trim() !== ''));
  const title = header?.findIndex((h) => h.trim().toLowerCase() === 'title') ?? -1;
  const body = header?.findIndex((h) => h.trim().toLowerCase() === 'body') ?? -1;
  if (title < 0 || body < 0)
    throw new Error('the CSV needs a header row with "title" and "body" columns');
  return data
    .map((r) => ({ title: r[title]?.trim() ?? '', body: r[body]?.trim() ?? '' }))
    .filter((e) => e.title && e.body);
}
