/**
 * The console as the local gateway serves it: the built single-page app (web/dist) at `/`,
 * `config.json` generated for this machine (the API on the same origin, the local token endpoint
 * for signing in), and `index.html` for any other page address. The gateway asks here only for
 * GET and HEAD requests no API route matched, so the console can never shadow the API.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { PROJECT_ROOT } from '../shared.ts';

/** Where `npm run build:web` puts the console. */
export const CONSOLE_DIST = join(PROJECT_ROOT, 'web', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The console's `config.json` on this machine: same-origin API, local sign-in. */
export const LOCAL_CONSOLE_CONFIG = { apiUrl: '', auth: { kind: 'local' } } as const;

export interface ConsoleSite {
  /** Answers the request and returns true, or returns false to let the gateway answer. */
  serve(method: string, rawPath: string, accept: string | undefined, res: ServerResponse): boolean;
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export function consoleSite(options: { dir?: string; config?: unknown } = {}): ConsoleSite {
  const dir = resolve(options.dir ?? CONSOLE_DIST);
  const config = JSON.stringify(options.config ?? LOCAL_CONSOLE_CONFIG);

  const sendFile = (res: ServerResponse, file: string, head: boolean, cache: string) => {
    const size = statSync(file).size;
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': String(size),
      'cache-control': cache,
      ...SECURITY_HEADERS,
    });
    if (head) res.end();
    else createReadStream(file).pipe(res);
  };

  return {
    serve(method, rawPath, accept, res) {
      if (method !== 'GET' && method !== 'HEAD') return false;
      const head = method === 'HEAD';
      let path: string;
      try {
        path = decodeURIComponent(rawPath);
      } catch {
        return false;
      }
      if (path === '/config.json') {
        res.writeHead(200, {
          'content-type': TYPES['.json'] as string,
          'content-length': String(Buffer.byteLength(config)),
          'cache-control': 'no-store',
          ...SECURITY_HEADERS,
        });
        res.end(head ? undefined : config);
        return true;
      }
      const index = join(dir, 'index.html');
      if (!existsSync(index)) {
        if (path !== '/' && path !== '/index.html') return false;
        const body = 'The console is not built: run `npm run build:web`, then reload.\n';
        res.writeHead(503, { 'content-type': TYPES['.txt'] as string, 'cache-control': 'no-store' });
        res.end(head ? undefined : body);
        return true;
      }
      const file = resolve(dir, `.${path}`);
      if (
        path !== '/' &&
        (file === dir || file.startsWith(dir + sep)) &&
        existsSync(file) &&
        statSync(file).isFile()
      ) {
        // Built assets carry a content hash in their names: cache them for good.
        const immutable = path.startsWith('/assets/');
        sendFile(res, file, head, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
        return true;
      }
      // Any other page address is the app's: index.html, for browsers only.
      if (path === '/' || path === '/index.html' || (accept ?? '').includes('text/html')) {
        sendFile(res, index, head, 'no-cache');
        return true;
      }
      return false;
    },
  };
}
