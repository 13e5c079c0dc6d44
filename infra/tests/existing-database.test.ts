import {
  pipelineFunctionIds,
  resourcesOf,
  stageInput,
  synth,
  type Synthesized,
} from './helpers/synth';

const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:waba/db-AbCdEf';
let s: Synthesized;

beforeAll(() => {
  s = synth(
    stageInput({
      database: { kind: 'existing', secretArn: SECRET, sslMode: 'verify-full' },
      whatsapp: {
        accessTokenSecretArn:
          'arn:aws:secretsmanager:us-east-1:123456789012:secret:waba/token-AbCdEf',
      },
      openAi: {
        apiKeySecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:waba/openai-AbCdEf',
        model: 'gpt-4.1-mini',
      },
    }),
    { bundle: false },
  );
}, 120_000);
afterAll(() => s?.dispose());

describe('PipelineStack (existing database reached over the internet)', () => {
  it('creates no VPC, no database and no NAT', () => {
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::NatGateway', 'AWS::RDS::DBInstance']) {
      s.template.resourceCountIs(type, 0);
    }
  });

  it('functions run outside any VPC and read the given secrets', () => {
    const fns = Object.entries(resourcesOf(s.template, 'AWS::Lambda::Function'))
      .filter(([id]) => pipelineFunctionIds(s).includes(id))
      .map(([, f]) => f);
    expect(fns).toHaveLength(6);
    const answer = fns.find((f) => String(f.Properties!.Description).startsWith('Answer queue'))!;
    expect(answer.Properties!.VpcConfig).toBeUndefined();
    expect(answer.Properties!.Environment).toEqual({
      Variables: expect.objectContaining({
        DATABASE_SECRET_ARN: SECRET,
        DATABASE_SSLMODE: 'verify-full',
        WHATSAPP_ACCESS_TOKEN_SECRET_ARN: expect.stringContaining(':secret:waba/token-'),
        OPENAI_API_KEY_SECRET_ARN: expect.stringContaining(':secret:waba/openai-'),
        OPENAI_MODEL: 'gpt-4.1-mini',
      }),
    });
    // Only the apps secret is created; the others are the operator's.
    s.template.resourceCountIs('AWS::SecretsManager::Secret', 1);
  });

  it('cdk-nag AwsSolutions: no unacknowledged error or warning', () => {
    expect(s.nagViolations).toEqual([]);
  });
});
