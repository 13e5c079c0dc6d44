import type { App } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { TemplateChecks } from './checks/template-checks';
import type { StageConfig } from './config/schema';
import { PipelineStack } from './pipeline-stack';

/** The stack's name for a stage: one pipeline per stage and account/region. */
export const stackName = (config: StageConfig): string => `Waba-${config.stage}`;

/** Adds the pipeline stack of a stage to an app. */
export function addPipeline(app: App, config: StageConfig): PipelineStack {
  return new PipelineStack(app, stackName(config), {
    config,
    description: `WhatsApp Business Cloud API webhook pipeline (${config.stage})`,
    env: config.env,
  });
}

/**
 * cdk-nag's AWS Solutions checks and the project's template checks
 * (lib/checks/template-checks.ts) on an app: an unacknowledged nag finding,
 * or any template finding, fails synthesis.
 */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new TemplateChecks());
}
