/**
 * A value built once, on first use, for a Lambda's warm lifetime: `get()`
 * starts the build and shares it with concurrent callers; a build that fails
 * is forgotten, so the next invocation tries again instead of failing forever.
 */
export function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= build().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}
