import type { ApiApp, ApiDeps } from '../context';

export function registerSupportRoutes(_app: ApiApp, _deps: ApiDeps): void {}
