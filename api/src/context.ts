import type { OpenAPIHono } from '@hono/zod-openapi';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ApiPrincipal, Db } from '@waba/db';
import type { Logger } from '@waba/whatsapp';

/** What the API runs on: the same parts the CLI connects to. */
export interface ApiDeps {
  db: Db;
  logger: Logger;
  /** Largest request body in bytes (default 6 MiB, Lambda's limit); larger ones get 413. */
  maxBodyBytes?: number;
  /** SQS, for routes that enqueue (campaign start, webhook replay, DLQ redrive). */
  sqs?: SQSClient;
  /** The pipeline's queues and their DLQs; a route needing one that is absent answers 503. */
  queues?: Partial<Record<ApiQueueName, { url?: string; dlqUrl?: string }>>;
  /** Seconds an answer waits for more messages of the same customer (replays). */
  answerDelaySeconds?: number;
}

export type ApiQueueName = 'ingest' | 'answer' | 'campaign' | 'media';

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
