import { createApiKey, listApiKeys, revokeApiKey } from '@waba/db';
import {
  flag,
  orgOf,
  parseCliArgs,
  positional,
  switchOn,
  UsageError,
  withDb,
  type Target,
} from './cli-common';

export const API_KEY_USAGE = `  api-key create --org <slug> --scope read|write [--name <n>]   prints the key once, with its id and prefix
  api-key create --platform [--name <n>]                        a platform key (manages organizations)
  api-key list [--org <slug>]            without --org: the platform's keys (no secrets are shown)
  api-key revoke <id>`;

export async function runApiKeyCommand(
  t: Target,
  args: string[],
  out: (line: string) => void,
): Promise<void> {
  const command = parseCliArgs(args).positionals[1];
  switch (command) {
    case 'create': {
      const platform = switchOn(args, 'platform');
      const name = flag(args, 'name', 'cli')!;
      const created = await withDb(t, async (db) => {
        if (platform) {
          if (flag(args, 'org') !== undefined || flag(args, 'scope') !== undefined)
            throw new UsageError('--platform takes neither --org nor --scope');
          return createApiKey(db, { organizationId: null, scope: 'platform', name });
        }
        const scope = flag(args, 'scope');
        if (scope !== 'read' && scope !== 'write')
          throw new UsageError('--scope is read or write (or use --platform)');
        const org = await orgOf(db, args);
        return createApiKey(db, { organizationId: org.id, scope, name });
      });
      out(`key ${created.id} (prefix ${created.prefix}, scope ${created.scope}) created:`);
      out(created.key);
      out('the key is shown only once: store it now');
      return;
    }
    case 'list': {
      const keys = await withDb(t, async (db) =>
        listApiKeys(db, flag(args, 'org') === undefined ? null : (await orgOf(db, args)).id),
      );
      for (const k of keys)
        out(
          `${k.id}\t${k.key_prefix}\t${k.scope}\t${k.name}\tcreated=${k.created_at.toISOString()}\tlast_used=${k.last_used_at?.toISOString() ?? '-'}\trevoked=${k.revoked_at?.toISOString() ?? '-'}`,
        );
      if (keys.length === 0) out('no keys');
      return;
    }
    case 'revoke': {
      const id = positional(args, 0, 'the key id');
      if (!/^[0-9a-f-]{36}$/i.test(id)) throw new UsageError(`${id}: not a key id`);
      const revoked = await withDb(t, (db) => revokeApiKey(db, id));
      if (!revoked) throw new Error(`no active key ${id}`);
      out(`key ${id} revoked`);
      return;
    }
    default:
      throw new UsageError(`api-key ${command ?? ''}: create, list or revoke`);
  }
}
