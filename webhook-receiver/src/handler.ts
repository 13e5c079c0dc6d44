import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { receiverDepsFromEnv } from './deps-from-env';
import { handleWebhookRequest } from './receive';

// Built at cold start: a bad setting or a missing app secret stops the start
// with the variable's name instead of failing (or accepting) requests.
const deps = receiverDepsFromEnv(process.env);

export async function handler(
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyStructuredResultV2> {
  return handleWebhookRequest(event, deps);
}
