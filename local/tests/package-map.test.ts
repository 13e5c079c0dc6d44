import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * docs/design.md's package map is the truth about which workspace may use
 * which: its table must name exactly the workspaces of the root package.json,
 * each with the @waba/* dependencies its package.json declares, and no source
 * file may import a workspace its package does not declare (production code:
 * `dependencies` only; tests: `devDependencies` too).
 */
const ROOT = join(__dirname, '..', '..');
const IMPORT = /(?:from|import\()\s*'(@waba\/[a-z-]+)/g;

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const workspaces: string[] = JSON.parse(
  readFileSync(join(ROOT, 'package.json'), 'utf8'),
).workspaces;
const manifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'));
const own = (deps: Record<string, string> | undefined) =>
  Object.keys(deps ?? {})
    .filter((d) => d.startsWith('@waba/'))
    .sort();

/** The rows of the map's table: `| dir/ | @waba/name | depends on | … |`. */
function mapRows(): Map<string, { name: string; dependsOn: string[] }> {
  const doc = readFileSync(join(ROOT, 'docs', 'design.md'), 'utf8');
  const section = doc.split('\n## ').find((s) => s.startsWith('Package map'));
  if (!section) throw new Error('docs/design.md has no "Package map" section');
  const rows = new Map<string, { name: string; dependsOn: string[] }>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim().replace(/`/g, ''));
    const dir = cells[1]?.replace(/\/$/, '');
    if (!dir || !workspaces.includes(dir)) continue;
    const dependsOn = (cells[3] ?? '')
      .split(',')
      .map((d) => d.trim())
      .filter((d) => d && d !== '—')
      .map((d) => `@waba/${d}`)
      .sort();
    rows.set(dir, { name: cells[2] ?? '', dependsOn });
  }
  return rows;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      if (entry === 'node_modules' || entry === 'cdk.out' || entry === 'dist') continue;
      const path = join(d, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mts|mjs)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
    }
  };
  walk(join(ROOT, dir));
  return out;
}

const importsOf = (file: string) =>
  [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => m[1]!);

describe('the package map of docs/design.md', () => {
  const rows = mapRows();

  it('names every workspace, and only those', () => {
    expect([...rows.keys()].sort()).toEqual([...workspaces].sort());
  });

  it.each(workspaces)('%s: the map lists what its package.json depends on', (dir) => {
    const m = manifest(dir);
    expect(rows.get(dir)).toEqual({ name: m.name, dependsOn: own(m.dependencies) });
  });

  it.each(workspaces)('%s: every @waba import is a declared dependency', (dir) => {
    const m = manifest(dir);
    const production = new Set([m.name, ...own(m.dependencies)]);
    const anywhere = new Set([...production, ...own(m.devDependencies)]);
    const undeclared: string[] = [];
    for (const file of sourceFiles(dir)) {
      const isTest = /(^|\/)tests\//.test(relative(ROOT, file));
      for (const target of importsOf(file)) {
        if (!(isTest ? anywhere : production).has(target))
          undeclared.push(`${relative(ROOT, file)} → ${target}`);
      }
    }
    expect(undeclared).toEqual([]);
  });
});
