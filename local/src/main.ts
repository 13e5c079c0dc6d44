// The SDK warns about Node 20 on every client; the project supports Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { loadConfig } from './config';
import { localLogger } from './logger';
import { startStack } from './stack';

/** `npm start`: the whole pipeline on this machine. Ctrl-C stops everything. */
async function main(): Promise<void> {
  const { config, defaulted } = loadConfig();
  const logger = localLogger(config.logLevel);
  if (defaulted.length) {
    logger.warn(
      `dev defaults in use (set these variables to override):\n  ${defaulted.join('\n  ')}`,
    );
  }
  const stack = await startStack(config, logger);
  logger.info(
    `ready: ${stack.url}/webhook  (verify token: ${config.verifyToken})\n` +
      `  health:   ${stack.url}/health\n` +
      `  database: ${stack.databaseUrl.replace(/:[^:@/]*@/, ':***@')}\n` +
      (stack.sandbox
        ? `  Meta sandbox: ${stack.url}/sandbox/messages (replies the bot sent)\n`
        : '') +
      `  agent: ${config.openai.apiKey ? `OpenAI-compatible (${config.openai.baseURL ?? 'api.openai.com'})` : 'built-in rules (no OPENAI_API_KEY)'}\n` +
      `  send a signed customer message:  npm run send -- text "hello"`,
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await stack.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('the local stack failed to start:', error);
  process.exit(1);
});
