/** A value built on first use and shared, see {@link lazy}. */
export interface Lazy<T> {
  /** The held value, or a new build when there is none (or it is older than the TTL). */
  (): Promise<T>;
  /** Builds again now; callers that come meanwhile share the new build. */
  refresh(): Promise<T>;
  /** The held value, without building: undefined when there is none or it expired. */
  peek(): Promise<T> | undefined;
}

export interface LazyOptions {
  /** How long a value is kept (default: for ever, i.e. a Lambda's warm lifetime). */
  ttlMs?: number;
  /** Milliseconds now (tests). */
  now?: () => number;
}

/**
 * A value built once, on first use, for a Lambda's warm lifetime (or for
 * `ttlMs`): `get()` starts the build and shares it with concurrent callers;
 * a build that fails is forgotten, so the next call tries again instead of
 * failing forever. The one cached-promise helper of the project.
 */
export function lazy<T>(build: () => Promise<T>, options: LazyOptions = {}): Lazy<T> {
  const ttlMs = options.ttlMs ?? Infinity;
  const now = options.now ?? Date.now;
  let held: { at: number; value: Promise<T> } | undefined;
  const peek = () => (held && now() - held.at < ttlMs ? held.value : undefined);
  const refresh = () => {
    // A build that throws before returning its promise is a failed build too.
    const entry = { at: now(), value: new Promise<T>((resolve) => resolve(build())) };
    held = entry;
    entry.value.catch(() => {
      // Only this build is forgotten: a newer one started meanwhile stays.
      if (held === entry) held = undefined;
    });
    return entry.value;
  };
  return Object.assign(() => peek() ?? refresh(), { refresh, peek });
}
