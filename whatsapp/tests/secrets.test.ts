import {
  cachedSecretReader,
  databaseUrlFromEnv,
  databaseUrlFromSecret,
  secretEnv,
  secretEnvSource,
  type SecretReader,
  secretsManagerReader,
} from '@waba/whatsapp/secrets';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretError } from '@waba/whatsapp';

const rdsSecret = JSON.stringify({
  engine: 'postgres',
  username: 'waba',
  password: 'p@ss:w/rd?#%',
  host: 'db.cluster-abc.us-east-1.rds.amazonaws.com',
  port: 5432,
  dbname: 'waba',
});

const reader = (values: Record<string, string>): SecretReader & { calls: string[] } => {
  const calls: string[] = [];
  const read = async (id: string) => {
    calls.push(id);
    const value = values[id];
    if (value === undefined) throw new Error(`no secret ${id}`);
    return value;
  };
  return Object.assign(read, { calls });
};

describe('databaseUrlFromSecret()', () => {
  it('builds a postgres URL with the password encoded and TLS verified by default', () => {
    const url = databaseUrlFromSecret(rdsSecret);
    expect(url).toBe(
      'postgres://waba:p%40ss%3Aw%2Frd%3F%23%25@db.cluster-abc.us-east-1.rds.amazonaws.com:5432/waba?sslmode=verify-full',
    );
    expect(decodeURIComponent(new URL(url).password)).toBe('p@ss:w/rd?#%');
  });

  it('connects to the proxy host, port, database and sslmode it is given', () => {
    expect(
      databaseUrlFromSecret(rdsSecret, {
        host: 'proxy.proxy-abc.us-east-1.rds.amazonaws.com',
        port: 6432,
        dbname: 'other',
        sslMode: 'no-verify',
      }),
    ).toBe(
      'postgres://waba:p%40ss%3Aw%2Frd%3F%23%25@proxy.proxy-abc.us-east-1.rds.amazonaws.com:6432/other?sslmode=no-verify',
    );
  });

  it('defaults the port and database', () => {
    expect(databaseUrlFromSecret(JSON.stringify({ username: 'u', password: 'p', host: 'h' }))).toBe(
      'postgres://u:p@h:5432/postgres?sslmode=verify-full',
    );
  });

  it.each([
    ['not JSON', 'nope', /not JSON/],
    ['no host', JSON.stringify({ username: 'u', password: 'p' }), /no host/],
    ['no password', JSON.stringify({ username: 'u', host: 'h' }), /no password/],
  ])('refuses a secret with %s', (_, json, message) => {
    expect(() => databaseUrlFromSecret(json)).toThrow(message);
  });
});

describe('databaseUrlFromEnv()', () => {
  it('prefers DATABASE_URL and reads no secret', async () => {
    const read = reader({});
    await expect(
      databaseUrlFromEnv({ DATABASE_URL: 'postgres://x', DATABASE_SECRET_ARN: 'arn' }, read),
    ).resolves.toBe('postgres://x');
    expect(read.calls).toEqual([]);
  });

  it('reads DATABASE_SECRET_ARN, with DATABASE_HOST (RDS Proxy) overriding the host', async () => {
    const url = await databaseUrlFromEnv(
      {
        DATABASE_SECRET_ARN: 'arn:db',
        DATABASE_HOST: 'proxy.example',
        DATABASE_SSLMODE: 'require',
      },
      reader({ 'arn:db': rdsSecret }),
    );
    expect(url).toMatch(/@proxy\.example:5432\/waba\?sslmode=require$/);
  });

  it('fails when neither is set', async () => {
    await expect(databaseUrlFromEnv({}, reader({}))).rejects.toThrow(
      /DATABASE_URL or DATABASE_SECRET_ARN/,
    );
  });
});

describe('secretEnv()', () => {
  it('prefers the variable itself', async () => {
    const read = reader({});
    await expect(
      secretEnv('TOKEN', { TOKEN: 'direct', TOKEN_SECRET_ARN: 'arn' }, read),
    ).resolves.toBe('direct');
    expect(read.calls).toEqual([]);
  });

  it('else reads <NAME>_SECRET_ARN, trimmed', async () => {
    await expect(
      secretEnv('TOKEN', { TOKEN_SECRET_ARN: 'arn:t' }, reader({ 'arn:t': ' value\n' })),
    ).resolves.toBe('value');
  });

  it('is undefined when neither is set, or the secret is blank', async () => {
    await expect(secretEnv('TOKEN', {}, reader({}))).resolves.toBeUndefined();
    await expect(
      secretEnv('TOKEN', { TOKEN_SECRET_ARN: 'arn:t' }, reader({ 'arn:t': '  ' })),
    ).resolves.toBeUndefined();
  });
});

describe('cachedSecretReader()', () => {
  it('reads each secret once per TTL', async () => {
    let now = 0;
    const source = reader({ a: '1', b: '2' });
    const read = cachedSecretReader(source, 1000, () => now);
    await read('a');
    await read('a');
    await read('b');
    now = 999;
    await read('a');
    expect(source.calls).toEqual(['a', 'b']);
    now = 1000;
    await read('a');
    expect(source.calls).toEqual(['a', 'b', 'a']);
  });

  it('does not cache a failed read', async () => {
    let fail = true;
    const calls: string[] = [];
    const read = cachedSecretReader(async (id) => {
      calls.push(id);
      if (fail) throw new Error('throttled');
      return 'ok';
    });
    await expect(read('a')).rejects.toThrow('throttled');
    fail = false;
    await expect(read('a')).resolves.toBe('ok');
    expect(calls).toEqual(['a', 'a']);
  });
});

describe('secretEnvSource()', () => {
  it('serves the cached token, and after a re-read the value the secret holds now', async () => {
    const values: Record<string, string> = { 'arn:token': 'old\n' };
    const source = reader(values);
    const cached = cachedSecretReader(source, 60_000, () => 0);
    const token = secretEnvSource(
      'WHATSAPP_ACCESS_TOKEN',
      { WHATSAPP_ACCESS_TOKEN_SECRET_ARN: 'arn:token' },
      { read: cached, reread: cached.reread },
    )!;

    expect(await token.current()).toBe('old');
    values['arn:token'] = 'new';
    expect(await token.current()).toBe('old');
    expect(await token.reread()).toBe('new');
    expect(await token.current()).toBe('new');
    expect(source.calls).toEqual(['arn:token', 'arn:token']);
  });

  it('is the variable itself when set, and undefined when neither it nor its ARN is', async () => {
    expect(await secretEnvSource('T', { T: 'direct' })!.reread()).toBe('direct');
    expect(secretEnvSource('T', {})).toBeUndefined();
  });
});

describe('secretsManagerReader()', () => {
  // A Secrets Manager endpoint on loopback: the SDK's own request serializer and
  // response parser run, only the answer is ours.
  let server: Server;
  let client: SecretsManagerClient;
  const requests: { target: unknown; body: unknown }[] = [];
  const answers = new Map<string, object>();
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk));
      req.on('end', () => {
        const input = JSON.parse(body) as { SecretId: string };
        requests.push({ target: req.headers['x-amz-target'], body: input });
        const answer = answers.get(input.SecretId);
        res.writeHead(answer ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(
          JSON.stringify(
            answer ?? { __type: 'ResourceNotFoundException', message: 'no such secret' },
          ),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new SecretsManagerClient({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads the string value with GetSecretValue', async () => {
    answers.set('arn:db', { ARN: 'arn:db', SecretString: rdsSecret });
    await expect(secretsManagerReader(client)('arn:db')).resolves.toBe(rdsSecret);
    expect(requests.at(-1)).toEqual({
      target: 'secretsmanager.GetSecretValue',
      body: { SecretId: 'arn:db' },
    });
  });

  it('refuses a binary secret with a SecretError naming it', async () => {
    answers.set('arn:bin', { ARN: 'arn:bin', SecretBinary: Buffer.from('x').toString('base64') });
    const read = secretsManagerReader(client)('arn:bin');
    await expect(read).rejects.toBeInstanceOf(SecretError);
    await expect(read).rejects.toThrow('secret arn:bin has no string value');
  });

  it("passes on Secrets Manager's refusal", async () => {
    await expect(secretsManagerReader(client)('arn:missing')).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
