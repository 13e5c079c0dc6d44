// The SDK warns about Node 20 on every client; the project supports Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isMediaType, metaEscape, signPayload } from '@waba/whatsapp';
import {
  SANDBOX_MEDIA_FAULTS,
  sandboxMediaId,
  sandboxMediaSha256,
  type SandboxMediaFault,
} from '@waba/testing';
import {
  ALL_MESSAGE_TYPES,
  accountUpdateEntry,
  fromUsernameUser,
  imageMessage,
  messagesEntry,
  qualityUpdateEntry,
  status,
  templateStatusEntry,
  textMessage,
  wamid,
  webhookPayload,
} from '@waba/whatsapp/testing';
import { loadConfig } from './config';
import { readStackState } from './stack-state';

const USAGE = `usage: npm run send -- <sample> [options]
samples:
  text [words...]        a customer text message (default: "hello")
  image [caption...]     a customer image the Meta sandbox serves (archived to the media bucket;
                         see it with: npm run cli -- media get <wamid>)
  all-types              one message of every type in one POST
  status <wamid> <sent|delivered|read|failed>
  template-status        a template status update (routed by WABA id)
  quality                a phone number quality update
  account                an account update
  <file.json>            a payload of your own (sent as is, signed)
options:
  --from <wa_id>         the customer (default 16505551234; all-types: 16505550199)
  --username <@name>     the customer hides its number behind a username: messages carry
                         from_user_id (no from), statuses recipient_user_id (no recipient_id)
  --user-id <BSUID>      its business-scoped user id (default US.13491208655302741918)
  --app <appId>          post to /webhook/<appId> (signs with WHATSAPP_APPS' secret for it)
  --media-id <id>        image: the media id (default: a fresh sandbox test id)
  --fault <kind>         image: a media fault of the sandbox: ${SANDBOX_MEDIA_FAULTS.join(', ')}
                         (expired also dates the message 8 days back, past Meta's expiry)
  --unsigned             send without a signature (expect 401)
  --url <base url>       the stack (default: the running stack, else http://127.0.0.1:$PORT)`;

/** `node:util` parseArgs: an unknown option or one without its value stops with the usage. */
function sendArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        from: { type: 'string' },
        username: { type: 'string' },
        'user-id': { type: 'string' },
        app: { type: 'string' },
        'media-id': { type: 'string' },
        fault: { type: 'string' },
        unsigned: { type: 'boolean', default: false },
        url: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${USAGE}`, { cause: error });
  }
}

/** A customer known only by username: no phone number anywhere in the payload. */
interface UsernameUser {
  userId: string;
  username: string;
}

/** The image sample's media: its id and how old the message is. */
interface SampleMedia {
  id: string;
  ageSeconds: number;
}

function sampleMedia(mediaIdOption: string | undefined, fault: string | undefined): SampleMedia {
  if (fault !== undefined && !(SANDBOX_MEDIA_FAULTS as readonly string[]).includes(fault))
    throw new Error(`--fault ${fault}: one of ${SANDBOX_MEDIA_FAULTS.join(', ')}\n${USAGE}`);
  return {
    id: mediaIdOption ?? sandboxMediaId(fault as SandboxMediaFault | undefined),
    ageSeconds: fault === 'expired' ? 8 * 86_400 : 0,
  };
}

function samplePayload(
  kind: string,
  rest: string[],
  from: string,
  phoneNumberId: string,
  wabaId: string,
  user?: UsernameUser,
  media?: SampleMedia,
): string {
  const entry = (o: Parameters<typeof messagesEntry>[0]) => {
    const withUser =
      user && o.messages
        ? { ...o, ...fromUsernameUser(o.messages as Parameters<typeof fromUsernameUser>[0], user) }
        : o;
    return messagesEntry({ phoneNumberId, wabaId, ...withUser });
  };
  let payload: object;
  switch (kind) {
    case 'text':
      payload = webhookPayload({
        entries: [entry({ messages: [textMessage({ from, body: rest.join(' ') || 'hello' })] })],
      });
      break;
    case 'image': {
      const m = media ?? sampleMedia(undefined, undefined);
      const caption = rest.join(' ');
      payload = webhookPayload({
        entries: [
          entry({
            messages: [
              imageMessage({
                from,
                mediaId: m.id,
                sha256: sandboxMediaSha256(m.id),
                timestamp: String(Math.floor(Date.now() / 1000) - m.ageSeconds),
                ...(caption ? { caption } : {}),
              }),
            ],
          }),
        ],
      });
      break;
    }
    case 'all-types':
      payload = webhookPayload({
        entries: [
          entry({
            messages: ALL_MESSAGE_TYPES.map((f) =>
              withSandboxHash({ ...f.message, from, id: wamid(from) }),
            ),
          }),
        ],
      });
      break;
    case 'status':
      payload = webhookPayload({
        entries: [
          entry({
            statuses: [
              status({
                id: rest[0] ?? wamid(from),
                status: rest[1] ?? 'delivered',
                ...(user ? { recipientUserId: user.userId } : { recipientId: from }),
              }),
            ],
          }),
        ],
      });
      break;
    case 'template-status':
      payload = webhookPayload({
        entries: [
          templateStatusEntry({
            wabaId,
            event: 'APPROVED',
            templateId: '1234',
            templateName: 'order_update',
          }),
        ],
      });
      break;
    case 'quality':
      payload = webhookPayload({ entries: [qualityUpdateEntry({ wabaId })] });
      break;
    case 'account':
      payload = webhookPayload({ entries: [accountUpdateEntry({ wabaId })] });
      break;
    default:
      if (!existsSync(kind)) throw new Error(`unknown sample "${kind}"\n${USAGE}`);
      return readFileSync(kind, 'utf8');
  }
  // Meta's wire form: non-ASCII as \uXXXX and "/" as "\/". The signature is over these bytes.
  return metaEscape(JSON.stringify(payload));
}

/** A media message whose hash is the one the sandbox's bytes for its id have, so it archives. */
function withSandboxHash<M extends { type: string }>(message: M): M {
  if (!isMediaType(message.type)) return message;
  const media = (message as Record<string, unknown>)[message.type] as { id: string };
  return { ...message, [message.type]: { ...media, sha256: sandboxMediaSha256(media.id) } };
}

async function main(): Promise<void> {
  const { values: options, positionals } = sendArgs(process.argv.slice(2));
  if (options.help) return console.log(USAGE);
  const { config } = loadConfig();
  const [kind = 'text', ...rest] = positionals;
  // all-types includes "Falar com atendente", a handoff keyword: keep it away from the text samples' customer.
  const from = options.from ?? (kind === 'all-types' ? '16505550199' : '16505551234');
  const { username, 'user-id': userId, app: appId, unsigned } = options;
  const media = kind === 'image' ? sampleMedia(options['media-id'], options.fault) : undefined;
  const user =
    username !== undefined || userId !== undefined
      ? { userId: userId ?? 'US.13491208655302741918', username: username ?? '@customer' }
      : undefined;
  const base =
    options.url ?? readStackState(config.stateFile)?.url ?? `http://127.0.0.1:${config.port}`;

  const raw = samplePayload(
    kind,
    rest,
    from,
    config.phoneNumberId,
    config.businessAccountId,
    user,
    media,
  );
  let secret = config.appSecret;
  if (appId) {
    const apps = JSON.parse(config.extraApps ?? '{}') as Record<
      string,
      { secrets?: string[]; secret?: string }
    >;
    secret = apps[appId]?.secrets?.[0] ?? apps[appId]?.secret ?? secret;
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (!unsigned) headers['x-hub-signature-256'] = signPayload(raw, secret);
  const url = `${base}/webhook${appId ? `/${appId}` : ''}`;
  const response = await fetch(url, { method: 'POST', headers, body: raw });
  console.log(
    `POST ${url} (${Buffer.byteLength(raw)} bytes) → ${response.status} ${await response.text()}`,
  );
  if (!response.ok) process.exitCode = 1;
  if (media) {
    const sent = JSON.parse(raw) as {
      entry: [{ changes: [{ value: { messages: [{ id: string }] } }] }];
    };
    console.log(
      `media ${media.id} of ${sent.entry[0].changes[0].value.messages[0].id}: npm run cli -- media get ${sent.entry[0].changes[0].value.messages[0].id}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
