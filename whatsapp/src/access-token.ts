/**
 * What a deployment puts in a secret it has not been given a value for yet.
 * Infra creates the Graph token secret with {@link GRAPH_TOKEN_PLACEHOLDER};
 * every sender refuses a value that starts with {@link PLACEHOLDER_SECRET_PREFIX}
 * instead of sending with it and getting Meta's 190 for every message.
 */
export const PLACEHOLDER_SECRET_PREFIX = 'REPLACE_ME';
export const GRAPH_TOKEN_PLACEHOLDER = `${PLACEHOLDER_SECRET_PREFIX}_WITH_A_GRAPH_API_TOKEN`;

/** True for an empty value or one that still holds the deployment's placeholder. */
export function isPlaceholderSecret(value: string): boolean {
  const trimmed = value.trim();
  return trimmed === '' || trimmed.startsWith(PLACEHOLDER_SECRET_PREFIX);
}

/**
 * Where the Graph client gets its bearer token. `current` may serve a cached
 * value; `reread` bypasses any cache (called once after Meta answered 190).
 */
export interface AccessTokenSource {
  current(): Promise<string>;
  reread(): Promise<string>;
}

export function staticAccessToken(token: string): AccessTokenSource {
  const value = async () => token;
  return { current: value, reread: value };
}
