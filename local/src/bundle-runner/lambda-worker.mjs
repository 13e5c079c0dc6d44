// One Lambda execution environment in a worker thread: its own process.env (the function's
// environment), the bundle imported once (the cold start), then one event at a time.
// Plain ESM on purpose: it runs outside jest's and tsx's module systems, as Lambda runs the bundle.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { file, functionName } = workerData;

const loaded = import(pathToFileURL(file).href).then((module) => {
  if (typeof module.handler !== 'function') throw new Error(`${file} exports no handler`);
  return module.handler;
});
// Reported with the invocation that waits for it.
loaded.catch(() => undefined);

const serialized = (error) => ({
  name: error instanceof Error ? error.name : 'Error',
  message: error instanceof Error ? error.message : String(error),
  stack: error instanceof Error ? error.stack : undefined,
});

parentPort.on('message', async ({ event }) => {
  let handler;
  try {
    handler = await loaded;
  } catch (error) {
    // Lambda's init error: this environment is discarded, the next invocation starts another.
    parentPort.postMessage({ error: serialized(error), initFailed: true });
    return;
  }
  try {
    const context = {
      functionName,
      awsRequestId: randomUUID(),
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => 900_000,
    };
    parentPort.postMessage({ result: await handler(event, context) });
  } catch (error) {
    parentPort.postMessage({ error: serialized(error) });
  }
});
