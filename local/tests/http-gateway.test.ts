import { request } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import pino from 'pino';
import { startHttpGateway, type HttpGateway, type Route } from '../src/http-gateway';

describe('startHttpGateway()', () => {
  let gateway: HttpGateway;
  const events: APIGatewayProxyEventV2[] = [];
  const record =
    (result: unknown = { statusCode: 204 }) =>
    async (event: APIGatewayProxyEventV2) => {
      events.push(event);
      return result as object;
    };
  const routes: Route[] = [
    { method: 'GET', path: '/health', handler: record('ok') },
    { method: 'POST', path: '/webhook', handler: record() },
    { method: 'POST', path: '/webhook/{appId}', handler: record() },
    { method: 'ANY', path: '/webhook/{appId}', handler: record({ statusCode: 202 }) },
    { method: 'ANY', path: '/files/{proxy+}', handler: record({ id: 1 }) },
    {
      method: 'GET',
      path: '/structured',
      handler: async () => ({
        statusCode: 201,
        headers: { 'X-Custom': 'yes', 'x-count': 3 },
        cookies: ['a=1; Path=/', 'b=2'],
        body: Buffer.from([0xff, 0x00, 0x01]).toString('base64'),
        isBase64Encoded: true,
      }),
    },
    {
      method: 'GET',
      path: '/boom',
      handler: async () => {
        throw new Error('boom');
      },
    },
  ];

  beforeAll(async () => {
    gateway = await startHttpGateway({
      port: 0,
      routes,
      logger: pino({ level: 'silent' }),
      maxBodyBytes: 1024,
    });
  });
  afterAll(() => gateway.close());
  beforeEach(() => {
    events.length = 0;
  });

  const lastEvent = (): APIGatewayProxyEventV2 => {
    const event = events.at(-1);
    if (!event) throw new Error('no event recorded');
    return event;
  };

  it('builds a 2.0 event with route key, path parameters, query, headers and cookies', async () => {
    // Arrange
    const headers = { Cookie: 'a=1; b=2', 'Content-Type': 'application/json', 'X-Trace': 'one' };

    // Act
    const res = await fetch(`${gateway.url}/webhook/app%201?x=1&x=2&y=%C3%A9`, {
      method: 'POST',
      headers,
      body: '{"a":1}',
    });

    // Assert
    expect(res.status).toBe(204);
    const event = lastEvent();
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /webhook/{appId}',
      rawPath: '/webhook/app%201',
      rawQueryString: 'x=1&x=2&y=%C3%A9',
      cookies: ['a=1', 'b=2'],
      queryStringParameters: { x: '1,2', y: 'é' },
      pathParameters: { appId: 'app 1' },
      body: '{"a":1}',
      isBase64Encoded: false,
      requestContext: {
        accountId: expect.any(String),
        apiId: expect.any(String),
        domainName: '127.0.0.1',
        http: {
          method: 'POST',
          path: '/webhook/app%201',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
        },
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        routeKey: 'POST /webhook/{appId}',
        stage: '$default',
        time: expect.stringMatching(/^\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000$/),
        timeEpoch: expect.any(Number),
      },
    });
    expect(event.headers['x-trace']).toBe('one');
    expect(event.headers['content-type']).toBe('application/json');
    expect(event.headers.cookie).toBeUndefined();
    expect(res.headers.get('apigw-requestid')).toBe(event.requestContext.requestId);
  });

  it('joins repeated headers with "," and collects every cookie header', async () => {
    // Arrange: fetch merges repeated headers itself, so send them as separate lines with node:http.
    const headers = { 'x-trace': ['one', 'two'], cookie: ['a=1', 'b=2; c=3'] };

    // Act
    const status = await new Promise<number | undefined>((resolve, reject) => {
      request(`${gateway.url}/webhook`, { method: 'POST', headers }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
        .on('error', reject)
        .end();
    });

    // Assert
    expect(status).toBe(204);
    expect(lastEvent().headers['x-trace']).toBe('one,two');
    expect(lastEvent().cookies).toEqual(['a=1', 'b=2', 'c=3']);
  });

  describe.each([
    ['POST', '/webhook', 'POST /webhook', undefined],
    ['PUT', '/webhook/abc', 'ANY /webhook/{appId}', { appId: 'abc' }],
    ['POST', '/webhook/abc', 'POST /webhook/{appId}', { appId: 'abc' }],
    ['DELETE', '/files/a/b/c.txt', 'ANY /files/{proxy+}', { proxy: 'a/b/c.txt' }],
  ])('%s %s', (method, path, routeKey, pathParameters) => {
    it(`selects ${routeKey}`, async () => {
      // Act
      await fetch(`${gateway.url}${path}`, { method });

      // Assert
      expect(lastEvent().routeKey).toBe(routeKey);
      expect(lastEvent().pathParameters).toEqual(pathParameters);
      expect(lastEvent().queryStringParameters).toBeUndefined();
      expect(lastEvent().body).toBeUndefined();
    });
  });

  it.each([
    ['application/json; charset=utf-8', false],
    ['text/plain', false],
    ['application/x-www-form-urlencoded', false],
    ['application/vnd.api+json', false],
    ['application/octet-stream', true],
    ['image/png', true],
  ])('passes a %s body with isBase64Encoded %s', async (contentType, base64) => {
    // Act
    await fetch(`${gateway.url}/webhook`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: 'héllo',
    });

    // Assert
    const event = lastEvent();
    expect(event.isBase64Encoded).toBe(base64);
    expect(event.body).toBe(base64 ? Buffer.from('héllo').toString('base64') : 'héllo');
  });

  it('passes a body without content-type as base64', async () => {
    // Act
    await fetch(`${gateway.url}/webhook`, { method: 'POST', body: new Uint8Array([1, 2, 3]) });

    // Assert
    expect(lastEvent()).toMatchObject({ isBase64Encoded: true, body: 'AQID' });
  });

  it('keeps the exact bytes of a JSON body with \\u00e9 escapes and raw UTF-8', async () => {
    // Arrange: Meta signs the escaped form; re-serializing would break the signature.
    const raw = Buffer.from(
      '{"name":"Ren\\u00e9","city":"Montréal","emoji":"\\ud83d\\ude00"}',
      'utf8',
    );

    // Act
    await fetch(`${gateway.url}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw,
    });

    // Assert
    const event = lastEvent();
    expect(event.isBase64Encoded).toBe(false);
    expect(Buffer.from(event.body!, 'utf8').equals(raw)).toBe(true);
  });

  it('passes a "text" body that is not valid UTF-8 as base64 so no byte is lost', async () => {
    // Arrange
    const raw = Buffer.concat([
      Buffer.from('{"name":"Ren'),
      Buffer.from([0xe9, 0xff, 0xc3]),
      Buffer.from('"}'),
    ]);

    // Act
    await fetch(`${gateway.url}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw,
    });

    // Assert
    const event = lastEvent();
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64').equals(raw)).toBe(true);
  });

  it('maps a structured result: status, headers, cookies and a base64 body', async () => {
    // Act
    const res = await fetch(`${gateway.url}/structured`);

    // Assert
    expect(res.status).toBe(201);
    expect(res.headers.get('x-custom')).toBe('yes');
    expect(res.headers.get('x-count')).toBe('3');
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2']);
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from([0xff, 0x00, 0x01]))).toBe(true);
  });

  it.each([
    ['a string', '/health', 'ok'],
    ['an object without statusCode', '/files/x', '{"id":1}'],
  ])('answers %s result with 200 application/json', async (_, path, body) => {
    // Act
    const res = await fetch(`${gateway.url}${path}`);

    // Assert
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe(body);
  });

  it.each([
    ['an unknown path', 'GET', '/nope', 404, 'Not Found'],
    ['a method without a route', 'GET', '/webhook', 404, 'Not Found'],
    ['a handler that throws', 'GET', '/boom', 500, 'Internal Server Error'],
  ])('answers %s with API Gateway’s error', async (_, method, path, status, message) => {
    // Act
    const res = await fetch(`${gateway.url}${path}`, { method });

    // Assert
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ message });
  });

  it('answers 413 to a body over maxBodyBytes without calling the handler', async () => {
    // Act
    const res = await fetch(`${gateway.url}/webhook`, {
      method: 'POST',
      body: Buffer.alloc(2048, 1),
    });

    // Assert
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ message: 'Request Entity Too Large' });
    expect(events).toHaveLength(0);
  });

  it('answers 413 to a chunked body that grows over maxBodyBytes', async () => {
    // Arrange: a stream has no content-length, so the limit is counted as bytes arrive.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new Uint8Array(512));
        controller.close();
      },
    });

    // Act
    const res = await fetch(`${gateway.url}/webhook`, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);

    // Assert
    expect(res.status).toBe(413);
    expect(events).toHaveLength(0);
  });

  it('close() ends keep-alive connections', async () => {
    // Arrange
    const other = await startHttpGateway({ port: 0, routes, logger: pino({ level: 'silent' }) });
    await fetch(`${other.url}/health`);

    // Act
    const closed = other.close();

    // Assert
    await expect(closed).resolves.toBeUndefined();
    await expect(fetch(`${other.url}/health`)).rejects.toThrow();
  });
});
