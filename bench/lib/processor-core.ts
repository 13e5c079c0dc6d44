/*
 * What the processor benchmark runs, bundled as production bundles it (see
 * processor.ts): the processor's core, the database factory and the naive
 * baseline, all on one copy of kysely.
 */
export { processSqsEvent, readRecord } from '@waba/db-processor';
export { createDb } from '@waba/db';
export { writeNaively } from './naive-writer';
