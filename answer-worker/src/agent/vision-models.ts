/**
 * OpenAI models whose chat completions take image inputs. A model matches by
 * its name or a dated snapshot of it (`gpt-4o-2024-08-06`); `o3-mini` and
 * `o1-mini` take text only, so families are not matched by prefix.
 */
export const VISION_MODELS: readonly string[] = [
  'gpt-4o',
  'gpt-4o-mini',
  'gpt-4-turbo',
  'gpt-4.1',
  'gpt-4.1-mini',
  'gpt-4.1-nano',
  'gpt-5',
  'gpt-5-mini',
  'gpt-5-nano',
  'o1',
  'o3',
  'o4-mini',
];

const SNAPSHOT = /-\d{4}-\d{2}-\d{2}$/;

/**
 * Whether `model` takes image inputs: one of `allowed` (VISION_MODELS, or the
 * deployment's OPENAI_VISION_MODELS for a compatible server's own models).
 */
export function acceptsImages(model: string, allowed: readonly string[] = VISION_MODELS): boolean {
  return allowed.includes(model) || allowed.includes(model.replace(SNAPSHOT, ''));
}
