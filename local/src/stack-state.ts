import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** What a running stack tells `npm run cli` and `npm run send` about itself. */
export interface StackState {
  url: string;
  databaseUrl: string;
  awsEndpoint: string;
  region: string;
  ingestQueueUrl: string;
  ingestDlqUrl: string;
  answerQueueUrl: string;
  answerDlqUrl: string;
  campaignQueueUrl: string;
  campaignDlqUrl: string;
  bucket: string;
  /** The media queue, its DLQ and the bucket archived media goes to. */
  mediaQueueUrl?: string;
  mediaDlqUrl?: string;
  mediaBucket?: string;
  /** The Meta sandbox (GET {sandboxUrl}/sandbox/messages lists what the bot sent). */
  sandboxUrl: string | null;
  pid: number;
}

export function writeStackState(file: string, state: StackState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(state, null, 2) + '\n');
}

export function readStackState(file: string): StackState | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}
