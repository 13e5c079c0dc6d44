import type { Logger } from '@waba/whatsapp';

interface FaultTarget {
  /** How many matching sends fail; default 1, `Infinity` until cleared. */
  times?: number;
  /** Only sends to this recipient fail. */
  to?: string;
}

/** Meta refuses the send with its error envelope. */
export interface SandboxErrorFault extends FaultTarget {
  /** Meta error code returned in `error.code`, e.g. 131047. */
  code: number;
  httpStatus: number;
  /** Overrides the error message Meta would give for `code`. */
  message?: string;
}

/**
 * Meta takes the send (it is recorded and its status webhooks follow) but the
 * answer is lost: `reset` closes the connection after reading the request,
 * `hang` never answers (the client times out). The sender cannot know it was sent.
 */
export interface SandboxLostAnswerFault extends FaultTarget {
  lose: 'reset' | 'hang';
}

export type SandboxFault = SandboxErrorFault | SandboxLostAnswerFault;

export type SandboxMessageStatus = 'accepted' | 'sent' | 'delivered' | 'read' | 'failed';

export interface SandboxMessage {
  wamid: string;
  phoneNumberId: string;
  /** The phone number or, addressed by `recipient`, the business-scoped user id. */
  to: string;
  addressedBy: 'to' | 'recipient';
  type: string;
  /** The request JSON as the client sent it. */
  body: unknown;
  at: string;
  status: SandboxMessageStatus;
}

export interface SandboxRead {
  phoneNumberId: string;
  messageId: string;
  typing: boolean;
  at: string;
}

export interface StatusDelays {
  sent: number;
  delivered: number;
  read: number;
}

export interface MetaSandboxOptions {
  /** 0 picks any free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where status webhooks are posted (the local receiver's /webhook URL); unset: none are posted. */
  webhookUrl?: string | (() => string | undefined);
  /** Signs status webhooks (X-Hub-Signature-256 over Meta's escaped bytes). */
  appSecret: string;
  wabaId: string;
  displayPhoneNumber?: string;
  /** When set, Graph requests without `Authorization: Bearer <token>` get Meta's 401 (code 190). */
  accessToken?: string;
  /** Offsets from the send; default { sent: 100, delivered: 300, read: 800 }; false = no statuses. */
  statusDelaysMs?: StatusDelays | false;
  logger?: Logger;
}

export interface MetaSandbox {
  /** Base URL; clients call `${url}/v21.0/{phone_number_id}/messages`. */
  url: string;
  /** Everything sent, in order. */
  messages(): SandboxMessage[];
  reads(): SandboxRead[];
  /** Queue a fault for the next matching send(s). */
  fault(f: SandboxFault): void;
  clearFaults(): void;
  /** Stores a media file; its id and SHA-256 (base64) go in a webhook. */
  addMedia(bytes: Buffer, mimeType: string): { id: string; sha256: string };
  /** How often a media id was looked up and downloaded. */
  mediaRequests(mediaId: string): { lookups: number; downloads: number };
  /** Resolves once at least `n` messages were sent (default timeout 5 s). */
  waitForMessages(n: number, timeoutMs?: number): Promise<SandboxMessage[]>;
  /** Stops the server and cancels pending status timers and retries. */
  close(): Promise<void>;
}
