/**
 * Secrets by value or from AWS Secrets Manager, and the database URL built
 * from an RDS secret: the entry point `@waba/whatsapp/secrets`, apart from
 * the main one so that only the consumers that read secrets load the SDK client.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretError } from './errors';
import { createGraphClient, type GraphClient } from './graph-client';
import { lazy, type Lazy } from './lazy';

/** Returns a secret's string value by id or ARN. */
export type SecretReader = (secretId: string) => Promise<string>;

/** Reads string secrets from AWS Secrets Manager; the client is built on the first read. */
export function secretsManagerReader(client?: SecretsManagerClient): SecretReader {
  let sm = client;
  return async (secretId) => {
    sm ??= new SecretsManagerClient({});
    const out = await sm.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (out.SecretString === undefined)
      throw new SecretError(`secret ${secretId} has no string value`);
    return out.SecretString;
  };
}

/** A cached reader that can also bypass its cache for one read. */
export interface CachedSecretReader extends SecretReader {
  /** Reads the secret from its source now and keeps that value in the cache. */
  reread: SecretReader;
}

/**
 * Caches each secret for `ttlMs` (per warm Lambda or per process), so a
 * rotated value is picked up without a deploy. A failed read is not cached:
 * the next call tries again.
 */
export function cachedSecretReader(
  source: SecretReader,
  ttlMs = 300_000,
  now: () => number = Date.now,
): CachedSecretReader {
  const cache = new Map<string, Lazy<string>>();
  const secret = (secretId: string): Lazy<string> => {
    let value = cache.get(secretId);
    if (!value) cache.set(secretId, (value = lazy(() => source(secretId), { ttlMs, now })));
    return value;
  };
  const read: SecretReader = (secretId) => secret(secretId)();
  return Object.assign(read, { reread: (secretId: string) => secret(secretId).refresh() });
}

let defaultReader: CachedSecretReader | undefined;

/** The process-wide cached Secrets Manager reader. */
export function readSecret(secretId: string): Promise<string> {
  defaultReader ??= cachedSecretReader(secretsManagerReader());
  return defaultReader(secretId);
}

/** Reads a secret from Secrets Manager now, bypassing (and refreshing) the process-wide cache. */
export function rereadSecret(secretId: string): Promise<string> {
  defaultReader ??= cachedSecretReader(secretsManagerReader());
  return defaultReader.reread(secretId);
}

/** A secret-backed value: `current` may be cached, `reread` goes to the source. */
export interface SecretSource {
  current(): Promise<string>;
  reread(): Promise<string>;
}

/**
 * Like {@link secretEnv}, but read on every use (through the cache), so a
 * rotated or newly filled secret is picked up by a warm process; `reread`
 * bypasses the cache. Undefined when neither `env[name]` nor its ARN is set.
 */
export function secretEnvSource(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  reader: { read: SecretReader; reread: SecretReader } = { read: readSecret, reread: rereadSecret },
): SecretSource | undefined {
  const direct = env[name];
  if (direct) return { current: async () => direct, reread: async () => direct };
  const arn = env[`${name}_SECRET_ARN`];
  if (!arn) return undefined;
  return {
    current: async () => (await reader.read(arn)).trim(),
    reread: async () => (await reader.reread(arn)).trim(),
  };
}

/**
 * `env[name]` when set, else the value of the secret whose ARN is in
 * `env[name + '_SECRET_ARN']` (a plain-text secret), else undefined.
 */
export async function secretEnv(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  read: SecretReader = readSecret,
): Promise<string | undefined> {
  const direct = env[name];
  if (direct) return direct;
  const arn = env[`${name}_SECRET_ARN`];
  if (!arn) return undefined;
  const value = (await read(arn)).trim();
  return value === '' ? undefined : value;
}

/** The JSON document RDS and Aurora keep in a generated database secret. */
interface RdsSecret {
  username?: unknown;
  password?: unknown;
  host?: unknown;
  port?: unknown;
  dbname?: unknown;
}

export interface DatabaseUrlOverrides {
  /** Connect here instead of the secret's host, e.g. an RDS Proxy endpoint. */
  host?: string | undefined;
  port?: string | number | undefined;
  dbname?: string | undefined;
  /**
   * pg's sslmode. Default `verify-full`: TLS with the certificate checked
   * against the host name. RDS Proxy presents a public (ACM) certificate; a
   * direct RDS connection needs the RDS CA in NODE_EXTRA_CA_CERTS (Lambda:
   * /var/runtime/ca-cert.pem).
   */
  sslMode?: string | undefined;
}

/** A postgres URL from an RDS-style secret `{ username, password, host, port, dbname }`. */
export function databaseUrlFromSecret(json: string, overrides: DatabaseUrlOverrides = {}): string {
  let secret: RdsSecret;
  try {
    secret = JSON.parse(json) as RdsSecret;
  } catch {
    throw new SecretError(
      'the database secret is not JSON ({username, password, host, port, dbname})',
    );
  }
  const field = (name: keyof RdsSecret, fallback?: string): string => {
    const value = secret?.[name];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number') return String(value);
    if (fallback !== undefined) return fallback;
    throw new SecretError(`the database secret has no ${name}`);
  };
  const host = overrides.host || field('host');
  const port = String(overrides.port || field('port', '5432'));
  const dbname = overrides.dbname || field('dbname', 'postgres');
  const user = encodeURIComponent(field('username'));
  const password = encodeURIComponent(field('password'));
  const sslMode = encodeURIComponent(overrides.sslMode || 'verify-full');
  return `postgres://${user}:${password}@${host}:${port}/${encodeURIComponent(dbname)}?sslmode=${sslMode}`;
}

/**
 * The database URL: DATABASE_URL as is, or built from the RDS-style secret at
 * DATABASE_SECRET_ARN, with DATABASE_HOST / DATABASE_PORT / DATABASE_NAME /
 * DATABASE_SSLMODE overriding the secret's host (e.g. the RDS Proxy), port,
 * database and the default `verify-full`.
 */
export async function databaseUrlFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  read: SecretReader = readSecret,
): Promise<string> {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  if (!env.DATABASE_SECRET_ARN)
    throw new SecretError('DATABASE_URL or DATABASE_SECRET_ARN must be set');
  return databaseUrlFromSecret(await read(env.DATABASE_SECRET_ARN), {
    host: env.DATABASE_HOST,
    port: env.DATABASE_PORT,
    dbname: env.DATABASE_NAME,
    sslMode: env.DATABASE_SSLMODE,
  });
}

/**
 * The Graph client of a consumer that sends (the answer worker, the campaign
 * sender): its token from WHATSAPP_ACCESS_TOKEN or WHATSAPP_ACCESS_TOKEN_SECRET_ARN,
 * read per send through the secrets cache (re-read after a 190; a placeholder
 * is refused per job), and WHATSAPP_GRAPH_URL for a sandbox.
 */
export function graphClientFromEnv(env: NodeJS.ProcessEnv, apiVersion: string): GraphClient {
  const accessToken = secretEnvSource('WHATSAPP_ACCESS_TOKEN', env);
  if (!accessToken)
    throw new Error('WHATSAPP_ACCESS_TOKEN or WHATSAPP_ACCESS_TOKEN_SECRET_ARN is not set');
  return createGraphClient({
    accessToken,
    baseUrl: env.WHATSAPP_GRAPH_URL || undefined,
    apiVersion,
  });
}
