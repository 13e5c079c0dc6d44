import { createLogger } from '@waba/whatsapp';

export const logger = createLogger('db-processor');
