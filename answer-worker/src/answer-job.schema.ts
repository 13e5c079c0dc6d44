import { z } from 'zod';

export const answerJobSchema = z
  .object({
    organizationId: z.uuid(),
    phoneNumberId: z.string().min(1),
    contactId: z.number().int().positive().optional(),
    contactWaId: z.string().min(1).optional(),
    enqueuedAt: z.string(),
  })
  .refine((j) => j.contactId !== undefined || j.contactWaId !== undefined, {
    message: 'a job names its contact by contactId (or, from older processors, contactWaId)',
  });
