import { graphError, type GraphErrorResponse } from './graph-error';
import type { SandboxTemplate } from './types';

/** Meta's default page size for edges. */
const DEFAULT_PAGE_SIZE = 25;

/**
 * Templates every sandbox starts with, on its WABA: approved ones with
 * positional, named and no parameters, and some that cannot be sent.
 */
export function defaultTemplates(wabaId: string): SandboxTemplate[] {
  const body = (text: string) => ({ type: 'BODY', text });
  return [
    {
      id: '1000000000000001',
      name: 'bf_offer',
      language: 'en_US',
      status: 'APPROVED',
      category: 'MARKETING',
      components: [
        { type: 'HEADER', format: 'TEXT', text: 'Black Friday' },
        body('Hi {{1}}! Everything is 30% off until Sunday.'),
        { type: 'FOOTER', text: 'Reply STOP to opt out' },
      ],
    },
    {
      id: '1000000000000002',
      name: 'order_update',
      language: 'en_US',
      status: 'APPROVED',
      category: 'UTILITY',
      components: [body('Hello {{first_name}}, your order {{order_id}} has shipped.')],
    },
    {
      id: '1000000000000003',
      name: 'welcome',
      language: 'en_US',
      status: 'APPROVED',
      category: 'MARKETING',
      components: [body('Welcome to our store!')],
    },
    {
      id: '1000000000000004',
      name: 'login_code',
      language: 'en_US',
      status: 'APPROVED',
      category: 'AUTHENTICATION',
      components: [body('{{1}} is your verification code.')],
    },
    {
      id: '1000000000000005',
      name: 'spring_sale',
      language: 'pt_BR',
      status: 'PENDING',
      category: 'MARKETING',
      components: [body('Olá {{1}}, a primavera chegou!')],
    },
    {
      id: '1000000000000006',
      name: 'old_promo',
      language: 'en_US',
      status: 'REJECTED',
      category: 'MARKETING',
      components: [body('Last chance!!!')],
    },
  ].map((t) => ({ ...t, wabaId, qualityScore: 'UNKNOWN' }));
}

/** Cursors like Meta's: opaque base64 of a position. */
const cursor = (index: number) => Buffer.from(String(index)).toString('base64url');
const position = (value: string | null) =>
  value === null ? 0 : Number(Buffer.from(value, 'base64url').toString('utf8')) + 1;

/** One page of `GET /{version}/{waba-id}/message_templates`, as Meta shapes it. */
export function templatesPage(
  all: readonly SandboxTemplate[],
  query: URLSearchParams,
  selfUrl: string,
): [number, unknown] {
  const limit = Number(query.get('limit') ?? DEFAULT_PAGE_SIZE);
  const start = position(query.get('after'));
  if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(start) || start < 0)
    return errorReply(
      graphError({ code: 100, httpStatus: 400, details: 'Invalid limit or after cursor.' }),
    );
  const page = all.slice(start, start + limit);
  const more = start + limit < all.length;
  const next = new URL(selfUrl);
  next.searchParams.set('after', cursor(start + page.length - 1));
  return [
    200,
    {
      data: page.map((t) => ({
        name: t.name,
        components: t.components,
        language: t.language,
        status: t.status,
        category: t.category,
        id: t.id,
        quality_score: { score: t.qualityScore, date: Math.floor(Date.now() / 1000) },
      })),
      paging: {
        cursors: { before: cursor(start), after: cursor(start + Math.max(page.length, 1) - 1) },
        ...(more ? { next: next.toString() } : {}),
      },
    },
  ];
}

/**
 * Meta refuses a template that is not approved: paused (132015), disabled
 * (132016), any other state as not found in that language (132001).
 */
export function templateRefusal(template: SandboxTemplate): GraphErrorResponse | undefined {
  const refuse = (code: number, title: string, details: string) =>
    graphError({ code, httpStatus: 400, message: `(#${code}) ${title}`, details });
  switch (template.status) {
    case 'APPROVED':
      return undefined;
    case 'PAUSED':
      return refuse(132015, 'Template is Paused', `Template ${template.name} is paused.`);
    case 'DISABLED':
      return refuse(132016, 'Template is Disabled', `Template ${template.name} is disabled.`);
    default:
      return refuse(
        132001,
        'Template name does not exist in the translation',
        `template name (${template.name}) does not exist in ${template.language}`,
      );
  }
}

/** The webhook Meta posts when a template's status changes. */
export function templateStatusWebhook(template: SandboxTemplate, reason: string): unknown {
  return templateWebhook(template, 'message_template_status_update', {
    event: template.status,
    reason,
    ...(template.status === 'PAUSED'
      ? {
          other_info: {
            title: 'FIRST_PAUSE',
            description: 'Your template has been paused for 3 hours due to low quality.',
          },
        }
      : {}),
  });
}

/** The webhook Meta posts when it re-categorises a template. */
export function templateCategoryWebhook(template: SandboxTemplate, previous: string): unknown {
  return templateWebhook(template, 'template_category_update', {
    previous_category: previous,
    new_category: template.category,
  });
}

function templateWebhook(template: SandboxTemplate, field: string, value: object): unknown {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: template.wabaId,
        time: Math.floor(Date.now() / 1000),
        changes: [
          {
            value: {
              message_template_id: Number(template.id),
              message_template_name: template.name,
              message_template_language: template.language,
              ...value,
            },
            field,
          },
        ],
      },
    ],
  };
}

function errorReply(error: GraphErrorResponse): [number, unknown] {
  return [error.httpStatus, error.body];
}
