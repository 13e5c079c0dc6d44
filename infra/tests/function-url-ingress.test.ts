import { Match } from 'aws-cdk-lib/assertions';
import { parseStageConfig } from '../lib/config/schema';
import {
  refId,
  resourcesOf,
  stageInput,
  statefulLogicalIds,
  synth,
  templateFindings,
  type Synthesized,
} from './helpers/synth';
import STATEFUL_IDS from './fixtures/stateful-logical-ids.json';

/**
 * `ingress: 'function-url'` (docs/deploy.md, "Cost levers"): the receiver's
 * own function URL instead of the HTTP API, read as AWS will create it.
 */
const input = stageInput({
  ingress: 'function-url',
  receiver: {
    memoryMiB: 512,
    timeoutSeconds: 10,
    claimCheckBytes: 262_144,
    reservedConcurrency: 50,
    successLogSampleRate: 0.01,
    platformLogs: false,
  },
});
let s: Synthesized;

beforeAll(() => {
  s = synth(input, { bundle: false });
}, 120_000);
afterAll(() => s?.dispose());

const receiverId = (): string => {
  const fns = resourcesOf(s.template, 'AWS::Lambda::Function');
  const id = Object.keys(fns).find((k) => k.startsWith('Receiver'));
  if (!id) throw new Error('no receiver function');
  return id;
};

describe('PipelineStack with a function URL ingress', () => {
  it('has no HTTP API: a public, buffered function URL on the receiver instead', () => {
    s.template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    s.template.resourceCountIs('AWS::ApiGatewayV2::Stage', 0);
    s.template.resourceCountIs('AWS::Lambda::Url', 1);
    s.template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      InvokeMode: 'BUFFERED',
      TargetFunctionArn: { 'Fn::GetAtt': [receiverId(), 'Arn'] },
    });
  });

  it('grants both permissions a public function URL needs since October 2025', () => {
    const permissions = Object.values(resourcesOf(s.template, 'AWS::Lambda::Permission'))
      .map((p) => p.Properties!)
      .filter((p) => refId(p.FunctionName) === receiverId());
    expect(permissions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: 'lambda:InvokeFunctionUrl',
          Principal: '*',
          FunctionUrlAuthType: 'NONE',
        }),
        expect.objectContaining({
          Action: 'lambda:InvokeFunction',
          Principal: '*',
          InvokedViaFunctionUrl: true,
        }),
      ]),
    );
    // Nothing else may invoke it: no other principal on the receiver.
    expect(permissions).toHaveLength(2);
  });

  it("throttles by the receiver's reserved concurrency, and a stage without one is refused", () => {
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 50,
      Environment: { Variables: Match.objectLike({ SUCCESS_LOG_SAMPLE_RATE: '0.01' }) },
      LoggingConfig: { LogFormat: 'JSON', SystemLogLevel: 'WARN' },
    });
    expect(() =>
      parseStageConfig(
        stageInput({
          ingress: 'function-url',
          receiver: { memoryMiB: 512, timeoutSeconds: 10, claimCheckBytes: 262_144 },
        }),
      ),
    ).toThrow(/function-url[\s\S]*receiver\.reservedConcurrency/);
  });

  it("outputs Meta's callback URLs on the function URL", () => {
    const outputs = s.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const urlId = Object.keys(resourcesOf(s.template, 'AWS::Lambda::Url'))[0]!;
    const joined = (v: unknown) => JSON.stringify(v);
    expect(joined(outputs.WebhookUrl!.Value)).toContain(urlId);
    expect(joined(outputs.WebhookUrl!.Value)).toMatch(/webhook"\]\]\}$/);
    expect(joined(outputs.WebhookUrlPerApp!.Value)).toContain('webhook/{appId}');
  });

  it('alarms and graphs on the function URL metrics instead of the API', () => {
    const alarms = Object.values(resourcesOf(s.template, 'AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties!,
    );
    const metricOf = (name: string) => alarms.find((a) => a.MetricName === name);
    expect(metricOf('Url5xxCount')).toMatchObject({
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: receiverId() } }],
    });
    expect(metricOf('UrlRequestLatency')).toMatchObject({ Namespace: 'AWS/Lambda' });
    expect(alarms.some((a) => a.Namespace === 'AWS/ApiGateway')).toBe(false);
  });

  it('keeps the stateful logical IDs (all but the API access log) and stays free of findings', () => {
    const { ApiAccessLogsE9DF007D: accessLogs, ...rest } = STATEFUL_IDS.lambda as Record<
      string,
      string
    >;
    expect(accessLogs).toBe('AWS::Logs::LogGroup');
    expect(statefulLogicalIds(s.template)).toEqual(rest);
    expect(templateFindings(s)).toEqual([]);
    expect(s.nagViolations).toEqual([]);
  });
});
