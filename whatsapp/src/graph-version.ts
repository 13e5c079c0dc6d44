import * as z from 'zod/mini';
import type * as core from 'zod/v4/core';

/**
 * The Graph API version calls go to unless WHATSAPP_GRAPH_VERSION says
 * otherwise. v25.0: released 2026-02-18 and available until 2028-07-29 (Meta's
 * Graph API versions changelog), the version the 2026 webhook shapes
 * (business-scoped user ids, per-message pricing) were published against by
 * client libraries, so the longest-lived version they have caught up with.
 * Versions live about two years: raise it before Meta retires it
 * (docs/deploy.md, "Graph API version").
 */
export const DEFAULT_GRAPH_VERSION = 'v25.0';

/** A Graph API version as Meta names it: `v25.0`. */
export const GRAPH_VERSION_PATTERN = /^v\d{2,}\.0$/;

/** WHATSAPP_GRAPH_VERSION in a consumer's environment schema; unset: {@link DEFAULT_GRAPH_VERSION}. */
export function envGraphVersion(): core.$ZodType<string, string | undefined> {
  const message = 'must be a Graph API version such as v25.0';
  return z._default(
    z.string({ error: message }).check(z.regex(GRAPH_VERSION_PATTERN, message)),
    DEFAULT_GRAPH_VERSION,
  );
}
