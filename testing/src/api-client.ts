import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** An OpenAPI 3.1 document, as far as the client reads it. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: Record<string, unknown>;
}
interface OpenApiOperation {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  [key: string]: unknown;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The body parsed when it is JSON (application/json or application/problem+json), else undefined. */
  body: T;
  text: string;
  contentType: string;
}

export interface ApiRequest {
  /** Bearer key; `null` sends no Authorization header. */
  key?: string | null;
  /** JSON body (or a string sent as is with `contentType`). */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

/**
 * A client for the HTTP API that checks every response against the OpenAPI
 * document: the operation must exist, the status must be documented, the
 * content type must be one of the documented ones, and a JSON body must
 * match its schema. A mismatch throws, so a test cannot pass on an
 * undocumented response.
 */
export class OpenApiClient {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: { template: string; pattern: RegExp }[];
  /** Every (method, path template, status) seen, for coverage checks. */
  readonly seen = new Set<string>();

  constructor(
    readonly baseUrl: string,
    readonly document: OpenApiDocument,
    readonly defaultKey?: string,
  ) {
    addFormats(this.ajv);
    this.templates = Object.keys(document.paths).map((template) => ({
      template,
      pattern: new RegExp(
        `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`,
      ),
    }));
  }

  /** A client of the same API with another key. */
  as(key: string | null): OpenApiClient {
    return new OpenApiClient(this.baseUrl, this.document, key ?? undefined);
  }

  get = (path: string, req: ApiRequest = {}) => this.request('GET', path, req);
  post = (path: string, req: ApiRequest = {}) => this.request('POST', path, req);
  put = (path: string, req: ApiRequest = {}) => this.request('PUT', path, req);
  patch = (path: string, req: ApiRequest = {}) => this.request('PATCH', path, req);
  delete = (path: string, req: ApiRequest = {}) => this.request('DELETE', path, req);

  async request(method: string, path: string, req: ApiRequest = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...req.headers };
    const key = req.key === undefined ? this.defaultKey : req.key;
    if (key) headers.authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (req.body !== undefined) {
      body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
      headers['content-type'] = req.contentType ?? 'application/json';
    }
    const res = await fetch(new URL(path, this.baseUrl), { method, headers, body });
    const text = await res.text();
    const contentType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const parsed = /json$/.test(contentType) && text !== '' ? JSON.parse(text) : undefined;
    const response: ApiResponse = {
      status: res.status,
      headers: res.headers,
      body: parsed,
      text,
      contentType,
    };
    this.check(method, path, response);
    return response;
  }

  private check(method: string, path: string, res: ApiResponse): void {
    const pathname = new URL(path, this.baseUrl).pathname;
    const where = `${method} ${pathname} → ${res.status}`;
    const template = this.templates.find((t) => t.pattern.test(pathname))?.template;
    const operation = template ? this.document.paths[template]?.[method.toLowerCase()] : undefined;
    if (!template || !operation) {
      // Unknown routes must still answer a problem document.
      if (res.status === 404 || res.status === 405) {
        if (res.contentType !== 'application/problem+json')
          throw new Error(`${where}: not a problem+json answer (${res.contentType})`);
        return;
      }
      throw new Error(`${where}: no such operation in the OpenAPI document`);
    }
    this.seen.add(`${method.toUpperCase()} ${template} ${res.status}`);
    const documented = operation.responses?.[String(res.status)] ?? operation.responses?.default;
    if (!documented)
      throw new Error(`${where}: status not documented (body ${res.text.slice(0, 300)})`);
    const content = documented.content;
    if (!content) {
      if (res.text !== '') throw new Error(`${where}: documented without a body, got one`);
      return;
    }
    const media = content[res.contentType];
    if (!media)
      throw new Error(
        `${where}: content type ${res.contentType} not documented (${Object.keys(content).join(', ')})`,
      );
    if (res.body === undefined || media.schema === undefined) return;
    const validate = this.validator(
      `${template} ${method} ${res.status} ${res.contentType}`,
      media.schema,
    );
    if (!validate(res.body))
      throw new Error(
        `${where}: body does not match the OpenAPI document: ${this.ajv.errorsText(validate.errors)}\n${res.text.slice(0, 500)}`,
      );
  }

  private validator(id: string, schema: unknown): ValidateFunction {
    let v = this.validators.get(id);
    if (!v) {
      v = this.ajv.compile({
        ...(schema as object),
        components: this.document.components,
      });
      this.validators.set(id, v);
    }
    return v;
  }
}
