import { z } from 'zod';

/** What an agent answers: one or more text messages and optional reply buttons. */
export const agentReplySchema = z.object({
  messages: z.array(z.string().min(1)).min(1).max(5),
  buttons: z
    .array(z.object({ id: z.string().min(1).max(256), title: z.string().min(1) }))
    // More than 3, or long titles, are clamped when sent; not a reason to fail the answer.
    .max(10)
    .optional(),
});

export type AgentReply = z.infer<typeof agentReplySchema>;
