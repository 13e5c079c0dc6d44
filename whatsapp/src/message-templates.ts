/**
 * Reading a WABA's message templates from the Graph API, every page of them.
 */
import { GraphRequestError } from './errors';
import { unexpectedBody, type GraphTransport } from './graph-transport';
import { messageTemplateNodeSchema, messageTemplatesPageSchema } from './message-template.schema';

/** A template as the Graph API lists it. */
export interface MessageTemplate {
  /** Meta's template id (numeric string). */
  id: string;
  name: string;
  /** As Meta spells it, e.g. `en_US`. */
  language: string;
  /** APPROVED, PENDING, REJECTED, PAUSED, DISABLED, ... */
  status: string;
  category: string | null;
  /** HEADER, BODY, FOOTER, BUTTONS as Meta returns them (their texts hold the {{n}} / {{name}} parameters). */
  components: unknown[];
  qualityScore: string | null;
  /** When Meta rated the quality, if it says. */
  qualityAt: Date | null;
}

/** The fields asked for: what the templates table keeps. */
export const MESSAGE_TEMPLATE_FIELDS = 'name,language,status,category,components,id,quality_score';

export interface ListTemplatesOptions {
  /** Templates per page (Graph's `limit`); unset: Meta's default. */
  pageSize?: number;
}

/** Guards against a cursor that never ends (each page is a request). */
const MAX_PAGES = 1000;

/**
 * Every template of a WABA: follows `paging.cursors.after` while Meta names a
 * `paging.next` page. The `next` URL itself is not fetched: the token goes
 * only to the configured Graph host. Entries that do not read as a template
 * are skipped and reported in `skipped`.
 */
export async function listMessageTemplates(
  get: GraphTransport['get'],
  wabaId: string,
  options: ListTemplatesOptions = {},
): Promise<{ templates: MessageTemplate[]; skipped: number; pages: number }> {
  const templates: MessageTemplate[] = [];
  let skipped = 0;
  let after: string | undefined;
  for (let pages = 1; pages <= MAX_PAGES; pages++) {
    const json = await get(`${encodeURIComponent(wabaId)}/message_templates`, {
      fields: MESSAGE_TEMPLATE_FIELDS,
      ...(options.pageSize === undefined ? {} : { limit: String(options.pageSize) }),
      ...(after === undefined ? {} : { after }),
    });
    const page = messageTemplatesPageSchema.safeParse(json);
    if (!page.success) throw unexpectedBody(200);
    for (const item of page.data.data) {
      const node = messageTemplateNodeSchema.safeParse(item);
      if (!node.success) {
        skipped++;
        continue;
      }
      const t = node.data;
      const quality = t.quality_score;
      templates.push({
        id: t.id,
        name: t.name,
        language: t.language,
        status: t.status,
        category: t.category ?? null,
        components: t.components ?? [],
        qualityScore:
          quality === undefined ? null : typeof quality === 'string' ? quality : quality.score,
        qualityAt:
          typeof quality === 'object' && quality.date !== undefined
            ? new Date(quality.date * 1000)
            : null,
      });
    }
    const next = page.data.paging?.next;
    const cursor = page.data.paging?.cursors?.after;
    if (next === undefined || cursor === undefined || cursor === after)
      return { templates, skipped, pages };
    after = cursor;
  }
  throw new GraphRequestError(
    `the template list of WABA ${wabaId} has more than ${MAX_PAGES} pages`,
  );
}
