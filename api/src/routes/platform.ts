import type { ApiApp, ApiDeps } from '../context';

export function registerPlatformRoutes(_app: ApiApp, _deps: ApiDeps): void {}
