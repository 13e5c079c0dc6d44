import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createTestQueues, type TestQueues } from '@waba/testing';
import {
  awsFromEnv,
  awsJson,
  signRequest,
  sqsHttpQueue,
  type AwsTarget,
} from '@waba/webhook-receiver';
import { aws4fetchSignature, sdkSignature } from './helpers/reference-signers';

const EXAMPLE = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

describe('signRequest()', () => {
  it("matches AWS's get-vanilla test vector", async () => {
    const headers = await signRequest({
      method: 'GET',
      url: new URL('https://example.amazonaws.com/'),
      headers: {},
      body: '',
      region: 'us-east-1',
      service: 'service',
      credentials: EXAMPLE,
      datetime: '20150830T123600Z',
    });

    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
        'SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  // The same request signed by the SDK's signer (built from the URL as written,
  // not through signRequest's wrapper) and by aws4fetch, which shares no code
  // with it: any difference in canonicalization (query order, path encoding,
  // header folding, session token) shows here.
  const cases: Array<[string, { method: string; url: string; body: string; token?: string }]> = [
    [
      'a JSON call with a session token',
      {
        method: 'POST',
        url: 'https://sqs.us-east-1.amazonaws.com/',
        body: '{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/1/q","MessageBody":"{\\"a\\":\\"é 😀\\"}"}',
        token: 'tok==',
      },
    ],
    [
      'query keys that sort differently as k and as k=v',
      { method: 'GET', url: 'https://sqs.us-east-1.amazonaws.com/?a-b=1&a=2', body: '' },
    ],
    [
      'a repeated key, reserved characters and non-ASCII in the query',
      {
        method: 'GET',
        url: "https://sqs.us-east-1.amazonaws.com/?k=b&k=a&q=it's%20(a)*b!&x=%C3%A9~",
        body: '',
      },
    ],
    [
      'a path with encoded characters',
      { method: 'POST', url: 'https://sqs.us-east-1.amazonaws.com/1/my%20queue/a+b', body: '{}' },
    ],
  ];

  it.each(cases)('signs %s as the SDK and aws4fetch do', async (_name, c) => {
    const url = new URL(c.url);
    const headers = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'AmazonSQS.SendMessage',
      'x-custom': '  spaced   value ',
    };
    const credentials = { ...EXAMPLE, sessionToken: c.token };
    const datetime = '20261122T034000Z';

    const ours = await signRequest({
      method: c.method,
      url,
      headers,
      body: c.body,
      region: 'us-east-1',
      service: 'sqs',
      credentials,
      datetime,
    });
    const request = { method: c.method, url, headers, body: c.body };
    const scope = { region: 'us-east-1', service: 'sqs', datetime };

    expect(ours.authorization).toBe(await sdkSignature(request, credentials, scope));
    expect(ours.authorization).toBe(await aws4fetchSignature(request, credentials, scope));
  });
});

describe('sqsHttpQueue()', () => {
  let q: TestQueues;
  beforeAll(async () => {
    q = await createTestQueues();
  });

  it('sends a message with its attributes that the SDK then receives', async () => {
    const aws = awsFromEnv({
      AWS_REGION: q.aws.region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL: q.aws.endpoint,
    });

    await sqsHttpQueue(aws, q.ingest.url).send('{"object":"whatsapp_business_account","é":1}', {
      app_id: 'default',
      fields: 'messages',
    });

    const out = await q.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: q.ingest.url, MessageAttributeNames: ['All'] }),
    );
    expect(out.Messages?.[0]?.Body).toBe('{"object":"whatsapp_business_account","é":1}');
    expect(out.Messages?.[0]?.MessageAttributes?.fields?.StringValue).toBe('messages');
  });
});

describe('awsJson()', () => {
  let server: Server;
  let answers: Array<{ status: number; body: string }>;
  let requests: number;
  let aws: AwsTarget;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests++;
        const next = answers.shift() ?? { status: 200, body: '{}' };
        res.writeHead(next.status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(next.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    aws = awsFromEnv({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'k',
      AWS_SECRET_ACCESS_KEY: 's',
      AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
  });
  beforeEach(() => {
    answers = [];
    requests = 0;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const call = () => awsJson(aws, { service: 'sqs', target: 'AmazonSQS.SendMessage', input: {} });

  it('retries a 5xx and a throttle, then returns the answer', async () => {
    answers = [
      { status: 500, body: '{"__type":"InternalError"}' },
      { status: 400, body: '{"__type":"com.amazonaws.sqs#ThrottlingException"}' },
      { status: 200, body: '{"MessageId":"m1"}' },
    ];

    await expect(call()).resolves.toEqual({ MessageId: 'm1' });
    expect(requests).toBe(3);
  });

  it('does not retry a client error, and names its code', async () => {
    answers = [{ status: 400, body: '{"__type":"com.amazonaws.sqs#QueueDoesNotExist"}' }];

    await expect(call()).rejects.toMatchObject({ code: 'QueueDoesNotExist', httpStatus: 400 });
    expect(requests).toBe(1);
  });

  it('gives up after three attempts', async () => {
    answers = [500, 502, 503, 200].map((status) => ({ status, body: '' }));

    await expect(call()).rejects.toMatchObject({ httpStatus: 503, retryable: true });
    expect(requests).toBe(3);
  });
});
