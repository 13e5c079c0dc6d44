import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stages } from '../../config';
import { addPipeline } from '../../lib/app';
import { checkTemplate, type CfnTemplate, type Finding } from '../../lib/checks/template-checks';
import { parseStageConfig, type StageConfigInput } from '../../lib/config/schema';
import type { PipelineStack } from '../../lib/pipeline-stack';
import { repoPath } from '../../lib/paths';

export interface Synthesized {
  app: App;
  stack: PipelineStack;
  template: Template;
  outdir: string;
  /** Removes the synthesized output. */
  dispose(): void;
  /** cdk-nag AwsSolutions findings nobody acknowledged. */
  nagViolations: Array<{ ruleName: string; severity: string; resources: string[] }>;
}

/** A stage configuration: dev's, changed by `overrides`. */
export function stageInput(overrides: Partial<StageConfigInput> = {}): StageConfigInput {
  return { ...stages.dev!, ...overrides };
}

/** Service mode on Aurora Serverless v2 without a proxy, changed by `overrides`. */
export function serviceModeInput(overrides: Partial<StageConfigInput> = {}): StageConfigInput {
  return stageInput({
    mode: 'service',
    database: {
      kind: 'aurora-serverless-v2',
      engineVersion: '18.6',
      minCapacity: 0.5,
      maxCapacity: 4,
      readers: 1,
      proxy: false,
      backupRetentionDays: 7,
      deletionProtection: true,
      natGateways: 2,
    },
    ...overrides,
  });
}

/**
 * Synthesizes a stage as `cdk synth` does (cdk.json's feature flags), into a
 * temporary directory. `bundle: false` skips esbuild, for tests that do not
 * look at the code.
 */
export function synth(
  input: StageConfigInput,
  options: { bundle: boolean; context?: Record<string, unknown> },
): Synthesized {
  // Inside the repository (cdk.out is ignored): bundles resolve the runtime's @aws-sdk/* from
  // node_modules as they would on Lambda.
  const parent = repoPath('infra', 'cdk.out');
  mkdirSync(parent, { recursive: true });
  const outdir = mkdtempSync(join(parent, 'test-'));
  const { app, stack } = build(input, { ...options, outdir });
  // Synthesized once, into outdir: the bundles are there to inspect.
  const assembly = app.synth();
  const template = Template.fromJSON(assembly.getStackByName(stack.stackName).template);
  const report = new AwsSolutionsChecks().validateScope(app);
  return {
    app,
    stack,
    template,
    outdir,
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
    nagViolations: report.violations.map((v) => ({
      ruleName: v.ruleName,
      severity: v.severity ?? '',
      resources: v.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId ?? '?'),
    })),
  };
}

/** cdk.json's feature flags, as the CLI passes them. */
function cdkJsonContext(): Record<string, unknown> {
  return (
    JSON.parse(readFileSync(repoPath('infra', 'cdk.json'), 'utf8')) as {
      context: Record<string, unknown>;
    }
  ).context;
}

/**
 * Constructs a stage's stack without synthesizing it (fast: no template, no
 * cdk-nag), for tests of what construction decides or refuses.
 */
export function build(
  input: StageConfigInput,
  options: { bundle?: boolean; context?: Record<string, unknown>; outdir?: string } = {},
): { app: App; stack: PipelineStack } {
  const app = new App({
    outdir: options.outdir,
    context: {
      ...cdkJsonContext(),
      // As the CLI does: resources name their asset directory (aws:asset:path).
      'aws:cdk:enable-asset-metadata': true,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
  return { app, stack: addPipeline(app, parseStageConfig(input)) };
}

/** The template checks' findings on a synthesized stage (lib/checks/template-checks.ts). */
export function templateFindings(s: Synthesized): Finding[] {
  return checkTemplate(s.template.toJSON() as CfnTemplate, s.stack.stackName);
}

/** The logical ids of the pipeline's own functions (not CDK's custom resource providers). */
export function pipelineFunctionIds(s: Synthesized): string[] {
  return Object.values(s.stack.functions)
    .filter((fn) => fn !== undefined)
    .map((fn) => s.stack.getLogicalId(fn.node.defaultChild as CfnFunction));
}

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] | string }
>;

/** Every resource of a type, by logical id. */
export function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

/** The logical id in `{ Ref: id }` or `{ 'Fn::GetAtt': [id, ...] }`. */
export function refId(value: unknown): string {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  const id = v.Ref ?? v['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`not a Ref or GetAtt: ${JSON.stringify(value)}`);
  return id;
}

/**
 * Resources that hold data or identity: a change of logical id replaces them on
 * the next deploy (a new database, empty queues, new secrets, lost logs).
 */
const STATEFUL_TYPES = new Set([
  'AWS::KMS::Key',
  'AWS::Logs::LogGroup',
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBProxy',
  'AWS::RDS::DBSubnetGroup',
  'AWS::S3::Bucket',
  'AWS::SQS::Queue',
  'AWS::SecretsManager::Secret',
]);

/** The stateful resources of a template, logical id to type, sorted by id. */
export function statefulLogicalIds(template: Template): Record<string, string> {
  const resources = template.toJSON() as { Resources: Record<string, { Type: string }> };
  return Object.fromEntries(
    Object.entries(resources.Resources)
      .filter(([, r]) => STATEFUL_TYPES.has(r.Type))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, r]) => [id, r.Type]),
  );
}
