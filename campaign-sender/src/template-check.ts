import { CampaignError, findTemplate, type Db, type TemplateRow } from '@waba/db';
import { checkTemplateFit } from './template-fit';

export interface CampaignTemplateRequest {
  organizationId: string;
  /** The organization's slug or name, for the messages. */
  organizationLabel: string;
  name: string;
  language: string;
  components: unknown[];
}

/**
 * Checks the template a new campaign names: it exists for the organization
 * (synced with `template sync`, or known from its webhooks), is APPROVED, and
 * the campaign's components fill exactly its parameters. Throws a
 * CampaignError naming every problem; returns the template.
 */
export async function checkCampaignTemplate(
  db: Db,
  request: CampaignTemplateRequest,
): Promise<TemplateRow> {
  const label = `template ${request.name} (${request.language})`;
  const template = await findTemplate(db, request.organizationId, request.name, request.language);
  if (!template)
    throw new CampaignError(
      `${label} is not known for organization ${request.organizationLabel}: check its name and language, or run \`template sync --org ${request.organizationLabel}\``,
    );
  if (template.status !== 'APPROVED')
    throw new CampaignError(
      `${label} is ${template.status ?? 'of unknown status'}, not APPROVED${template.reason && template.reason !== 'NONE' ? ` (${template.reason})` : ''}: only approved templates can be sent`,
    );
  if (template.components === null)
    throw new CampaignError(
      `${label} is known from webhooks only, without its components: run \`template sync --org ${request.organizationLabel}\``,
    );
  const problems = checkTemplateFit(template.components, request.components);
  if (problems.length > 0)
    throw new CampaignError(`${label} does not fit the components: ${problems.join('; ')}`);
  return template;
}
