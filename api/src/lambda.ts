import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { dbFromEnv, type Db } from '@waba/db';
import { createLogger, lazy, type Logger } from '@waba/whatsapp';
import { createApi } from './app';
import type { ApiApp, ApiDeps } from './context';
import { apiEnvFromEnv } from './env.schema';

/** The API's dependencies from the environment (Lambda, or a host that shares its parts). */
export async function apiDepsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  shared: { db?: Db; sqs?: SQSClient; logger?: Logger } = {},
): Promise<ApiDeps> {
  const settings = apiEnvFromEnv(env);
  return {
    db: await dbFromEnv(env, { max: settings.DB_POOL_MAX, applicationName: 'waba-api' }, shared.db),
    logger: shared.logger ?? createLogger('api'),
    sqs: shared.sqs ?? new SQSClient({}),
    maxBodyBytes: settings.API_MAX_BODY_BYTES,
    answerDelaySeconds: settings.ANSWER_DELAY_SECONDS,
    queues: {
      ingest: { url: settings.INGEST_QUEUE_URL, dlqUrl: settings.INGEST_DLQ_URL },
      answer: { url: settings.ANSWER_QUEUE_URL, dlqUrl: settings.ANSWER_DLQ_URL },
      campaign: { url: settings.CAMPAIGN_QUEUE_URL, dlqUrl: settings.CAMPAIGN_DLQ_URL },
      media: { url: settings.MEDIA_QUEUE_URL, dlqUrl: settings.MEDIA_DLQ_URL },
    },
  };
}

/** An API Gateway HTTP API (payload v2) handler over an app. */
export function lambdaHandlerFor(
  app: () => Promise<ApiApp>,
): (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2> {
  let handled: ReturnType<typeof handle> | undefined;
  return async (event, context) => {
    handled ??= handle(await app());
    return (await handled(
      event as unknown as Parameters<typeof handled>[0],
      context,
    )) as APIGatewayProxyResultV2;
  };
}

// Settings are checked at cold start; the app (and the secret read) is built on the first
// request, and a failed build is retried on the next.
apiEnvFromEnv(process.env);
const app = lazy(async () => createApi(await apiDepsFromEnv(process.env)));

export const handler = lambdaHandlerFor(app);
