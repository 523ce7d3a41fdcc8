import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDataDir, startServerProcess, type ServerProcess } from '../helpers/process.js';
import { createProject, must, secretPath, seedApi } from '../helpers/seed.js';
import { launchBrowser, SKIP_BROWSER, type BrowserSession } from './browser.js';
import { rowData, signIn } from './fixture.js';
import { openWebOrigin, type WebOrigin } from './web-origin.js';

/**
 * The WebApp's Live mode across a server restart: the tail reconnects with Last-Event-ID = the last
 * seq shown, so entries written while it was away (and right after) appear once each, none lost.
 */
describe.skipIf(SKIP_BROWSER)('Live mode across a server restart', () => {
  let srv: ServerProcess;
  let origin: WebOrigin;
  let browser: BrowserSession;
  const env = { BELLA_LOG_LEVEL: 'warn' };

  beforeAll(async () => {
    srv = await startServerProcess({ env });
    const admin = await srv.login();
    await createProject(seedApi(srv), admin, 'tail', [{ slug: 'production', name: 'Production' }], 'Tail');
    origin = await openWebOrigin(srv.url);
    browser = await launchBrowser();
    await signIn(browser.page, origin.url);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await origin?.close();
    await srv?.stop();
    if (srv) removeDataDir(srv.dataDir);
  });

  it('shows every entry once, in order, after the server comes back', async () => {
    const page = browser.page;
    const put = async (key: string) => must(seedApi(srv), 'PUT', secretPath('tail', 'production', key), await srv.login(), { value: 'v' });
    const resources = async () => (await rowData(page)).map((r) => r.Resource);
    await page.goto(`${origin.url}/projects/tail/audit-logs?q=${encodeURIComponent('event:SecretCreated')}`);
    await page.getByText('No audit entries match').waitFor();
    await page.getByTestId('live-toggle').click();
    await expect.poll(() => page.locator('[data-live-state]').getAttribute('data-live-state')).toBe('live');
    for (const k of ['K1', 'K2']) await put(k);
    await expect.poll(resources, { timeout: 15_000 }).toEqual(['K2', 'K1']);

    const port = Number(new URL(srv.url).port);
    await srv.stop();
    srv = await startServerProcess({ env, dataDir: srv.dataDir, port });
    // Written as soon as the server is back, most likely before the page has reconnected.
    for (const k of ['K3', 'K4', 'K5']) await put(k);
    await expect.poll(resources, { timeout: 30_000 }).toEqual(['K5', 'K4', 'K3', 'K2', 'K1']);
    await expect.poll(() => page.locator('[data-live-state]').getAttribute('data-live-state'), { timeout: 30_000 }).toBe('live');
    await put('K6');
    await expect.poll(resources, { timeout: 15_000 }).toEqual(['K6', 'K5', 'K4', 'K3', 'K2', 'K1']);
    const seqs = (await rowData(page)).map((r) => Number(r.seq));
    expect(new Set(seqs).size).toBe(6);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
  }, 120_000);
});
