/**
 * The console as the local gateway serves it: the built single-page app (web/dist) at `/`,
 * `config.json` generated for this machine (the API on the same origin, the local token endpoint
 * for signing in), and `index.html` for any other page address. The gateway asks here only for
 * GET and HEAD requests no API route matched, so the console can never shadow the API. Every
 * answer carries the console's security headers (its content security policy among them).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { ENV } from '../../functions/catalog.ts';
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

/**
 * Where the console reaches beyond its own origin, each as a CSP source: an origin, or a URL
 * ending in `/` that allows only what is under it (one bucket of a path-style S3 endpoint).
 */
export interface ConsoleSources {
  /** The API, when it is not on the console's own origin. */
  api?: readonly string[];
  /** Where the console PUTs scans through presigned URLs: the intake bucket. */
  uploads?: readonly string[];
  /**
   * What the console shows inline through presigned GETs, as `<img>` and `<iframe>`
   * (web/src/pages/scans.ts, shared.ts): scans in the intake bucket, originals in the archive.
   */
  views?: readonly string[];
  /** The hosted sign-in, whose token endpoint the console calls (authorization code + PKCE). */
  signIn?: readonly string[];
}

/**
 * The console's content security policy, the same on this machine and on AWS: its own scripts
 * and stylesheets only (the Vite build emits no inline script or style element), data from the
 * API, uploads to the intake bucket, previews from the buckets, nothing framing it.
 *
 * No inline style either: the console's DOM helper (web/src/dom.ts) sets styles through the
 * CSSOM, which the policy allows, never as `style` attributes.
 */
export function consoleContentSecurityPolicy(sources: ConsoleSources = {}): string {
  const list = (...parts: (readonly string[] | undefined)[]) => {
    const all = parts.flatMap((p) => p ?? []);
    return all.length === 0 ? "'none'" : all.join(' ');
  };
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    // data: for the icon inlined in index.html.
    `img-src ${list(["'self'", 'data:'], sources.views)}`,
    `frame-src ${list(sources.views)}`,
    "object-src 'none'",
    `connect-src ${list(["'self'"], sources.api, sources.uploads, sources.signIn)}`,
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The CSP source of one bucket behind a path-style endpoint: `<endpoint>/<bucket>/`. */
export const pathStyleBucket = (endpoint: string, bucket: string): string =>
  `${endpoint.replace(/\/+$/, '')}/${bucket}/`;

/**
 * The console's sources on this machine: the API on its own origin, and the local S3 and the
 * buckets the functions presign for, read from the handlers' environment (system.ts sets it
 * before the gateway starts), so the console may reach exactly where the functions send it.
 */
export function localConsoleSources(env: NodeJS.ProcessEnv = process.env): ConsoleSources {
  const endpoint = env.AWS_ENDPOINT_URL_S3;
  const intake = env[ENV.intakeBucket];
  const archive = env[ENV.archiveBucket];
  if (!endpoint) return {};
  const bucket = (name: string | undefined) => (name ? [pathStyleBucket(endpoint, name)] : []);
  return { uploads: bucket(intake), views: [...bucket(intake), ...bucket(archive)] };
}

/** Headers of every console response. */
export function consoleSecurityHeaders(sources: ConsoleSources = {}): Record<string, string> {
  return {
    'content-security-policy': consoleContentSecurityPolicy(sources),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
}

export function consoleSite(
  options: { dir?: string; config?: unknown; sources?: ConsoleSources } = {},
): ConsoleSite {
  const dir = resolve(options.dir ?? CONSOLE_DIST);
  const config = JSON.stringify(options.config ?? LOCAL_CONSOLE_CONFIG);
  const securityHeaders = consoleSecurityHeaders(options.sources ?? localConsoleSources());

  const sendFile = (res: ServerResponse, file: string, head: boolean, cache: string) => {
    const size = statSync(file).size;
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': String(size),
      'cache-control': cache,
      ...securityHeaders,
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
          ...securityHeaders,
        });
        res.end(head ? undefined : config);
        return true;
      }
      const index = join(dir, 'index.html');
      if (!existsSync(index)) {
        if (path !== '/' && path !== '/index.html') return false;
        const body = 'The console is not built: run `npm run build:web`, then reload.\n';
        res.writeHead(503, {
          'content-type': TYPES['.txt'] as string,
          'cache-control': 'no-store',
          ...securityHeaders,
        });
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
