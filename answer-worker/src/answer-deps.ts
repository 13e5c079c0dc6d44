import type { AgentConfigRow, Db } from '@waba/db';
import type { GraphClient, Logger } from '@waba/whatsapp';
import type { Agent } from './agent/agent';

/** Reads an archived media object by its S3 key (media_objects.s3_key). */
export interface MediaReader {
  read(key: string): Promise<Uint8Array>;
}

export interface AnswerDeps {
  db: Db;
  /**
   * How long an answer whose send outcome is unknown waits for its status
   * webhook before it is re-sent, once (default 300 s).
   */
  unknownGraceMs?: number;
  graph: GraphClient;
  /** The agent an organization's configuration asks for. */
  agentFor: (config: AgentConfigRow) => Agent;
  logger: Logger;
  clock: () => Date;
  /**
   * The media archive, for organizations that send images to their model
   * (agent_configs.image_input); unset: the model gets captions only.
   */
  media?: MediaReader;
  /** The agent's time limit; past it the fallback text is sent. */
  agentTimeoutMs: number;
}
