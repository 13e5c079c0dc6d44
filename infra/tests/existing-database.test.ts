import {
  pipelineFunctionIds,
  refId,
  resourcesOf,
  stageInput,
  synth,
  templateFindings,
  type Synthesized,
} from './helpers/synth';

const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:waba/db-AbCdEf';
/** Customer-managed keys of the imported secrets (the token's has none: the AWS managed key). */
const KEYS = {
  database: 'arn:aws:kms:us-east-1:123456789012:key/1111aaaa-0000-0000-0000-000000000001',
  openAi: 'arn:aws:kms:us-east-1:123456789012:key/2222bbbb-0000-0000-0000-000000000002',
};
let s: Synthesized;

beforeAll(() => {
  s = synth(
    stageInput({
      database: {
        kind: 'existing',
        secretArn: SECRET,
        secretKmsKeyArn: KEYS.database,
        sslMode: 'verify-full',
      },
      whatsapp: {
        accessTokenSecretArn:
          'arn:aws:secretsmanager:us-east-1:123456789012:secret:waba/token-AbCdEf',
      },
      openAi: {
        apiKeySecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:waba/openai-AbCdEf',
        apiKeySecretKmsKeyArn: KEYS.openAi,
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
    expect(fns).toHaveLength(8);
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

  it('secrets imported by ARN: kms:Decrypt on their customer-managed key, through Secrets Manager only', () => {
    const fns = Object.entries(resourcesOf(s.template, 'AWS::Lambda::Function'));
    const roleOf = (description: RegExp) =>
      refId(
        fns.find(([, f]) => description.test(String(f.Properties!.Description)))![1].Properties!
          .Role,
      );
    type St = { Action: string | string[]; Resource: unknown; Condition?: unknown };
    const statements = (role: string): St[] =>
      Object.values(resourcesOf(s.template, 'AWS::IAM::Policy'))
        .filter((p) => (p.Properties!.Roles as unknown[]).some((r) => refId(r) === role))
        .flatMap((p) => (p.Properties!.PolicyDocument as { Statement: St[] }).Statement);
    const decryptable = (role: string) =>
      statements(role)
        .filter((st) => [st.Action].flat().includes('kms:Decrypt'))
        .flatMap((st) => {
          expect(JSON.stringify(st.Condition)).toContain('kms:ViaService');
          return [st.Resource].flat();
        });
    // The answer worker reads the database and OpenAI secrets; the token's key is AWS managed.
    expect(decryptable(roleOf(/^Answer queue/)).sort()).toEqual([KEYS.database, KEYS.openAi]);
    expect(decryptable(roleOf(/^Ingest queue/))).toEqual([KEYS.database]);
    // The receiver reads the created apps secret only.
    expect(decryptable(roleOf(/receiver/))).toEqual([]);
  });

  it('passes the template checks', () => {
    expect(templateFindings(s)).toEqual([]);
  });

  it('cdk-nag AwsSolutions: no unacknowledged error or warning', () => {
    expect(s.nagViolations).toEqual([]);
  });
});
