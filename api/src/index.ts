export { API_BASE, createApi } from './app';
export type { ApiApp, ApiDeps, ApiEnv } from './context';
export { docsAssetsDir } from './docs';
export { ApiProblem } from './problem';
