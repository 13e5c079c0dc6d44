import pino from 'pino';

/**
 * Paths redacted from every log line: credentials, and the customer content
 * that must not reach logs at info level (bodies, names, raw payloads).
 */
export const REDACT_PATHS = [
  'accessToken',
  'appSecret',
  'secret',
  'secrets',
  'token',
  'verifyToken',
  'authorization',
  'headers.authorization',
  'headers["x-hub-signature-256"]',
  'signature',
  'body',
  'rawBody',
  'payload',
  'text',
  'profileName',
  '*.accessToken',
  '*.appSecret',
  '*.secret',
  '*.secrets',
  '*.token',
  '*.verifyToken',
  '*.authorization',
  '*.body',
  '*.rawBody',
  '*.payload',
  '*.text',
];

/**
 * The one way this project makes a logger: JSON lines, synchronous writes
 * (Lambda freezes the process after the response, so no async buffers or
 * worker-thread transports), secrets redacted by path. `destination`
 * (default: stdout) lets tests read exactly what production would print.
 */
export function createLogger(
  name: string,
  options: { level?: string; destination?: pino.DestinationStream } = {},
): pino.Logger {
  return pino(
    {
      name,
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
    },
    options.destination ?? pino.destination({ sync: true }),
  );
}

export type Logger = pino.Logger;
