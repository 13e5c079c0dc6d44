import { z } from 'zod';

/*
 * GET /{version}/{waba-id}/message_templates: one page of a WABA's templates
 * (Graph API reference "WhatsApp Business Account Message Templates"; a genuine
 * sample in tests/fixtures/graph). Loose objects: fields Meta adds stay readable.
 */

/** Meta sends the template id as a numeric string; a number is accepted too. */
const idText = z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String);

/** `quality_score` is an object `{ score, date }` when asked for; a bare string is accepted too. */
const qualityScoreSchema = z.union([
  z.string().min(1),
  z.looseObject({ score: z.string().min(1), date: z.number().int().nonnegative().optional() }),
]);

export const messageTemplateNodeSchema = z.looseObject({
  id: idText,
  name: z.string().min(1),
  language: z.string().min(1),
  status: z.string().min(1),
  category: z.string().optional(),
  components: z.array(z.unknown()).optional(),
  quality_score: qualityScoreSchema.optional(),
});

export const messageTemplatesPageSchema = z.looseObject({
  data: z.array(z.unknown()),
  paging: z
    .looseObject({
      cursors: z
        .looseObject({ before: z.string().optional(), after: z.string().optional() })
        .optional(),
      next: z.string().optional(),
    })
    .optional(),
});

export type MessageTemplateNode = z.output<typeof messageTemplateNodeSchema>;
