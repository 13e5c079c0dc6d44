import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { auditLookupSchema, type FindAuditRequest } from '@waba/db';
import { secretsManagerReader } from '@waba/whatsapp/secrets';
import { errorMessage, type SmokeDeps } from './run-smoke';

/** How the SDK clients are built: unset fields follow the SDK's default chain. */
export interface AwsClientOptions {
  region?: string;
  /** One endpoint for all three services (tests); AWS_ENDPOINT_URL works too. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface SmokeClients {
  cloudFormation: CloudFormationClient;
  secretsManager: SecretsManagerClient;
  lambda: LambdaClient;
}

export function smokeClients(options: AwsClientOptions = {}): SmokeClients {
  const config = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  return {
    cloudFormation: new CloudFormationClient(config),
    secretsManager: new SecretsManagerClient(config),
    lambda: new LambdaClient(config),
  };
}

/** The AWS half of the smoke test's dependencies: stack outputs, secrets, the audit lookup. */
export function awsSmokeDeps(
  clients: SmokeClients,
): Pick<SmokeDeps, 'stackOutputs' | 'readSecret' | 'findAudit'> {
  return {
    async stackOutputs(stackName) {
      const region = await clients.cloudFormation.config.region().catch((error: unknown) => {
        throw new Error(
          `no AWS region (${errorMessage(error)}): pass --region, set AWS_REGION, or give the profile a region`,
          { cause: error },
        );
      });
      let stack;
      try {
        const out = await clients.cloudFormation.send(
          new DescribeStacksCommand({ StackName: stackName }),
        );
        stack = out.Stacks?.[0];
      } catch (error) {
        throw new Error(`${errorMessage(error)} (region ${region})`, { cause: error });
      }
      if (!stack) throw new Error(`DescribeStacks returned no stack (region ${region})`);
      // A stack that never finished creating, or is being deleted, has nothing to test.
      if (/^(CREATE_IN_PROGRESS|CREATE_FAILED|ROLLBACK_|DELETE_)/.test(stack.StackStatus ?? '')) {
        throw new Error(`status ${stack.StackStatus}: nothing deployed to test (docs/deploy.md)`);
      }
      return Object.fromEntries(
        (stack.Outputs ?? []).flatMap((o) =>
          o.OutputKey && o.OutputValue !== undefined ? [[o.OutputKey, o.OutputValue]] : [],
        ),
      );
    },
    readSecret: secretsManagerReader(clients.secretsManager),
    async findAudit(functionName, bodySha256) {
      const request: FindAuditRequest = { action: 'find-audit', bodySha256 };
      const out = await clients.lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(request)),
        }),
      );
      const text = out.Payload ? new TextDecoder().decode(out.Payload) : '';
      if (out.FunctionError) {
        let reason = text;
        try {
          const body = JSON.parse(text) as { errorType?: string; errorMessage?: string };
          reason = [body.errorType, body.errorMessage].filter(Boolean).join(': ') || text;
        } catch {
          // Not Lambda's JSON error document: show it as it came.
        }
        throw new Error(`the function failed (${out.FunctionError}): ${reason}`);
      }
      const parsed = auditLookupSchema.safeParse(JSON.parse(text || 'null'));
      if (!parsed.success) {
        throw new Error(
          `unexpected answer ${text.slice(0, 200)} (is the function older than find-audit? deploy again)`,
        );
      }
      return parsed.data;
    },
  };
}
