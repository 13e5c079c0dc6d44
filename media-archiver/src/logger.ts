import { createLogger } from '@waba/whatsapp';

export const logger = createLogger('media-archiver');
