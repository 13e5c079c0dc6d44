import { parseStageConfig, type StageConfig, type StageConfigInput } from '../lib/config/schema';
import { dev } from './dev';
import { prod } from './prod';

/** The stages this repository ships; add a file and a line here for another. */
export const stages: Record<string, StageConfigInput> = { dev, prod };

/**
 * The validated configuration of a stage (`--context stage=<name>`, default
 * dev), with what the command line overrides (`--context firstDeploy=true`).
 */
export function loadStageConfig(
  stage: string,
  overrides: Partial<Pick<StageConfigInput, 'firstDeploy'>> = {},
): StageConfig {
  const input = stages[stage];
  if (!input) {
    throw new Error(`unknown stage "${stage}": one of ${Object.keys(stages).join(', ')}`);
  }
  return parseStageConfig({ ...input, ...overrides });
}
