import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { upsertOrganization } from '@waba/db';
import { useTestDatabase, recordingAnswerQueue, processBodies } from '@waba/testing';

/** Genuine body of pywa's test data (sources.json): an unsupported message with errors[] 131051. */
const CORPUS = join(__dirname, '..', '..', 'whatsapp', 'tests', 'fixtures', 'meta-2026');
const UNSUPPORTED = readFileSync(join(CORPUS, 'pywa-message-unsupported-with-type.json'), 'utf8');
const PYWA = { phoneNumberId: '1122334455667', wabaId: '1234567890987654321' };

describe('inbound messages keep their errors[] (unsupported, 131051)', () => {
  const t = useTestDatabase();

  beforeEach(async () => {
    await t.reset();
    await upsertOrganization(t.db, { name: 'Pywa', slug: 'pywa', phoneNumbers: [PYWA] });
  });

  const deliver = async (body: string) => {
    const answers = recordingAnswerQueue();
    expect(await processBodies(t.db, [body], { answers })).toEqual([]);
    return answers.jobs;
  };
  const row = () =>
    t.db
      .selectFrom('messages')
      .select(['wamid', 'direction', 'type', 'errors', 'error_code', 'error_title'])
      .executeTakeFirstOrThrow();

  it('stores the errors on the message row, the first code and title where failures are', async () => {
    const jobs = await deliver(UNSUPPORTED);

    expect(await row()).toEqual({
      wamid: 'wamid.xyzxyz',
      direction: 'inbound',
      type: 'unsupported',
      errors: [
        {
          code: 131051,
          title: 'Message type unknown',
          message: 'Message type unknown',
          error_data: { details: 'Message type is currently not supported.' },
        },
      ],
      error_code: 131051,
      error_title: 'Message type unknown',
    });
    // Still a turn that gets the polite notice.
    expect(jobs).toHaveLength(1);
  });

  it('a replay fills in the errors of a row stored without them, and changes nothing else', async () => {
    await deliver(UNSUPPORTED);
    await t.db
      .updateTable('messages')
      .set({ errors: null, error_code: null, error_title: null })
      .execute();
    const before = await t.db.selectFrom('messages').selectAll().executeTakeFirstOrThrow();

    await deliver(UNSUPPORTED);

    const after = await t.db.selectFrom('messages').selectAll().executeTakeFirstOrThrow();
    expect(after).toEqual({
      ...before,
      errors: [expect.objectContaining({ code: 131051 })],
      error_code: 131051,
      error_title: 'Message type unknown',
      updated_at: expect.any(Date),
    });
    expect(await t.db.selectFrom('messages').select('id').execute()).toHaveLength(1);
  });
});
