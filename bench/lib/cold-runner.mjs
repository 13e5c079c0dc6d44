// Runs in a fresh Node process, as a Lambda sandbox's first invocation does:
// import the bundle, handle one event (the cold invocation), then the same
// event again (a warm one), and print the timings as one JSON line.
// Usage: node cold-runner.mjs <bundle.mjs> <event.json>
/* global process, performance, structuredClone */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [bundlePath, eventPath] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventPath, 'utf8'));
const started = performance.now();
const { handler } = await import(pathToFileURL(bundlePath).href);
const imported = performance.now();
const result = await handler(structuredClone(event));
const handled = performance.now();
await handler(structuredClone(event));
const warm = performance.now() - handled;
process.stdout.write(
  `\n${JSON.stringify({
    coldRunner: {
      startupMs: started,
      importMs: imported - started,
      firstEventMs: handled - imported,
      warmEventMs: warm,
      result,
    },
  })}\n`,
);
process.exit(0);
