import { DEFAULT_APP_ID, lazy } from '@waba/whatsapp';
import { ConfigurationError } from './errors';

/** A Meta app: the secrets its webhooks are signed with and its verify token. */
export interface AppConfig {
  appId: string;
  /** Current secret first; during rotation also the previous one. */
  secrets: string[];
  verifyToken: string;
}

/** Looks up an app by the `{appId}` path segment; `undefined` for `/webhook`. */
export interface AppRegistry {
  get(appId: string | undefined): Promise<AppConfig | undefined>;
}

export { DEFAULT_APP_ID };

interface AppsDocument {
  [appId: string]: {
    secrets?: string[];
    secret?: string;
    previousSecret?: string;
    verifyToken?: string;
  };
}

/** Parses `{ "<appId>": { "secrets": [...], "verifyToken": "..." } }` into app configs. */
export function parseAppsDocument(json: string, source: string): Map<string, AppConfig> {
  let doc: AppsDocument;
  try {
    doc = JSON.parse(json) as AppsDocument;
  } catch {
    throw new ConfigurationError(`${source} is not valid JSON`);
  }
  const apps = new Map<string, AppConfig>();
  for (const [appId, entry] of Object.entries(doc ?? {})) {
    // A string where a list belongs would be spread into one-character secrets.
    if (typeof entry !== 'object' || entry === null || !Array.isArray(entry.secrets ?? []))
      throw new ConfigurationError(`${source}: app ${appId} must be {"secrets": [...], ...}`);
    const secrets = [...(entry.secrets ?? []), entry.secret, entry.previousSecret].filter(
      (s): s is string => typeof s === 'string' && s.trim() !== '',
    );
    if (secrets.length === 0) throw new ConfigurationError(`${source}: app ${appId} has no secret`);
    if (!entry.verifyToken)
      throw new ConfigurationError(`${source}: app ${appId} has no verifyToken`);
    apps.set(appId, { appId, secrets, verifyToken: entry.verifyToken });
  }
  return apps;
}

function mapRegistry(apps: Map<string, AppConfig>): AppRegistry {
  return { get: async (appId) => apps.get(appId ?? DEFAULT_APP_ID) };
}

/**
 * Apps from the environment: the default app from WHATSAPP_APP_SECRET
 * (+ WHATSAPP_APP_SECRET_PREVIOUS while rotating) and WHATSAPP_VERIFY_TOKEN,
 * more apps from WHATSAPP_APPS (JSON). Throws when no app has a secret:
 * a receiver without secrets would have to accept unsigned bodies.
 */
export function appsFromEnv(env: NodeJS.ProcessEnv): AppRegistry {
  const apps = env.WHATSAPP_APPS
    ? parseAppsDocument(env.WHATSAPP_APPS, 'WHATSAPP_APPS')
    : new Map();
  const secrets = [env.WHATSAPP_APP_SECRET, env.WHATSAPP_APP_SECRET_PREVIOUS].filter(
    (s): s is string => typeof s === 'string' && s.trim() !== '',
  );
  if (secrets.length > 0) {
    if (!env.WHATSAPP_VERIFY_TOKEN)
      throw new ConfigurationError('WHATSAPP_VERIFY_TOKEN is not set');
    apps.set(DEFAULT_APP_ID, {
      appId: DEFAULT_APP_ID,
      secrets,
      verifyToken: env.WHATSAPP_VERIFY_TOKEN,
    });
  }
  if (apps.size === 0) {
    throw new ConfigurationError('no app secret configured (WHATSAPP_APP_SECRET or WHATSAPP_APPS)');
  }
  return mapRegistry(apps);
}

export interface SecretSource {
  /** Returns the secret's string value. */
  read(secretId: string): Promise<string>;
}

export interface AppsCacheOptions {
  /** Least time between two re-reads caused by a miss (unknown app id, empty document). */
  refreshOnMissMs?: number;
  /** Milliseconds now (tests). */
  now?: () => number;
}

/**
 * Apps from one Secrets Manager secret holding the same JSON document as
 * WHATSAPP_APPS. Cached for `ttlMs` across invocations of a warm Lambda, so
 * a rotated secret is picked up within the TTL without a redeploy. A miss on
 * the cached document (the placeholder `{}`, an app added since) re-reads the
 * secret at once, at most once per `refreshOnMissMs`: Meta's "Verify and save"
 * works as soon as the secret is filled in, and unknown app ids cannot turn
 * every request into a Secrets Manager call.
 */
export function appsFromSecret(
  source: SecretSource,
  secretId: string,
  ttlMs = 300_000,
  options: AppsCacheOptions = {},
): AppRegistry {
  const refreshOnMissMs = options.refreshOnMissMs ?? 5_000;
  const clock = options.now ?? Date.now;
  // A failed read is not cached: the next request tries again.
  const apps = lazy(
    async () => parseAppsDocument(await source.read(secretId), `secret ${secretId}`),
    { ttlMs, now: clock },
  );
  let lastMissRefresh = -Infinity;
  return {
    async get(appId) {
      const key = appId ?? DEFAULT_APP_ID;
      const now = clock();
      const current = apps.peek();
      const app = (await (current ?? apps())).get(key);
      if (app || !current) return app;
      if (now - lastMissRefresh >= refreshOnMissMs) {
        lastMissRefresh = now;
        return (await apps.refresh()).get(key);
      }
      // Refreshed a moment ago (maybe still reading): answer from the newest read.
      const newest = apps.peek();
      return newest && newest !== current ? (await newest).get(key) : undefined;
    },
  };
}
