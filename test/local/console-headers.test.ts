/**
 * Security headers through the local gateway: the console's pages and assets carry its content
 * security policy (the local S3 buckets the functions presign for, by name), and an API answer
 * carries the headers the HTTP layer puts on every response.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as health } from '../../functions/api/health.ts';
import { ENV, ROUTES } from '../../functions/catalog.ts';
import { consoleContentSecurityPolicy, consoleSite, localConsoleSources } from '../../infra/local/console.ts';
import { type RunningGateway, startGateway } from '../../infra/local/gateway.ts';
import { loadIdentity } from '../../infra/local/identity.ts';
import { lambdaContext } from '../support/api-event.ts';

const S3 = 'http://127.0.0.1:4001';
const ENVIRONMENT = {
  AWS_ENDPOINT_URL_S3: S3,
  [ENV.intakeBucket]: 'dangan-intake',
  [ENV.archiveBucket]: 'dangan-archive',
};
const POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  `img-src 'self' data: ${S3}/dangan-intake/ ${S3}/dangan-archive/`,
  `frame-src ${S3}/dangan-intake/ ${S3}/dangan-archive/`,
  "object-src 'none'",
  `connect-src 'self' ${S3}/dangan-intake/`,
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
const CONSOLE_HEADERS = {
  'content-security-policy': POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

let dir: string;
let gw: RunningGateway;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dangan-console-headers-'));
  const site = join(dir, 'dist');
  mkdirSync(join(site, 'assets'), { recursive: true });
  writeFileSync(
    join(site, 'index.html'),
    '<!doctype html><script type="module" src="./assets/app.js"></script>',
  );
  writeFileSync(join(site, 'assets', 'app.js'), 'export {};\n');
  writeFileSync(join(site, 'assets', 'app.css'), 'body{}\n');
  gw = await startGateway({
    routes: ROUTES,
    identity: await loadIdentity(join(dir, 'data')),
    accountId: '000000000000',
    port: 0,
    // The real HTTP layer behind the route, as the local system runs it.
    invoke: (_fn, event) => health(event as Parameters<typeof health>[0], lambdaContext),
    console: consoleSite({ dir: site, sources: localConsoleSources(ENVIRONMENT) }),
  });
});

afterAll(async () => {
  await gw?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the console's policy", () => {
  it('names the local S3 buckets the functions presign for: uploads to intake, previews from both', () => {
    expect(consoleContentSecurityPolicy(localConsoleSources(ENVIRONMENT))).toBe(POLICY);
  });

  it('names no storage when the functions have none, and no wildcard ever', () => {
    const policy = consoleContentSecurityPolicy(localConsoleSources({}));
    expect(policy).toContain("frame-src 'none'");
    expect(policy).toContain("connect-src 'self';");
    expect(policy).not.toContain('*');
    expect(POLICY).not.toContain('*');
  });
});

describe('headers through the local gateway', () => {
  it.each([
    ['the index', '/', 'text/html'],
    ['a page address', '/inbox', 'text/html'],
    ['a script', '/assets/app.js', 'text/javascript'],
    ['a stylesheet', '/assets/app.css', 'text/css'],
    ['config.json', '/config.json', 'application/json'],
  ])('are on %s of the console', async (_label, path, type) => {
    const res = await fetch(`${gw.url}${path}`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain(type);
    for (const [name, value] of Object.entries(CONSOLE_HEADERS)) {
      expect(res.headers.get(name), name).toBe(value);
    }
    await res.arrayBuffer();
  });

  it('are on an API answer: no-store, nosniff and a policy that loads nothing', async () => {
    const res = await fetch(`${gw.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});
