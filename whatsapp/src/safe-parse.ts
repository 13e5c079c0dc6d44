import { z } from 'zod';
import { errorText } from './errors';

/**
 * `schema.safeParse(value)` that keeps its promise not to throw. zod can throw
 * on hostile JSON: a length check reads `value.length` even when the value is
 * not a string, and a body such as `{"from":{"length":{"toString":0}}}` then
 * fails converting that object to a number (TypeError). Such a value is
 * reported as an ordinary parse failure, so one item cannot sink its webhook.
 */
export function safeParseOf<T extends z.ZodType>(
  schema: T,
  value: unknown,
): z.ZodSafeParseResult<z.output<T>> {
  try {
    return schema.safeParse(value);
  } catch (cause) {
    return {
      success: false,
      error: new z.ZodError([
        {
          code: 'custom',
          path: [],
          message: `unreadable value (${errorText(cause)})`,
          input: value,
        },
      ]) as z.ZodError<z.output<T>>,
    };
  }
}
