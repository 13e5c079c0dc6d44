import { createRoute, z, type RouteConfig } from '@hono/zod-openapi';
import type { ApiDeps } from './context';
import { ProblemSchema, PROBLEM_CONTENT_TYPE } from './problem';
import { scoped, type RouteScope } from './scope';

const problem = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
});

/** The error responses every authenticated route may give. */
const ERRORS = {
  400: problem('A field of the request is not valid (the problem names it)'),
  401: problem('No key, or an unknown or revoked one'),
  403: problem("The key's scope does not allow this route"),
  404: problem('No such resource in the organization of the key'),
  429: problem('The key made too many requests this minute'),
  500: problem('Internal error'),
};
const WRITE_ERRORS = {
  409: problem(
    'Conflict: the state of the resource does not allow this, or an Idempotency-Key still in progress',
  ),
  413: problem('The body is too large'),
  422: problem('The Idempotency-Key was used with another request'),
};

type ScopedRoute = Omit<RouteConfig, 'middleware' | 'security'> & { scope: RouteScope };

/**
 * A route of the API: its OpenAPI description with the standard error
 * responses, the key scope it needs (`x-scope` in the document, which the
 * authorization matrix test reads) and its guard/transaction (`scoped`).
 */
export function apiRoute<R extends ScopedRoute>(deps: ApiDeps, config: R) {
  const { scope, ...route } = config;
  const writes = route.method !== 'get';
  return createRoute({
    ...route,
    security: [{ apiKey: [] }],
    'x-scope': scope,
    middleware: [scoped(deps, scope)] as const,
    responses: { ...ERRORS, ...(writes ? WRITE_ERRORS : {}), ...route.responses },
  } as unknown as Omit<R, 'scope'>);
}

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export { z };
