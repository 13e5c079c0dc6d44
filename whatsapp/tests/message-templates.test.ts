import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGraphClient, GraphApiError, MESSAGE_TEMPLATE_FIELDS } from '../src';

const FIXTURES = join(__dirname, 'fixtures', 'graph');
const metaPage = JSON.parse(
  readFileSync(join(FIXTURES, 'meta-message-templates-list.json'), 'utf8'),
) as { data: Array<Record<string, unknown>>; paging: unknown };

/** A fetch that answers each request with the next body and records the URLs and methods. */
function scriptedFetch(answers: Array<{ status: number; body: unknown }>) {
  const calls: Array<{ url: string; method: string; auth: string | null }> = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    calls.push({
      url: String(input),
      method: init?.method ?? 'GET',
      auth: headers.get('authorization'),
    });
    const answer = answers.shift();
    if (!answer) throw new Error('no more answers');
    return new Response(JSON.stringify(answer.body), { status: answer.status });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

describe('GraphClient.listTemplates()', () => {
  it("reads Meta's sample page: ids as text, components kept, no next page", async () => {
    const { fetch, calls } = scriptedFetch([{ status: 200, body: metaPage }]);
    const graph = createGraphClient({
      accessToken: 'EAAG-token',
      baseUrl: 'https://graph.test',
      fetch,
    });

    const result = await graph.listTemplates('102290129340398');

    expect(result).toEqual({
      pages: 1,
      skipped: 0,
      templates: [
        {
          id: '1667192013751005',
          name: 'order_delivery_update',
          language: 'en_US',
          status: 'APPROVED',
          category: 'UTILITY',
          components: metaPage.data[0]!.components,
          qualityScore: null,
          qualityAt: null,
        },
      ],
    });
    expect(calls).toHaveLength(1);
    const url = new URL(calls[0]!.url);
    expect(calls[0]!.method).toBe('GET');
    expect(calls[0]!.auth).toBe('Bearer EAAG-token');
    expect(url.pathname).toMatch(/^\/v\d+\.\d+\/102290129340398\/message_templates$/);
    expect(url.searchParams.get('fields')).toBe(MESSAGE_TEMPLATE_FIELDS);
  });

  it('follows paging.cursors.after while paging.next names a page, never the next URL itself', async () => {
    const node = metaPage.data[0]!;
    const { fetch, calls } = scriptedFetch([
      {
        status: 200,
        body: {
          data: [{ ...node, id: '1', quality_score: { score: 'GREEN', date: 1712830466 } }],
          paging: { cursors: { after: 'A1' }, next: 'https://elsewhere.test/steal?after=A1' },
        },
      },
      {
        status: 200,
        body: {
          data: [{ ...node, id: '2' }, { name: 'broken' }],
          paging: { cursors: { before: 'B2', after: 'A2' }, next: 'https://graph.test/next' },
        },
      },
      {
        status: 200,
        body: {
          data: [{ ...node, id: 3, quality_score: 'RED' }],
          paging: { cursors: { after: 'A3' } },
        },
      },
    ]);
    const graph = createGraphClient({
      accessToken: 'EAAG-token',
      baseUrl: 'https://graph.test',
      fetch,
    });

    const result = await graph.listTemplates('waba-1', { pageSize: 1 });

    expect(
      result.templates.map((t) => [t.id, t.qualityScore, t.qualityAt?.toISOString() ?? null]),
    ).toEqual([
      ['1', 'GREEN', new Date(1712830466 * 1000).toISOString()],
      ['2', null, null],
      ['3', 'RED', null],
    ]);
    expect(result).toMatchObject({ pages: 3, skipped: 1 });
    expect(
      calls.map((c) => [
        new URL(c.url).host,
        new URL(c.url).searchParams.get('after'),
        new URL(c.url).searchParams.get('limit'),
      ]),
    ).toEqual([
      ['graph.test', null, '1'],
      ['graph.test', 'A1', '1'],
      ['graph.test', 'A2', '1'],
    ]);
  });

  it("maps Meta's error envelope like a send's", async () => {
    const { fetch } = scriptedFetch([
      {
        status: 400,
        body: {
          error: {
            message: 'Unsupported get request.',
            type: 'GraphMethodException',
            code: 100,
            error_subcode: 33,
          },
        },
      },
    ]);
    const graph = createGraphClient({
      accessToken: 'EAAG-token',
      baseUrl: 'https://graph.test',
      fetch,
    });

    const error = await graph.listTemplates('nope').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(GraphApiError);
    expect(error).toMatchObject({ code: 100, httpStatus: 400 });
  });
});
