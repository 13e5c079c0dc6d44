import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>).__wabaServices as
    { started: Array<{ stop(): Promise<void> }>; adminUrl: string; template: string } | undefined;
  if (!state) return;
  if (process.env.DATABASE_URL) {
    // A server we do not own: leave it as we found it.
    const admin = new Client({ connectionString: state.adminUrl });
    await admin.connect();
    const { rows } = await admin.query<{ datname: string }>(
      `select datname from pg_database where datname like 'waba_t_%' or datname = $1`,
      [state.template],
    );
    for (const { datname } of rows)
      await admin.query(`drop database if exists ${datname} with (force)`);
    await admin.end();
  }
  for (const service of state.started.reverse()) await service.stop();
}
