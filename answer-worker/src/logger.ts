import { createLogger } from '@waba/whatsapp';

export const logger = createLogger('answer-worker');
