import type { Page } from 'playwright-core';
import { removeDataDir, startServerProcess, PROCESS_ADMIN, type ServerProcess } from '../helpers/process.js';
import { launchBrowser, type BrowserSession } from './browser.js';
import { seedActivity, type ALICE } from './seed.js';
import { openWebOrigin, type WebOrigin } from './web-origin.js';

/** One real server with seeded activity, the origin serving the WebApp, and a signed-out browser. */
export interface WebFixture {
  readonly srv: ServerProcess;
  readonly origin: WebOrigin;
  readonly browser: BrowserSession;
  readonly page: Page;
  readonly tokens: { readonly admin: string; readonly alice: string; readonly bob: string };
  close(): Promise<void>;
}

export async function startWebFixture(): Promise<WebFixture> {
  const srv = await startServerProcess({ env: { BELLA_LOG_LEVEL: 'warn' } });
  try {
    const tokens = await seedActivity(srv);
    const origin = await openWebOrigin(srv.url);
    const browser = await launchBrowser();
    return {
      srv,
      origin,
      browser,
      page: browser.page,
      tokens,
      async close() {
        await browser.close();
        await origin.close();
        await srv.stop();
        removeDataDir(srv.dataDir);
      },
    };
  } catch (e) {
    await srv.stop();
    removeDataDir(srv.dataDir);
    throw e;
  }
}

export async function signIn(page: Page, baseUrl: string, who: { email: string; password: string } = PROCESS_ADMIN): Promise<void> {
  await page.goto(`${baseUrl}/`);
  await page.waitForURL(/\/sign-in/);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
}

/** The audit table's rows once the page has settled (table or empty state shown, nothing loading). */
export async function settledRows(page: Page) {
  await page.locator('table.audit-table tbody tr, .state-empty, .state-error').first().waitFor();
  await page.locator('.state-loading').waitFor({ state: 'detached' });
  return page.locator('table.audit-table tbody tr');
}

/** Reads a row's cells by their column labels. */
export async function rowData(page: Page): Promise<Record<string, string>[]> {
  return page.$$eval('table.audit-table tbody tr', (trs) =>
    trs.map((tr) => {
      const o: Record<string, string> = { outcome: tr.getAttribute('data-outcome') ?? '', seq: tr.getAttribute('data-seq') ?? '', cls: tr.className };
      tr.querySelectorAll('td').forEach((td) => (o[td.getAttribute('data-label') ?? ''] = td.textContent?.trim() ?? ''));
      // The Event cell holds the event name and, under it, the entry's one-line summary.
      o.Event = tr.querySelector('.event-name')?.textContent?.trim() ?? o.Event ?? '';
      o.summary = tr.querySelector('.summary')?.textContent?.trim() ?? '';
      return o;
    }),
  );
}

export type Person = typeof ALICE;

/** Small waits in place of @playwright/test's matchers (these tests run under vitest). */
type Loc = ReturnType<Page['locator']>;
export const visible = (l: Loc) => l.waitFor({ state: 'visible', timeout: 10_000 });
export const hidden = (l: Loc) => l.waitFor({ state: 'hidden', timeout: 10_000 });
export const isFocused = (l: Loc) => l.evaluate((el) => el === document.activeElement);
