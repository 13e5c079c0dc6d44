import { z } from 'zod';

export const answerJobSchema = z.object({
  organizationId: z.uuid(),
  phoneNumberId: z.string().min(1),
  contactWaId: z.string().min(1),
  enqueuedAt: z.string(),
});
