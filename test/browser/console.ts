/**
 * Browser-test support: the console built when its sources changed, Debian's Chromium driven by
 * playwright-core (no downloaded browser), and screenshots for the README.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { Api } from '../e2e/client.ts';
import { useLocalSystem } from '../e2e/lifecycle.ts';
import type { LocalSystem } from '../e2e/system.ts';

const PROJECT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const WEB_DIR = join(PROJECT_DIR, 'web');
export const SCREENSHOT_DIR = join(PROJECT_DIR, 'docs', 'screenshots');
export const CHROMIUM = process.env.DANGAN_CHROMIUM ?? '/usr/bin/chromium';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds web/dist when it is missing or older than the console's sources or the route table. */
export async function buildConsoleIfStale(): Promise<void> {
  const index = join(WEB_DIR, 'dist', 'index.html');
  const sources = Math.max(
    newestMtime(WEB_DIR),
    statSync(join(PROJECT_DIR, 'functions', 'catalog.ts')).mtimeMs,
    newestMtime(join(PROJECT_DIR, 'functions', 'catalog')),
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const { build } = await import('vite');
  await build({ configFile: join(WEB_DIR, 'vite.config.ts'), logLevel: 'warn' });
}

/**
 * Debian's Chromium, headless, on a fresh profile directory. One context; each signed-in user
 * gets a page of their own (the console keeps its session per tab, in sessionStorage).
 */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set DANGAN_CHROMIUM)`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'dangan-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 860 },
    locale: 'zh-CN',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Saves the page as the README's picture `docs/screenshots/<name>.png`, only when asked
 * (`DANGAN_SCREENSHOTS=1 npm exec -- vitest run test/browser`): a plain `npm test` leaves the
 * working tree as it found it.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.DANGAN_SCREENSHOTS !== '1') return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Signs in through the console's local sign-in page. */
export async function signIn(page: Page, baseUrl: string, username: string): Promise<void> {
  await page.goto(`${baseUrl}/#/login`);
  await page.locator(`[data-username="${username}"]`).click();
  await page.locator(`[data-testid="who"][data-username="${username}"]`).waitFor();
}

/** What a browser test file works with once its local system and Chromium are up. */
export interface ConsoleSystem {
  system: LocalSystem;
  api: Api;
  /** The console's address on the local system. */
  base: string;
  browser: { context: BrowserContext; close: () => Promise<void> };
}

/**
 * The setup every browser test file shares: the console built when stale, a local system started
 * beside Chromium (both stopped whatever fails), `onStarted` to prepare data, and pages that
 * record page errors and content-security-policy refusals (printed when a test fails; a file
 * asserts `consoleErrors` is empty where it means to).
 */
export function useConsoleSystem(
  onStarted: (s: ConsoleSystem) => void | Promise<void>,
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): { newPage: () => Promise<Page>; consoleErrors: string[] } {
  const consoleErrors: string[] = [];
  let browser: ConsoleSystem['browser'] | undefined;
  beforeAll(buildConsoleIfStale, 120_000);
  useLocalSystem(
    async (system) => {
      if (!browser) throw new Error('Chromium did not start');
      await onStarted({ system, api: new Api(system.ready.apiUrl), base: system.ready.consoleUrl, browser });
    },
    {
      alongside: async () => {
        browser = await launchChromium();
      },
      ...(options.env ? { env: options.env } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      tail: 40,
    },
  );
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') console.error(consoleErrors.join('\n'));
  });
  afterAll(async () => {
    await browser?.close();
  }, 60_000);
  const newPage = async (): Promise<Page> => {
    if (!browser) throw new Error('Chromium did not start');
    const page = await browser.context.newPage();
    page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
    // A refusal by the console's content security policy is an error too.
    page.on('console', (msg) => {
      if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text()))
        consoleErrors.push(`csp: ${msg.text()}`);
    });
    return page;
  };
  return { newPage, consoleErrors };
}
