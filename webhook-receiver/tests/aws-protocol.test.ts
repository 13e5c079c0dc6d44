import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  awsFromEnv,
  md5Hex,
  secretsManagerHttpSource,
  sqsHttpQueue,
  type AwsTarget,
} from '@waba/webhook-receiver';
import { messageAttributes } from '../src/sqs-message';
import { sdkSignature } from './helpers/reference-signers';

interface Captured {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'tok' };

/**
 * The receiver's own AWS calls against the AWS SDK's serializers: both send to
 * a local HTTP server, which records each request and answers as the service
 * would, so what is compared is what went over the wire.
 */
describe('AWS JSON protocol of the receiver’s calls', () => {
  let server: Server;
  let endpoint: string;
  let captured: Captured[];
  let aws: AwsTarget;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        captured.push({ method: req.method!, path: req.url!, headers: req.headers, body });
        const input = JSON.parse(body) as { MessageBody?: string };
        const answer = String(req.headers['x-amz-target']).startsWith('AmazonSQS.')
          ? { MessageId: 'm1', MD5OfMessageBody: md5Hex(input.MessageBody ?? '') }
          : { ARN: 'arn', Name: 'apps', SecretString: '{"1":{}}', VersionId: 'v1' };
        res.writeHead(200, { 'content-type': req.headers['content-type'] });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    aws = awsFromEnv({
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
      AWS_ENDPOINT_URL: endpoint,
    });
  });
  beforeEach(() => {
    captured = [];
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const sdkConfig = () => ({ region: 'eu-west-1', endpoint, credentials, maxAttempts: 1 });

  /** What the protocol fixes: method, path, content type, target and the JSON document. */
  const wire = (c: Captured) => ({
    method: c.method,
    path: c.path,
    contentType: c.headers['content-type'],
    target: c.headers['x-amz-target'],
    body: JSON.parse(c.body) as unknown,
  });

  /** Re-signs the captured request with the SDK's signer over the headers it says it signed. */
  async function expectValidSignature(c: Captured, service: string): Promise<void> {
    const authorization = String(c.headers.authorization);
    const signedNames = /SignedHeaders=([^,]+)/.exec(authorization)![1]!.split(';');
    const headers = Object.fromEntries(
      signedNames.filter((n) => n !== 'host').map((n) => [n, String(c.headers[n])]),
    );
    const expected = await sdkSignature(
      { method: c.method, url: new URL(c.path, endpoint), headers, body: c.body },
      credentials,
      { region: 'eu-west-1', service, datetime: String(c.headers['x-amz-date']) },
    );
    expect(authorization).toBe(expected);
  }

  it('SQS SendMessage: AWS JSON 1.0, as the SDK serializes it', async () => {
    const queueUrl = `${endpoint}/000000000000/ingest`;
    const attributes = { app_id: 'default', fields: 'messages' };

    await new SQSClient(sdkConfig()).send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: '{"a":"é"}',
        MessageAttributes: messageAttributes(attributes),
      }),
    );
    await sqsHttpQueue(aws, queueUrl).send('{"a":"é"}', attributes);

    const [sdk, ours] = captured;
    expect(wire(sdk!).contentType).toBe('application/x-amz-json-1.0');
    expect(wire(ours!)).toEqual(wire(sdk!));
    await expectValidSignature(ours!, 'sqs');
  });

  it('Secrets Manager GetSecretValue: AWS JSON 1.1, as the SDK serializes it', async () => {
    const sdkOut = await new SecretsManagerClient(sdkConfig()).send(
      new GetSecretValueCommand({ SecretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:apps' }),
    );
    const ours = await secretsManagerHttpSource(aws).read(
      'arn:aws:secretsmanager:eu-west-1:1:secret:apps',
    );

    const [sdk, mine] = captured;
    expect(wire(sdk!).contentType).toBe('application/x-amz-json-1.1');
    expect(wire(sdk!).target).toBe('secretsmanager.GetSecretValue');
    expect(wire(mine!)).toEqual(wire(sdk!));
    expect(ours).toBe(sdkOut.SecretString);
    await expectValidSignature(mine!, 'secretsmanager');
  });
});
