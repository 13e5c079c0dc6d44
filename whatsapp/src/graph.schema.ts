import { z } from 'zod';

/** A send answer: Graph echoes the recipient and names the new message. */
export const graphSendResponseSchema = z.looseObject({
  messaging_product: z.string().optional(),
  // Absent on some answers (e.g. status updates); a send without it still succeeded.
  // A send by `recipient` (business-scoped user id) is answered with `user_id` and maybe no `wa_id`.
  contacts: z
    .array(
      z.looseObject({
        input: z.string().optional(),
        wa_id: z.string().optional(),
        user_id: z.string().optional(),
      }),
    )
    .optional(),
  messages: z.array(z.looseObject({ id: z.string().min(1) })).min(1),
});

export type GraphSendResponse = z.infer<typeof graphSendResponseSchema>;

/** The answer to a status update such as mark-as-read. */
export const graphSuccessResponseSchema = z.looseObject({ success: z.boolean() });

export type GraphSuccessResponse = z.infer<typeof graphSuccessResponseSchema>;

/** The error envelope Graph returns with every non-2xx answer. */
export const graphErrorResponseSchema = z.looseObject({
  error: z.looseObject({
    message: z.string(),
    type: z.string().optional(),
    code: z.number().int(),
    error_subcode: z.number().int().optional(),
    error_data: z.looseObject({ details: z.string().optional() }).optional(),
    fbtrace_id: z.string().optional(),
  }),
});

export type GraphErrorResponse = z.infer<typeof graphErrorResponseSchema>;

/** `GET /{version}/{media-id}`: where to download a media object for the next minutes. */
export const graphMediaResponseSchema = z.looseObject({
  url: z.string().min(1),
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  file_size: z.union([z.number(), z.string()]).optional(),
  id: z.string().optional(),
});

export type GraphMediaResponse = z.infer<typeof graphMediaResponseSchema>;
