/**
 * Browser-test support: the console built when its sources changed, Debian's Chromium driven by
 * playwright-core (no downloaded browser), and screenshots for the README.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

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
