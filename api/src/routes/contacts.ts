import type { ApiApp, ApiDeps } from '../context';

export function registerContactRoutes(_app: ApiApp, _deps: ApiDeps): void {}
