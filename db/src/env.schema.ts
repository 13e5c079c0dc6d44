import * as z from 'zod/mini';
import { envInt, envOptional, envReader } from '@waba/whatsapp';
import { DEFAULT_RETENTION } from './partitions';

/**
 * A secret by value or by Secrets Manager ARN (`secretEnv` of @waba/whatsapp/secrets): `<NAME>` and
 * `<NAME>_SECRET_ARN`, both optional here; the consumer says which it needs.
 */
export function secretEnvFields<N extends string>(
  name: N,
): Record<N | `${N}_SECRET_ARN`, ReturnType<typeof envOptional>> {
  return { [name]: envOptional(), [`${name}_SECRET_ARN`]: envOptional() } as Record<
    N | `${N}_SECRET_ARN`,
    ReturnType<typeof envOptional>
  >;
}

/**
 * Where the database is: DATABASE_URL, or DATABASE_SECRET_ARN with the
 * overrides of the secret's fields `databaseUrlFromEnv` reads (DATABASE_HOST
 * for a proxy, DATABASE_PORT, DATABASE_NAME, DATABASE_SSLMODE).
 */
export const databaseEnvFields = {
  DATABASE_URL: envOptional(),
  DATABASE_SECRET_ARN: envOptional(),
  DATABASE_HOST: envOptional(),
  DATABASE_PORT: envOptional(),
  DATABASE_NAME: envOptional(),
  DATABASE_SSLMODE: envOptional(),
};

/** The scheduled maintenance function's environment; a retention of 0 keeps everything. */
export const maintenanceEnvSchema = z.object({
  ...databaseEnvFields,
  WEBHOOK_EVENTS_RETENTION_MONTHS: envInt(DEFAULT_RETENTION.webhookEventsMonths ?? 0),
  STATUS_EVENTS_RETENTION_MONTHS: envInt(DEFAULT_RETENTION.statusEventsMonths ?? 0),
});

/** The migration custom resource's environment. */
export const migrateEnvSchema = z.object({
  ...databaseEnvFields,
});

export type MaintenanceEnv = z.infer<typeof maintenanceEnvSchema>;
export type MigrateEnv = z.infer<typeof migrateEnvSchema>;

/** The maintenance settings, validated: throws an EnvError naming each bad variable. */
export const maintenanceEnvFromEnv = envReader(maintenanceEnvSchema);

/** The migration settings, validated: throws an EnvError naming each bad variable. */
export const migrateEnvFromEnv = envReader(migrateEnvSchema);
