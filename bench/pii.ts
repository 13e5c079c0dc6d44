/**
 * PII redaction on 64 KiB texts: `npm run bench:pii` (the current
 * answer-worker/src/pii.ts), or `npm run bench:pii -- <file.ts>` for another
 * implementation of `redactPii`, e.g. the one before the linear rewrite:
 *   git show dc73685:answer-worker/src/pii.ts > /tmp/pii-before.ts
 *   npm run bench:pii -- /tmp/pii-before.ts
 * Prints the median milliseconds of one call per input (BENCH_RUNS runs, default 11), as called by the
 * answer worker (input capped) and with the cap lifted (the whole 64 KiB).
 */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

type Redact = (text: string) => string;
type RedactWith = (text: string, options: { maxChars?: number }) => string;

const SIZE = 64 * 1024;
const RUNS = Number(process.env.BENCH_RUNS ?? 11);
const fill = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);

const INPUTS: Array<[string, string]> = [
  [
    'chat text with e-mails, phones and cards',
    fill(
      'Hi, I am ana.souza@example.com, call +55 11 98765-4321; card 4111 1111 1111 1111. Order 42 is late! ',
    ),
  ],
  ['letters, no @ (e-mail local part)', fill('a')],
  ['digits and dashes', fill('12-')],
  ['one @ and a domain without TLD', `a@${fill('a.1').slice(2)}`],
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(fn: () => void, runs: number): number {
  for (let i = 0; i < 3; i++) fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

async function main(): Promise<void> {
  const file = resolve(process.argv[2] ?? `${__dirname}/../answer-worker/src/pii.ts`);
  const { redactPii, redactPiiWith } = (await import(file)) as {
    redactPii: Redact;
    redactPiiWith?: RedactWith;
  };
  // Before the rewrite there was no cap: the whole input is what it redacted.
  const whole = (text: string) =>
    redactPiiWith ? redactPiiWith(text, { maxChars: Infinity }) : redactPii(text);
  console.log(
    `redactPii from ${file}, ${SIZE} characters per input, median of ${RUNS} runs after 3 warm-up calls`,
  );
  console.log('input\tas called (ms)\twhole input, no cap (ms)\toutput chars (as called)');
  for (const [name, text] of INPUTS) {
    const capped = time(() => redactPii(text), RUNS);
    const all = time(() => whole(text), RUNS);
    console.log(`${name}\t${capped.toFixed(2)}\t${all.toFixed(2)}\t${redactPii(text).length}`);
  }
}

void main();
