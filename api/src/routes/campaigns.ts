import type { ApiApp, ApiDeps } from '../context';

export function registerCampaignRoutes(_app: ApiApp, _deps: ApiDeps): void {}
