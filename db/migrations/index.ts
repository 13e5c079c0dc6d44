import type { Migration } from 'kysely';
import * as initial from './2026-11-22T000000_initial';
import * as answerWorker from './2026-11-22T010000_answer_worker';

/**
 * Every migration, by name. A static list instead of a folder scan, so the
 * migrations bundle into a Lambda and load under jest without dynamic import.
 * Names sort in time order; add new ones at the end.
 */
export const migrations: Record<string, Migration> = {
  '2026-11-22T000000_initial': initial,
  '2026-11-22T010000_answer_worker': answerWorker,
};
