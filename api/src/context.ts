import type { SQSClient } from '@aws-sdk/client-sqs';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiPrincipal, Db } from '@waba/db';
import type { Logger } from '@waba/whatsapp';

export type QueueName = 'ingest' | 'answer' | 'campaign' | 'media';

/** What the API runs on: the same parts the CLI connects to. */
export interface ApiDeps {
  db: Db;
  logger: Logger;
  /** SQS, for campaign starts, DLQ listing and redrive; absent: those routes answer 503. */
  sqs?: SQSClient;
  queues?: Partial<Record<QueueName, { url?: string; dlqUrl?: string }>>;
  /** Largest request body in bytes (default 6 MiB, Lambda's limit); larger ones get 413. */
  maxBodyBytes?: number;
  /** Base URL the API is reached at, for links in responses (default: from the request). */
  publicUrl?: string;
}

/** Per-request values the middleware sets. */
export interface ApiVariables {
  requestId: string;
  /** The authenticated key; absent on public routes (the OpenAPI document, the docs page). */
  principal: ApiPrincipal;
  /**
   * The database of this request: for an organization's key a transaction
   * bound to its organization under row-level security (`withOrganization`);
   * for a platform key the plain database.
   */
  db: Db;
}

export type ApiEnv = { Variables: ApiVariables };
export type ApiApp = OpenAPIHono<ApiEnv>;
