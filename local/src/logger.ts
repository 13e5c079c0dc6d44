import pino from 'pino';
import pretty from 'pino-pretty';
import { REDACT_PATHS, type Logger } from '@waba/whatsapp';

/** Readable colored lines in a terminal, JSON lines otherwise (CI, files, log shippers). */
export function localLogger(level: string, pretty_ = Boolean(process.stdout.isTTY)): Logger {
  const options = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: undefined };
  if (!pretty_) return pino(options, pino.destination({ sync: true }));
  return pino(
    options,
    pretty({ colorize: true, sync: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l' }),
  );
}
