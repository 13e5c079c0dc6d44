import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { serviceSettingsFromEnv } from '@waba/consumer-service';
import { EnvError } from '@waba/whatsapp';
import { loadConfig } from '../../local/src/config';
import { consumerEnvironments, consumerMappings } from '../../local/src/consumer-environments';
import { stages } from '../config';
import {
  checkEnvironment,
  FUNCTION_CONTRACTS,
  SERVICE_CONTRACT,
  type EnvContract,
} from '../lib/env-contracts';
import type { PipelineStack } from '../lib/pipeline-stack';
import { serviceModeInput, synth, type Synthesized } from './helpers/synth';

type FunctionName = keyof PipelineStack['functions'];

/** Every function the stack may have has a contract (a type error otherwise). */
const CONTRACTS: Record<FunctionName, EnvContract> = FUNCTION_CONTRACTS;

type Resource = { Type: string; Properties?: Record<string, unknown> };
type TemplateJson = { Resources: Record<string, Resource> };

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';

/**
 * What CloudFormation puts in place of an unresolved value: a value of the
 * type the reference stands for (a queue's Ref is its URL, a secret's its ARN,
 * an endpoint a host name), so that a schema checking the form of a value
 * checks it here too. An intrinsic this does not know fails the test.
 */
function resolveToken(value: unknown, template: TemplateJson): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') {
    const pseudo: Record<string, string> = {
      'AWS::Region': REGION,
      'AWS::AccountId': ACCOUNT,
      'AWS::Partition': 'aws',
      'AWS::URLSuffix': 'amazonaws.com',
    };
    if (pseudo[v.Ref]) return pseudo[v.Ref]!;
    const type = template.Resources[v.Ref]?.Type;
    switch (type) {
      case 'AWS::SQS::Queue':
        return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${v.Ref}`;
      case 'AWS::S3::Bucket':
        return `${v.Ref.toLowerCase()}-bucket`;
      case 'AWS::SecretsManager::Secret':
      case 'AWS::SecretsManager::SecretTargetAttachment':
        return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${v.Ref}-AbCdEf`;
      default:
        throw new Error(`no plausible value for a Ref to ${v.Ref} (${type})`);
    }
  }
  const getAtt = v['Fn::GetAtt'] as [string, string] | undefined;
  if (getAtt) {
    const [id, attribute] = getAtt;
    if (attribute === 'Endpoint' || attribute === 'Endpoint.Address') {
      return `${id.toLowerCase()}.cluster-abcdefghijkl.${REGION}.rds.amazonaws.com`;
    }
    throw new Error(`no plausible value for ${id}.${attribute}`);
  }
  const join = v['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return join[1].map((part) => resolveToken(part, template)).join(join[0]);
  throw new Error(`no plausible value for ${JSON.stringify(value)}`);
}

function resolveEnvironment(
  env: Record<string, unknown>,
  template: TemplateJson,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [name, resolveToken(value, template)]),
  );
}

/** A pipeline function's environment variables in the template, as they stand there. */
function functionVariables(
  s: Synthesized,
  template: TemplateJson,
  name: FunctionName,
): Record<string, unknown> {
  const id = s.stack.getLogicalId(s.stack.functions[name]!.node.defaultChild as CfnFunction);
  const props = template.Resources[id]!.Properties as {
    Environment?: { Variables?: Record<string, unknown> };
  };
  return props.Environment?.Variables ?? {};
}

/** The Fargate task's container environment, as it stands in the template. */
function taskContainer(template: TemplateJson): {
  Environment: Array<{ Name: string; Value: unknown }>;
} {
  const tasks = Object.values(template.Resources).filter(
    (r) => r.Type === 'AWS::ECS::TaskDefinition',
  );
  expect(tasks).toHaveLength(1);
  const [container] = tasks[0]!.Properties!.ContainerDefinitions as Array<{
    Environment: Array<{ Name: string; Value: unknown }>;
  }>;
  return container!;
}

/**
 * Checks every environment of a synthesized stage against its contract; the
 * error names the deployable and, through the EnvError, each variable.
 */
function checkStage(s: Synthesized, template: TemplateJson): string[] {
  const checked: string[] = [];
  const check = (name: string, c: EnvContract, env: Record<string, string>) => {
    try {
      checkEnvironment(c, env);
    } catch (error) {
      throw new Error(`${name}: ${(error as Error).message}`, { cause: error });
    }
    checked.push(name);
  };
  for (const name of Object.keys(s.stack.functions) as FunctionName[]) {
    if (!s.stack.functions[name]) continue;
    check(
      name,
      CONTRACTS[name],
      resolveEnvironment(functionVariables(s, template, name), template),
    );
  }
  if (s.stack.service) {
    const env = taskContainer(template).Environment;
    check(
      'service',
      SERVICE_CONTRACT,
      resolveEnvironment(Object.fromEntries(env.map((e) => [e.Name, e.Value])), template),
    );
  }
  return checked;
}

describe('the configuration contract of every deployable', () => {
  const synthesized: Record<string, Synthesized> = {};
  /** A copy of a stage's template, to change without touching the others' tests. */
  const templateOf = (stage: string) =>
    structuredClone(synthesized[stage]!.template.toJSON()) as TemplateJson;

  beforeAll(() => {
    synthesized.dev = synth(stages.dev!, { bundle: false });
    synthesized.prod = synth(stages.prod!, { bundle: false });
    synthesized.service = synth(serviceModeInput(), { bundle: false });
  }, 300_000);
  afterAll(() => Object.values(synthesized).forEach((s) => s.dispose()));

  const lambdas = ['receiver', 'migrate', 'maintenance', 'processor', 'answerWorker'];
  it.each([
    ['dev', [...lambdas, 'campaignSender', 'mediaArchiver', 'mediaSweep']],
    ['prod', [...lambdas, 'campaignSender', 'mediaArchiver', 'mediaSweep']],
    ['service', ['receiver', 'migrate', 'maintenance', 'mediaArchiver', 'mediaSweep', 'service']],
  ])('%s: every function and task environment satisfies its package schemas', (stage, names) => {
    expect(checkStage(synthesized[stage]!, templateOf(stage))).toEqual(names);
  });

  it.each([
    ['dev', 'processor', 'ANSWER_QUEUE_URL'],
    ['dev', 'receiver', 'INGEST_QUEUE_URL'],
    ['dev', 'receiver', 'PAYLOAD_BUCKET'],
    ['prod', 'answerWorker', 'ANSWER_QUEUE_URL'],
    ['prod', 'campaignSender', 'CAMPAIGN_QUEUE_URL'],
    ['dev', 'mediaArchiver', 'MEDIA_BUCKET'],
    ['prod', 'mediaArchiver', 'MEDIA_QUEUE_URL'],
    ['dev', 'mediaSweep', 'MEDIA_QUEUE_URL'],
  ] as const)('%s: a %s environment without %s fails the check, naming it', (stage, fn, name) => {
    const s = synthesized[stage]!;
    const template = templateOf(stage);
    const variables = functionVariables(s, template, fn);
    expect(variables).toHaveProperty(name);
    delete variables[name];

    expect(() => checkStage(s, template)).toThrow(new RegExp(`^${fn}: .*${name} must be set`));
    const env = resolveEnvironment(variables, template);
    expect(() => checkEnvironment(CONTRACTS[fn], env)).toThrow(EnvError);
  });

  it.each(['INGEST_QUEUE_URL', 'ANSWER_QUEUE_URL', 'CAMPAIGN_QUEUE_URL'])(
    'service: a task environment without %s fails the check, naming it',
    (name) => {
      const template = templateOf('service');
      const container = taskContainer(template);
      expect(container.Environment.map((e) => e.Name)).toContain(name);
      container.Environment = container.Environment.filter((e) => e.Name !== name);

      expect(() => checkStage(synthesized.service!, template)).toThrow(
        new RegExp(`^service: .*${name} must be set`),
      );
    },
  );

  it('a value its schema cannot use fails the check, naming it', () => {
    const s = synthesized.prod!;
    const template = templateOf('prod');
    functionVariables(s, template, 'processor').ANSWER_DELAY_SECONDS = 'soon';

    expect(() => checkStage(s, template)).toThrow(/^processor: .*ANSWER_DELAY_SECONDS/);
  });

  it('a variable no schema names fails the check', () => {
    const s = synthesized.dev!;
    const template = templateOf('dev');
    functionVariables(s, template, 'receiver').INGEST_QUEU_URL = 'https://sqs.example/typo';

    expect(() => checkStage(s, template)).toThrow(/^receiver: not in the schema: INGEST_QUEU_URL$/);
  });
});

describe("the local stack's consumers", () => {
  const { config } = loadConfig({
    OPENAI_API_KEY: 'sk-local',
    WHATSAPP_APP_SECRET_PREVIOUS: 'old',
  });
  const targets = {
    databaseUrl: 'postgres://waba@127.0.0.1:54329/waba',
    ingestQueueUrl: 'http://sqs.us-east-1.127.0.0.1:4566/000000000000/waba-ingest',
    answerQueueUrl: 'http://sqs.us-east-1.127.0.0.1:4566/000000000000/waba-answer',
    campaignQueueUrl: 'http://sqs.us-east-1.127.0.0.1:4566/000000000000/waba-campaign',
    bucket: 'waba-payloads',
    graphUrl: 'http://127.0.0.1:4567',
  };

  it.each(['receiver', 'processor', 'answerWorker', 'campaignSender'] as const)(
    "%s: its environment satisfies the deployed function's contract",
    (name) => {
      const env = consumerEnvironments(config, targets)[name];

      expect(() => checkEnvironment(CONTRACTS[name], env)).not.toThrow();
    },
  );

  it("polls with the service mode's settings, the ingest mapping as configured", () => {
    const service = serviceSettingsFromEnv({
      INGEST_QUEUE_URL: targets.ingestQueueUrl,
      ANSWER_QUEUE_URL: targets.answerQueueUrl,
      CAMPAIGN_QUEUE_URL: targets.campaignQueueUrl,
    }).consumers;

    expect(consumerMappings(config, targets)).toEqual({
      ingest: {
        ...service.ingest,
        batchSize: config.ingest.batchSize,
        windowSeconds: config.ingest.windowSeconds,
        concurrency: config.ingest.concurrency,
      },
      answer: service.answer,
      campaign: service.campaign,
    });
  });
});
