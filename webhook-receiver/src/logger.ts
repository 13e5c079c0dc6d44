import { createLogger } from '@waba/whatsapp';

export const logger = createLogger('webhook-receiver');
