import { join, resolve } from 'node:path';

/** The repository root: esbuild's project root and the container's build context. */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/** A path inside the repository. */
export const repoPath = (...parts: string[]): string => join(REPO_ROOT, ...parts);
