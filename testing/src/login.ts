import { Client } from 'pg';

/**
 * Runs `fn` on a connection of its own, logged in to the database of
 * `databaseUrl` as `role` with its password over TCP, as an analyst's SQL
 * client would (no `set role`: the session is the login's from the start).
 */
export async function withLogin<T>(
  databaseUrl: string,
  login: { role: string; password: string },
  fn: (client: Client) => Promise<T>,
): Promise<T> {
  const url = new URL(databaseUrl);
  url.username = login.role;
  url.password = login.password;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
