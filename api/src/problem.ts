import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from '@hono/zod-openapi';

/** One field a request got wrong: `query.limit`, `body.audience[3].wa_id`, `header.idempotency-key`. */
export interface FieldError {
  field: string;
  message: string;
}

/** RFC 9457 problem details: every error the API answers. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The problem document's schema, shared by every error response in the OpenAPI document. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: '/api/docs#problem-invalid-request' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'The fields a 400 refers to' }),
  })
  .catchall(z.unknown())
  .openapi('Problem');

const TITLES: Record<number, [slug: string, title: string]> = {
  400: ['invalid-request', 'The request is not valid'],
  401: ['unauthenticated', 'A valid API key is required'],
  403: ['forbidden', 'The key may not do this'],
  404: ['not-found', 'No such resource'],
  409: ['conflict', 'The resource is not in a state that allows this'],
  413: ['too-large', 'The request body is too large'],
  415: ['unsupported-media-type', 'The request body has the wrong content type'],
  422: ['unprocessable', 'The request cannot be carried out'],
  429: ['rate-limited', 'Too many requests'],
  500: ['internal', 'Internal error'],
  502: ['upstream', 'A service the API depends on failed'],
  503: ['unavailable', 'A service the API depends on is not configured or not reachable'],
};

/** An error the API answers as problem+json; thrown from anywhere in a request. */
export class ApiProblem extends Error {
  readonly status: number;
  readonly problem: Problem;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    detail?: string,
    extra: Partial<Problem> = {},
    headers: Record<string, string> = {},
  ) {
    super(detail ?? TITLES[status]?.[1] ?? `HTTP ${status}`);
    const [slug, title] = TITLES[status] ?? ['error', `HTTP ${status}`];
    this.status = status;
    this.headers = headers;
    this.problem = {
      type: `/api/docs#problem-${slug}`,
      title,
      status,
      ...(detail === undefined ? {} : { detail }),
      ...extra,
    };
  }
}

/** A 400 naming the fields. */
export function invalid(errors: FieldError[]): ApiProblem {
  const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return new ApiProblem(400, detail, { errors });
}

export const notFound = (what: string) => new ApiProblem(404, `${what} not found`);

/** The problem as a response. */
export function problemResponse(c: Context, p: ApiProblem): Response {
  const body: Problem = { ...p.problem, instance: c.req.path };
  return c.body(JSON.stringify(body), p.status as ContentfulStatusCode, {
    'content-type': PROBLEM_CONTENT_TYPE,
    ...p.headers,
  });
}

/** zod's issues as field errors, prefixed by where the value came from (query, body, path, header). */
export function fieldErrors(
  target: string,
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): FieldError[] {
  return issues.map((issue) => ({
    field: [target, ...issue.path]
      .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
      .join(''),
    message: issue.message,
  }));
}
