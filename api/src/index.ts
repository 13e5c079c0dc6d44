export { API_BASE, createApi } from './app';
export type { ApiApp, ApiDeps, ApiEnv, QueueName } from './context';
export { docsAssetsDir } from './docs';
export { ApiProblem } from './problem';
