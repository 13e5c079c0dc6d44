/**
 * Child process that runs the SQS/S3 protocol emulator (fauxqs, ESM-only).
 * Protocol: prints `{"ready":true,"port":N}` once listening; exits on
 * SIGTERM/SIGINT or when its parent closes stdin.
 */
import { startFauxqs } from 'fauxqs';

const server = await startFauxqs({
  port: Number(process.env.SQS_PORT ?? 0),
  host: '127.0.0.1',
  logger: false,
});
process.stdout.write(JSON.stringify({ ready: true, port: server.port }) + '\n');

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
