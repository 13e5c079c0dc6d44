import { listPhoneNumbers, listTemplates, upsertSyncedTemplates } from '@waba/db';
import { flag, orgOf, UsageError, withDb, type Target } from './cli-common';

export const TEMPLATE_USAGE = `  template sync --org <slug> [--waba-id <id>] [--page-size <n>]   read the organization's templates from the Graph API
                                          (every WABA of its numbers, all pages); campaigns of a template now paused pause
  template list --org <slug>              templates as stored: id, name, language, status, category, quality, when synced`;

export async function runTemplateCommand(
  t: Target,
  args: string[],
  out: (line: string) => void,
): Promise<void> {
  switch (args[1]) {
    case 'sync': {
      const pageSize = flag(args, 'page-size');
      if (pageSize !== undefined && !/^[1-9]\d*$/.test(pageSize))
        throw new UsageError('--page-size: a whole number of templates per page');
      const graph = t.graph();
      await withDb(t, async (db) => {
        const org = await orgOf(db, args);
        const own = [...new Set((await listPhoneNumbers(db, org.id)).map((p) => p.waba_id))];
        const wabas = flag(args, 'waba-id') ? [flag(args, 'waba-id')!] : own;
        if (wabas.length === 0) throw new Error(`organization ${org.slug} has no WABA`);
        for (const waba of wabas) {
          if (!own.includes(waba))
            throw new UsageError(`--waba-id ${waba}: not a WABA of organization ${org.slug}`);
          const listed = await graph.listTemplates(
            waba,
            pageSize === undefined ? {} : { pageSize: Number(pageSize) },
          );
          const result = await upsertSyncedTemplates(db, org.id, waba, listed.templates);
          out(
            `WABA ${waba}: synced ${result.templates} template(s) from ${listed.pages} page(s)${listed.skipped ? `; ${listed.skipped} entry(ies) unreadable, skipped` : ''}`,
          );
          for (const p of result.paused) out(`campaign ${p.campaignId} paused: ${p.reason}`);
          if (result.recategorised) out(`${result.recategorised} campaign(s) took a new category`);
        }
      });
      return;
    }
    case 'list': {
      const rows = await withDb(t, async (db) => listTemplates(db, (await orgOf(db, args)).id));
      out('template_id\tname\tlanguage\tstatus\tcategory\tquality\tsynced_at');
      for (const r of rows)
        out(
          [
            r.template_id,
            r.name,
            r.language,
            r.status,
            r.category,
            r.quality_score,
            r.synced_at?.toISOString(),
          ]
            .map((v) => v ?? '-')
            .join('\t'),
        );
      return;
    }
    default:
      throw new UsageError(`unknown template command ${args[1] ?? ''}`);
  }
}
