import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApiKey, revokeApiKey, upsertOrganization } from '@waba/db';
import {
  OpenApiClient,
  useTestDatabase,
  type OpenApiDocument,
  type TestDatabase,
} from '@waba/testing';
import { createApi, type ApiDeps } from '../../src';

export interface OrgKeys {
  id: string;
  slug: string;
  phoneNumberId: string;
  read: string;
  write: string;
  revoked: string;
}

export interface ApiHarness {
  t: TestDatabase;
  url: string;
  document: OpenApiDocument;
  /** A client without a key; `.as(key)` for one with. */
  anonymous: OpenApiClient;
  acme: OrgKeys;
  globex: OrgKeys;
  platform: string;
  /** Clients with each key. */
  as(key: string | null): OpenApiClient;
}

/**
 * The API over real HTTP on a test database with two organizations (acme and
 * globex, each with read, write and revoked keys) and a platform key. Every
 * response goes through `OpenApiClient`, which checks it against the
 * OpenAPI document the API serves.
 */
export function useApiHarness(extra: Partial<ApiDeps> = {}): ApiHarness {
  const t = useTestDatabase();
  let server: ServerType | undefined;
  const h = {} as ApiHarness;

  beforeAll(async () => {
    h.t = t;
    h.acme = await orgWithKeys(t, 'acme', '1001');
    h.globex = await orgWithKeys(t, 'globex', '2002');
    h.platform = (
      await createApiKey(t.db, { organizationId: null, scope: 'platform', name: 'ops' })
    ).key;
    const app = createApi({ db: t.db, logger: pino({ level: 'silent' }), ...extra });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    h.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const res = await fetch(`${h.url}/api/v1/openapi.json`);
    h.document = (await res.json()) as OpenApiDocument;
    h.anonymous = new OpenApiClient(h.url, h.document);
    h.as = (key) => h.anonymous.as(key);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });
  return h;
}

async function orgWithKeys(t: TestDatabase, slug: string, phone: string): Promise<OrgKeys> {
  const org = await upsertOrganization(t.db, {
    name: slug[0]!.toUpperCase() + slug.slice(1),
    slug,
    phoneNumbers: [{ phoneNumberId: `${phone}00000000`, wabaId: `${phone}11111111` }],
  });
  const read = await createApiKey(t.db, { organizationId: org.id, scope: 'read', name: 'reports' });
  const write = await createApiKey(t.db, { organizationId: org.id, scope: 'write', name: 'ops' });
  const revoked = await createApiKey(t.db, { organizationId: org.id, scope: 'write', name: 'old' });
  await revokeApiKey(t.db, revoked.id);
  return {
    id: org.id,
    slug,
    phoneNumberId: `${phone}00000000`,
    read: read.key,
    write: write.key,
    revoked: revoked.key,
  };
}
