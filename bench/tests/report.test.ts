import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fillTemplate, renderReport } from '../report';
import type { BenchResults, Section } from '../results';

const failed = <T>(): Section<T> => ({ ok: false, error: 'not measured in this test' });

/** A run in which every section failed: the page still has its frame and standing prose. */
const results: BenchResults = {
  mode: 'quick',
  started: new Date('2026-12-01T10:00:00Z'),
  finished: new Date('2026-12-01T10:03:00Z'),
  machine: { cpu: 'test cpu', cores: 2, memoryGb: 4, os: 'linux', node: 'v20', loadAverage: [1] },
  loadAfter: [2],
  postgres: '17.10',
  bundles: failed(),
  receiverCpu: failed(),
  sqsClient: failed(),
  coldInit: failed(),
  processor: failed(),
  worker: failed(),
  e2e: failed(),
  cost: failed(),
};

describe('fillTemplate()', () => {
  it('replaces every {{name}} with its value', () => {
    expect(fillTemplate('a {{x}} b {{y}} {{x}}', { x: '1', y: '2' })).toBe('a 1 b 2 1');
  });

  it('refuses a name without a value', () => {
    expect(() => fillTemplate('{{missing}}', {})).toThrow('no value for {{missing}}');
  });
});

describe('renderReport()', () => {
  it("writes the page from bench/report-template.md, every slot filled with the run's figures", () => {
    const page = renderReport(results);
    const template = readFileSync(join(__dirname, '..', 'report-template.md'), 'utf8');

    expect(template).toContain('## Method');
    expect(page).not.toMatch(/\{\{\w+\}\}/);
    expect(page).toContain('`npm run bench` (quick mode, 3.0 min) on 2026-12-01 10:00 UTC');
    expect(page).toContain(
      'Machine: test cpu, 2 cores, 4 GB RAM, linux, Node v20, PostgreSQL 17.10',
    );
    expect(page.split('\n')).toEqual(
      expect.arrayContaining([
        '# Benchmarks',
        '## Targets',
        '## 1. Receiver',
        '## 2. Processor',
        '## Method',
      ]),
    );
  });
});
