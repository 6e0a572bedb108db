import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** The Chromium the browser tests drive: `CHROMIUM_PATH`, else the distribution's `/usr/bin/chromium`. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here (no Chromium, outside CI), or undefined when they can. With CI=true they never skip. */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM_PATH) || process.env.CI === 'true') return undefined;
  return `browser tests skipped: no Chromium at ${CHROMIUM_PATH}; install it (apt-get install chromium, or bash .ci/setup/chromium.sh) or set CHROMIUM_PATH, then run npm test (CI=true makes them required)`;
}

const CONFIG = fileURLToPath(new URL('../vite.config.ts', import.meta.url));

/** A temporary folder removed by the returned function. */
export function tempFolder(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Builds the inspector with the package's Vite config into `outDir` (not the
 * package's dist: a test never tests a stale build, and never races `npm run build`).
 */
export async function buildUi(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: CONFIG, logLevel: 'error', build: { outDir, emptyOutDir: true } });
}

/** Headless Chromium on a fresh profile, isolated from the network and from updates. Close it in teardown. */
export async function launchBrowser(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: 30_000,
    viewport: { width: 1200, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}

/** The inspector built into a temporary folder, and Chromium on a temporary profile: closed and removed at teardown. */
export async function builtUiAndBrowser(t: { teardown(fn: () => unknown): void }): Promise<{ uiDirectory: string; browser: BrowserContext }> {
  const ui = tempFolder('receiver-ui-');
  const profile = tempFolder('receiver-chromium-');
  t.teardown(() => (ui.remove(), profile.remove()));
  await buildUi(ui.path);
  const browser = await launchBrowser(profile.path);
  t.teardown(() => browser.close());
  return { uiDirectory: ui.path, browser };
}

/** Signs in through the inspector's form at `base` with `token`. */
export async function signIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/ui/`);
  await page.locator('input[name=token]').fill(token);
  // The form posts and the server redirects to a new document, which asks for its session: done once that is answered,
  // so a navigation right after never races the redirect (it would land on the default page).
  const loaded = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/session' && res.request().method() === 'GET');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await loaded;
}
