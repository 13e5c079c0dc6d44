import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { authenticateApiKey, consumeRateLimit } from '@waba/db';
import type { ApiApp, ApiDeps, ApiEnv } from './context';
import { registerDocs } from './docs';
import { ApiProblem, fieldErrors, invalid, problemResponse } from './problem';
import { registerCampaignRoutes } from './routes/campaigns';
import { registerContactRoutes } from './routes/contacts';
import { registerOrganizationRoutes } from './routes/organization';
import { registerPlatformRoutes } from './routes/platform';
import { registerSupportRoutes } from './routes/support';

export const API_BASE = '/api/v1';
/** Lambda's synchronous payload limit; API Gateway's is larger, so this is the one that binds. */
const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;

/**
 * The HTTP API: `/api/v1/*` (OpenAPI 3.1 at `/api/v1/openapi.json`, reference
 * page at `/api/docs`). Every route is a thin layer over the repositories and
 * core functions the CLI uses.
 */
export function createApi(deps: ApiDeps): ApiApp {
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const target = result.target === 'json' ? 'body' : result.target;
        throw invalid(fieldErrors(target, result.error.issues));
      }
    },
  });

  app.onError((error, c) => {
    if (error instanceof ApiProblem) return problemResponse(c, error);
    if (error instanceof HTTPException)
      return problemResponse(c, new ApiProblem(error.status, error.message || undefined));
    deps.logger.error(
      { err: error, requestId: c.get('requestId'), path: c.req.path },
      'api request failed',
    );
    return problemResponse(
      c,
      new ApiProblem(500, `request ${c.get('requestId')} failed; the error is logged`),
    );
  });
  app.notFound((c) =>
    problemResponse(c, new ApiProblem(404, `no route ${c.req.method} ${c.req.path}`)),
  );

  app.use('*', async (c, next) => {
    const requestId = c.req.header('x-request-id')?.slice(0, 100) || randomUUID();
    c.set('requestId', requestId);
    await next();
    c.header('x-request-id', requestId);
  });
  app.use(
    `${API_BASE}/*`,
    bodyLimit({
      maxSize: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      onError: () => {
        throw new ApiProblem(
          413,
          `the body is larger than ${deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES} bytes`,
        );
      },
    }),
  );
  app.use(`${API_BASE}/*`, async (c, next) => {
    if (c.req.path === `${API_BASE}/openapi.json`) return next();
    const authorization = c.req.header('authorization');
    const challenge = { 'www-authenticate': 'Bearer realm="waba"' };
    const match = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!match)
      throw new ApiProblem(401, 'send the key as Authorization: Bearer <key>', {}, challenge);
    const principal = await authenticateApiKey(deps.db, match[1]!);
    if (!principal) throw new ApiProblem(401, 'the key is unknown or revoked', {}, challenge);
    c.set('principal', principal);
    const rate = await consumeRateLimit(deps.db, principal);
    c.header('ratelimit-limit', String(rate.limit));
    c.header('ratelimit-remaining', String(rate.remaining));
    c.header('ratelimit-reset', String(rate.resetSeconds));
    if (!rate.allowed)
      throw new ApiProblem(
        429,
        `more than ${rate.limit} requests a minute with this key`,
        {},
        {
          'retry-after': String(rate.resetSeconds),
          'ratelimit-limit': String(rate.limit),
          'ratelimit-remaining': '0',
          'ratelimit-reset': String(rate.resetSeconds),
        },
      );
    await next();
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description:
      "An organization's key (scope read or write) or a platform key: `npm run cli -- api-key create`.",
  });

  registerOrganizationRoutes(app, deps);
  registerCampaignRoutes(app, deps);
  registerContactRoutes(app, deps);
  registerSupportRoutes(app, deps);
  registerPlatformRoutes(app, deps);

  app.doc31(`${API_BASE}/openapi.json`, {
    openapi: '3.1.0',
    info: {
      title: 'WhatsApp Business pipeline API',
      version: '1.0.0',
      description:
        'Campaigns, contacts, conversations, templates, the support agent and the pipeline, per organization. Errors are application/problem+json (RFC 9457); lists are cursor-paginated; POSTs that create or send honour Idempotency-Key.',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
  });
  registerDocs(app);
  return app;
}
