import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ApiApp } from './context';

/** The Swagger UI files served under /api/docs, from the swagger-ui-dist package (no CDN). */
const ASSETS: Record<string, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
};

/**
 * Where the Swagger UI files are: `API_DOCS_ASSETS_DIR` (set where the
 * package is not installed, e.g. a Lambda bundle that ships the files beside
 * it) or the installed swagger-ui-dist.
 */
export function docsAssetsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.API_DOCS_ASSETS_DIR) return env.API_DOCS_ASSETS_DIR;
  const require = createRequire(__filename);
  return dirname(require.resolve('swagger-ui-dist/package.json'));
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: '/api/v1/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: false,
});
`;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** `GET /api/docs`: the interactive reference of the OpenAPI document. */
export function registerDocs(app: ApiApp): void {
  const cache = new Map<string, Buffer>();
  app.get('/api/docs', (c) => c.html(PAGE, 200, SECURITY_HEADERS));
  app.get('/api/docs/init.js', (c) =>
    c.body(INIT, 200, { 'content-type': 'text/javascript; charset=utf-8', ...SECURITY_HEADERS }),
  );
  app.get('/api/docs/:file', async (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.notFound();
    let body = cache.get(file);
    if (!body) {
      body = await readFile(join(docsAssetsDir(), file));
      cache.set(file, body);
    }
    return c.body(new Uint8Array(body), 200, {
      'content-type': type,
      'cache-control': 'public, max-age=86400',
      ...SECURITY_HEADERS,
    });
  });
}
