import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';

/** Debian's Chromium; .ci/run installs it with apt-get. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Whether the browser suites run: without Chromium they are skipped on a developer's machine, but
 * under CI=true they run and fail at launch (DESIGN.md: a missing server fails CI, never skips).
 */
export const browserAvailable = existsSync(CHROMIUM_PATH) || process.env.CI === 'true';

/** Where the test run writes its screenshots (git-ignored). */
export const SCREENSHOT_DIR = fileURLToPath(new URL('./screenshots/', import.meta.url));

export const PHONE = { width: 360, height: 740 } as const;
export const DESKTOP = { width: 1280, height: 860 } as const;

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`the web UI tests need Chromium at ${CHROMIUM_PATH} (Debian package "chromium")`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A suite's browser and the watched pages it opened; `close` stops watching them first. */
export class SuiteBrowser {
  private readonly pages: WatchedPage[] = [];
  private constructor(private readonly browser: Browser) {}

  static async launch(): Promise<SuiteBrowser> {
    return new SuiteBrowser(await launchBrowser());
  }

  async open(viewport: { width: number; height: number }): Promise<WatchedPage> {
    const watched = await watchedPage(this.browser, viewport);
    this.pages.push(watched);
    return watched;
  }

  async close(): Promise<void> {
    for (const watched of this.pages) watched.stopWatching();
    await this.browser.close();
  }
}

/** A page that records everything the UI must never do. */
export interface WatchedPage {
  page: Page;
  /** Console errors, uncaught exceptions, failed requests, error responses, requests off localhost. */
  problems(): string[];
  /** Every URL the page asked for. */
  requests: string[];
  /** Stops recording (before the page closes: closing aborts open event streams on purpose). */
  stopWatching(): void;
}

function isLocal(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'about:' || protocol === 'blob:') return true;
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}

/**
 * A new page in its own context (its own sessionStorage and localStorage), watched from the start.
 * @param expectedStatuses responses that are part of the scenario (e.g. 403 when a worker follows a link to another grid's alert)
 */
export async function watchedPage(
  browser: Browser,
  viewport: { width: number; height: number },
  options: { locale?: string; expectedStatuses?: number[] } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, locale: options.locale ?? 'en-GB', deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  let watching = true;
  const note = (problem: string): void => {
    if (watching) problems.push(problem);
  };
  // Leaving a page cancels what it was still loading (an icon, an open event stream): Chromium
  // reports those as net::ERR_ABORTED. They count only if the page was still there.
  let documents = 0;
  const documentOf = new WeakMap<Request, number>();
  const aborted: { request: Request; text: string }[] = [];
  let documentUrl = '';
  page.on('framenavigated', (frame) => {
    // A change of the hash alone stays in the same document.
    const url = frame.url().split('#')[0] ?? '';
    if (frame !== page.mainFrame() || url === documentUrl) return;
    documentUrl = url;
    documents++;
  });
  page.on('console', (message) => {
    if (message.type() === 'error') note(`console error: ${message.text()}`);
  });
  page.on('pageerror', (err) => note(`page error: ${err.message}`));
  page.on('request', (request) => {
    documentOf.set(request, documents);
    requests.push(request.url());
    if (!isLocal(request.url())) note(`request left localhost: ${request.url()}`);
  });
  page.on('requestfailed', (request) => {
    const error = request.failure()?.errorText ?? '';
    const text = `request failed: ${request.method()} ${request.url()} ${error}`;
    if (error === 'net::ERR_ABORTED') {
      if (watching) aborted.push({ request, text });
    } else {
      note(text);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !(options.expectedStatuses ?? []).includes(response.status())) note(`HTTP ${response.status()}: ${response.url()}`);
  });
  return {
    page,
    problems: () => [...problems, ...aborted.filter((a) => documentOf.get(a.request) === documents).map((a) => a.text)],
    requests,
    stopWatching: () => {
      watching = false;
    },
  };
}

/** Signs in through the login page, as a person would: paste the token, press the button. */
export async function signIn(page: Page, baseUrl: string, token: string, expectPath: string): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.locator('#token').fill(token);
  await page.locator('#login-submit').click();
  await page.waitForURL((url) => url.pathname === expectPath);
}

/** Writes a full-page screenshot to SCREENSHOT_DIR and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  // A full-page capture of a scrolled page draws the sticky bar mid-page.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The page fits its width: nothing runs off the side of a 360 px phone. */
export async function sidewaysOverflowPx(page: Page): Promise<number> {
  return (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
}
