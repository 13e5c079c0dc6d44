import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * CloudFormation DescribeStacks (AWS Query, XML), Secrets Manager
 * GetSecretValue (AWS JSON 1.1) and Lambda Invoke (REST-JSON) on one local
 * endpoint, answering in each service's own wire protocol, so the real SDK
 * clients can be pointed at it (`endpoint` or AWS_ENDPOINT_URL). Requests must
 * carry a SigV4 Authorization header; the service is read from its scope.
 */
export interface FakeAws {
  endpoint: string;
  stacks: Map<string, { status: string; outputs: Record<string, string> }>;
  secrets: Map<string, string>;
  /** Lambda functions by name: the payload in, the result out; a throw is a function error. */
  functions: Map<string, (event: unknown) => Promise<unknown>>;
  /** `<service> <operation>` of every request served, in order. */
  calls: string[];
  close(): Promise<void>;
}

const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': contentType,
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(body);
}

export async function startFakeAws(): Promise<FakeAws> {
  const stacks: FakeAws['stacks'] = new Map();
  const secrets: FakeAws['secrets'] = new Map();
  const functions: FakeAws['functions'] = new Map();
  const calls: string[] = [];

  const cloudFormation = (res: ServerResponse, body: string) => {
    const form = new URLSearchParams(body);
    const action = form.get('Action');
    calls.push(`cloudformation ${action}`);
    const error = (code: string, message: string) =>
      send(
        res,
        400,
        'text/xml',
        `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
    if (action !== 'DescribeStacks' || form.get('Version') !== '2010-05-15') {
      return error('InvalidAction', `not served here: ${action}`);
    }
    const name = form.get('StackName') ?? '';
    const stack = stacks.get(name);
    if (!stack) return error('ValidationError', `Stack with id ${name} does not exist`);
    const outputs = Object.entries(stack.outputs)
      .map(
        ([key, value]) =>
          `<member><OutputKey>${xml(key)}</OutputKey><OutputValue>${xml(value)}</OutputValue><Description>${xml(key)}</Description></member>`,
      )
      .join('');
    send(
      res,
      200,
      'text/xml',
      `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/${xml(name)}/${randomUUID()}</StackId><StackName>${xml(name)}</StackName><CreationTime>2026-12-01T10:00:00.000Z</CreationTime><StackStatus>${stack.status}</StackStatus><Outputs>${outputs}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></DescribeStacksResponse>`,
    );
  };

  const secretsManager = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    calls.push(`secretsmanager ${target.split('.')[1]}`);
    const json = 'application/x-amz-json-1.1';
    if (target !== 'secretsmanager.GetSecretValue' || req.headers['content-type'] !== json) {
      return send(res, 400, json, JSON.stringify({ __type: 'UnknownOperationException' }));
    }
    const { SecretId } = JSON.parse(body) as { SecretId: string };
    const value = secrets.get(SecretId);
    if (value === undefined) {
      return send(
        res,
        400,
        json,
        JSON.stringify({
          __type: 'ResourceNotFoundException',
          Message: "Secrets Manager can't find the specified secret.",
        }),
      );
    }
    send(
      res,
      200,
      json,
      JSON.stringify({
        ARN: SecretId,
        Name: SecretId.split(':').pop(),
        SecretString: value,
        VersionId: randomUUID(),
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1_764_583_200,
      }),
    );
  };

  const lambda = async (req: IncomingMessage, res: ServerResponse, body: string) => {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url ?? '');
    calls.push(`lambda ${match ? 'Invoke' : req.url}`);
    const name = decodeURIComponent(match?.[1] ?? '');
    const fn = functions.get(name);
    if (!match || req.method !== 'POST' || !fn) {
      return send(
        res,
        404,
        'application/json',
        JSON.stringify({ Type: 'User', message: `Function not found: ${name}` }),
        { 'x-amzn-errortype': 'ResourceNotFoundException' },
      );
    }
    try {
      const result = await fn(body ? JSON.parse(body) : undefined);
      send(res, 200, 'application/json', JSON.stringify(result ?? null), {
        'x-amz-executed-version': '$LATEST',
      });
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      // Lambda reports a thrown error as a 200 with X-Amz-Function-Error.
      send(
        res,
        200,
        'application/json',
        JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: [] }),
        { 'x-amz-function-error': 'Unhandled', 'x-amz-executed-version': '$LATEST' },
      );
    }
  };

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(
        String(req.headers.authorization ?? ''),
      );
      switch (scope?.[1]) {
        case 'cloudformation':
          return cloudFormation(res, body);
        case 'secretsmanager':
          return secretsManager(req, res, body);
        case 'lambda':
          return lambda(req, res, body);
        default:
          calls.push(`unsigned ${req.method} ${req.url}`);
          return send(
            res,
            403,
            'application/json',
            JSON.stringify({ message: 'Missing or unknown SigV4 credential scope' }),
          );
      }
    })().catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stacks,
    secrets,
    functions,
    calls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
