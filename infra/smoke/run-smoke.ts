import { randomInt, randomUUID } from 'node:crypto';
import type { AuditLookup } from '@waba/db';
import { DEFAULT_APP_ID, parseAppsDocument, type AppConfig } from '@waba/webhook-receiver';
import { smokeWebhook } from './smoke-webhook';

/** The stack outputs the smoke test reads (infra/lib/pipeline-stack.ts and its constructs). */
export const SMOKE_OUTPUTS = {
  webhookUrl: 'WebhookUrl',
  webhookUrlPerApp: 'WebhookUrlPerApp',
  appsSecretArn: 'WhatsappAppsSecretArn',
  maintenanceFunction: 'MaintenanceFunctionName',
} as const;

export type StepStatus = 'pass' | 'fail' | 'skip';

export interface StepResult {
  step: string;
  status: StepStatus;
  detail: string;
}

export interface SmokeResult {
  ok: boolean;
  steps: StepResult[];
}

export interface SmokeOptions {
  stackName: string;
  /** The Meta app to test: `default` is /webhook, another one /webhook/{appId}. */
  appId: string;
  /** Ids no organization owns (see smoke-webhook.ts). */
  phoneNumberId: string;
  wabaId: string;
  /** How long to wait for the audit row. */
  auditTimeoutMs: number;
  auditPollMs: number;
  /** Limit of each HTTP request to the callback URL. */
  httpTimeoutMs: number;
}

export interface SmokeDeps {
  /** The stack's outputs by key; throws when the stack does not exist. */
  stackOutputs(stackName: string): Promise<Record<string, string>>;
  /** A secret's string value. */
  readSecret(secretId: string): Promise<string>;
  /** Invokes the maintenance function with `{ action: 'find-audit', bodySha256 }`. */
  findAudit(functionName: string, bodySha256: string): Promise<AuditLookup>;
  fetch: typeof fetch;
  sleep(ms: number): Promise<void>;
  /** Told as each step ends (the CLI prints one line per step). */
  onStep?(result: StepResult): void;
}

/** A failed step: its message is the line the operator reads. */
export class SmokeStepError extends Error {
  override name = 'SmokeStepError';
}

const STEPS = ['outputs', 'apps secret', 'challenge', 'webhook', 'audit row'] as const;

/** An error's message; Node's own errors may come from another realm (not `instanceof Error`). */
export function errorMessage(error: unknown): string {
  const m = (error as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : String(error);
}

async function bodyExcerpt(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** fetch, with a network failure named after the request and its cause (DNS, TLS, timeout). */
async function send(deps: SmokeDeps, what: string, url: URL | string, init: RequestInit) {
  try {
    return await deps.fetch(url, init);
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    throw new SmokeStepError(
      `${what} failed: ${errorMessage(error)}${cause ? ` (${errorMessage(cause)})` : ''}`,
    );
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Checks a deployed stack the way Meta meets it, in five steps, each ending
 * with one line; the first failure skips the rest:
 * 1. read the stack's outputs (callback URL, apps secret, maintenance function);
 * 2. read the app's secret and verify token from the apps secret;
 * 3. answer Meta's challenge: GET with hub.mode=subscribe → 200 and the echo;
 * 4. POST one signed `messages` webhook for a number nobody owns → 200;
 * 5. wait for its audit row (asked through the maintenance function, since
 *    the database is in private subnets): `unrouted`, the message parsed.
 */
export async function runSmokeTest(options: SmokeOptions, deps: SmokeDeps): Promise<SmokeResult> {
  const steps: StepResult[] = [];
  const record = (step: string, status: StepStatus, detail: string) => {
    const result = { step, status, detail };
    steps.push(result);
    deps.onStep?.(result);
  };
  const run = async <T>(step: string, fn: () => Promise<{ value: T; detail: string }>) => {
    try {
      const { value, detail } = await fn();
      record(step, 'pass', detail);
      return value;
    } catch (error) {
      record(step, 'fail', errorMessage(error));
      throw error;
    }
  };

  try {
    const outputs = await run(STEPS[0], async () => {
      let all: Record<string, string>;
      try {
        all = await deps.stackOutputs(options.stackName);
      } catch (error) {
        throw new SmokeStepError(`stack ${options.stackName}: ${errorMessage(error)}`);
      }
      const need = (key: string) => {
        const value = all[key];
        if (!value) {
          throw new SmokeStepError(
            `stack ${options.stackName} has no output ${key} (deployed before this version? deploy again)`,
          );
        }
        return value;
      };
      const webhookUrl =
        options.appId === DEFAULT_APP_ID
          ? need(SMOKE_OUTPUTS.webhookUrl)
          : need(SMOKE_OUTPUTS.webhookUrlPerApp).replace(
              '{appId}',
              encodeURIComponent(options.appId),
            );
      const value = {
        webhookUrl,
        appsSecretArn: need(SMOKE_OUTPUTS.appsSecretArn),
        maintenanceFunction: need(SMOKE_OUTPUTS.maintenanceFunction),
      };
      return {
        value,
        detail: `stack ${options.stackName}: callback ${webhookUrl}, audit lookup through ${value.maintenanceFunction}`,
      };
    });

    const app = await run(STEPS[1], async () => {
      let apps: Map<string, AppConfig>;
      try {
        apps = parseAppsDocument(await deps.readSecret(outputs.appsSecretArn), 'the apps secret');
      } catch (error) {
        throw new SmokeStepError(`${outputs.appsSecretArn}: ${errorMessage(error)}`);
      }
      const value = apps.get(options.appId);
      if (!value) {
        throw new SmokeStepError(
          `the apps secret has no app "${options.appId}" (it lists ${[...apps.keys()].join(', ') || 'none'}): fill it in (docs/deploy.md)`,
        );
      }
      return {
        value,
        detail: `app "${options.appId}": ${value.secrets.length} secret(s) and a verify token`,
      };
    });

    await run(STEPS[2], async () => {
      const challenge = String(randomInt(1_000_000_000, 2_000_000_000));
      const url = new URL(outputs.webhookUrl);
      url.searchParams.set('hub.mode', 'subscribe');
      url.searchParams.set('hub.verify_token', app.verifyToken);
      url.searchParams.set('hub.challenge', challenge);
      const response = await send(deps, `GET ${outputs.webhookUrl}`, url, {
        signal: AbortSignal.timeout(options.httpTimeoutMs),
      });
      const body = await bodyExcerpt(response);
      if (response.status !== 200) {
        const hint =
          response.status === 403
            ? ': the receiver does not accept the verify token of the apps secret (the receiver caches the secret for a few minutes after a change)'
            : '';
        throw new SmokeStepError(`GET ${outputs.webhookUrl} answered ${response.status}${hint}`);
      }
      if (body !== challenge) {
        throw new SmokeStepError(
          `GET ${outputs.webhookUrl} answered 200 but not the challenge: expected "${challenge}", got "${body}"`,
        );
      }
      return { value: undefined, detail: `GET ${outputs.webhookUrl} → 200, challenge echoed` };
    });

    const webhook = smokeWebhook({
      secret: app.secrets[0]!,
      runId: randomUUID(),
      phoneNumberId: options.phoneNumberId,
      wabaId: options.wabaId,
    });
    await run(STEPS[3], async () => {
      const response = await send(deps, `POST ${outputs.webhookUrl}`, outputs.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': webhook.signature },
        body: webhook.raw,
        signal: AbortSignal.timeout(options.httpTimeoutMs),
      });
      if (response.status !== 200) {
        const body = await bodyExcerpt(response);
        const hint =
          response.status === 401
            ? ': the receiver refused the signature made with the apps secret'
            : response.status >= 500
              ? ': the receiver failed (its logs and the ApiServerErrors alarm say why)'
              : '';
        throw new SmokeStepError(
          `POST ${outputs.webhookUrl} answered ${response.status}${hint}${body ? ` (${body})` : ''}`,
        );
      }
      return {
        value: undefined,
        detail: `POST ${outputs.webhookUrl} → 200 (signed; body sha256 ${webhook.sha256})`,
      };
    });

    await run(STEPS[4], async () => {
      const started = Date.now();
      const deadline = started + options.auditTimeoutMs;
      for (;;) {
        let lookup: AuditLookup;
        try {
          lookup = await deps.findAudit(outputs.maintenanceFunction, webhook.sha256);
        } catch (error) {
          throw new SmokeStepError(
            `asking ${outputs.maintenanceFunction} for the audit row failed: ${errorMessage(error)}`,
          );
        }
        if (lookup.found) return { value: undefined, detail: judgeAudit(lookup, options, started) };
        if (Date.now() >= deadline) {
          throw new SmokeStepError(
            `no audit row for body sha256 ${webhook.sha256} after ${seconds(Date.now() - started)}: the webhook was acknowledged but not stored (look at the ingest queue, its DLQ and the processor's logs)`,
          );
        }
        await deps.sleep(options.auditPollMs);
      }
    });
  } catch {
    for (const step of STEPS.slice(steps.length)) record(step, 'skip', 'not run');
  }
  return { ok: steps.every((s) => s.status === 'pass'), steps };
}

/** The smoke webhook's audit row must say: parsed, one message, nobody owns the number. */
function judgeAudit(
  lookup: Extract<AuditLookup, { found: true }>,
  options: SmokeOptions,
  started: number,
): string {
  const error = lookup.error ? ` (${lookup.error})` : '';
  if (lookup.outcome === 'processed') {
    throw new SmokeStepError(
      `outcome processed, expected unrouted: an organization owns phone_number_id ${options.phoneNumberId} or WABA ${options.wabaId}; run again with ids nobody owns (--phone-number-id, --waba-id)`,
    );
  }
  if (lookup.outcome !== 'unrouted') {
    throw new SmokeStepError(`outcome ${lookup.outcome}, expected unrouted${error}`);
  }
  if (lookup.itemCounts.messages !== 1 || (lookup.itemCounts.invalid ?? 0) !== 0) {
    throw new SmokeStepError(
      `outcome unrouted, but the processor did not parse the one text message: item counts ${JSON.stringify(lookup.itemCounts)}${error}`,
    );
  }
  return `stored as unrouted after ${seconds(Date.now() - started)}${error}: nobody owns the smoke number, so nothing was answered`;
}
