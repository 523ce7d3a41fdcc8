import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/process.js';
import { screenshot, seriousViolations, SKIP_BROWSER } from './browser.js';
import { settledRows, signIn, startWebFixture, visible, type WebFixture } from './fixture.js';
import { PROJECT } from './seed.js';

const FILTERS = 'environment=production&event=SecretRead%2CSecretUpdated';

/** Exports, accessibility and both viewport widths, against the same kind of seeded server. */
describe.skipIf(SKIP_BROWSER)('exports, accessibility and layout of the WebApp', () => {
  let f: WebFixture;
  let auditorKey = '';
  const auditUrl = (q = '') => `${f.origin.url}/projects/${PROJECT}/audit-logs${q ? `?${q}` : ''}`;

  beforeAll(async () => {
    f = await startWebFixture();
    const key = await f.srv.request('POST', `/api/v1/projects/${PROJECT}/environments/production/api-keys`, {
      token: f.tokens.admin,
      body: { name: 'webapp-e2e', role: 'AUDITOR' },
    });
    auditorKey = key.json<{ key: string }>().key;
    await signIn(f.page, f.origin.url);
  }, 120_000);
  afterAll(async () => {
    await f?.close();
  });

  async function download(button: string): Promise<Buffer> {
    const [dl] = await Promise.all([f.page.waitForEvent('download'), f.page.getByRole('button', { name: button }).click()]);
    const path = await dl.path();
    return readFileSync(path);
  }

  for (const format of ['csv', 'json'] as const) {
    it(`exports ${format.toUpperCase()} with the page's filters, byte for byte what the export API and the CLI produce`, async () => {
      await f.page.goto(auditUrl(FILTERS));
      await settledRows(f.page);
      const got = await download(`Export ${format.toUpperCase()}`);
      const api = await f.srv.request('GET', `/api/v1/audit-logs/export?format=${format}&project=${PROJECT}&${FILTERS}`, { token: f.tokens.admin });
      expect(api.status).toBe(200);
      expect(got.length).toBeGreaterThan(100);
      expect(got.equals(api.bytes)).toBe(true);
      if (format === 'csv') expect(got.toString('utf8').split('\r\n')[0]).toBe('timestamp,event,actor.type,actor.email,actor.name,actor.ip,projectSlug,environmentSlug,resource,outcome,requestId,actor.client,reason,userAgent,details');
      const cli = runCli(f, auditorKey, ['audit', 'list', '--project', PROJECT, '--environment', 'production', '--event', 'SecretRead,SecretUpdated', '-o', format]);
      if (!cli.equals(got)) {
        // Keep both for a human to diff: test-output/exports/{webapp,cli}.<format>
        mkdirSync(join(REPO_ROOT, 'test-output', 'exports'), { recursive: true });
        writeFileSync(join(REPO_ROOT, 'test-output', 'exports', `webapp.${format}`), got);
        writeFileSync(join(REPO_ROOT, 'test-output', 'exports', `cli.${format}`), cli);
      }
      expect(cli.toString('utf8')).toBe(got.toString('utf8'));
    });
  }

  it('has no serious or critical axe-core violations on sign-in, Audit Logs, the detail panel, the event picker, the Access Log and Secrets', async () => {
    const report: Record<string, unknown> = {};
    // A new tab has its own sessionStorage, so it is signed out and shows the sign-in page.
    const tab = await f.browser.context.newPage();
    await tab.goto(`${f.origin.url}/`);
    await tab.getByRole('button', { name: 'Sign in' }).waitFor();
    report.signIn = await seriousViolations(tab);
    await tab.close();
    await f.page.goto(auditUrl());
    await settledRows(f.page);
    report.audit = await seriousViolations(f.page);
    await f.page.locator('table.audit-table tbody tr').first().getByRole('button').click();
    await visible(f.page.getByRole('dialog'));
    report.detail = await seriousViolations(f.page);
    await f.page.keyboard.press('Escape');
    await f.page.getByRole('button', { name: /Event/ }).click();
    report.eventPicker = await seriousViolations(f.page);
    await f.page.goto(`${f.origin.url}/projects/${PROJECT}/access-log`);
    await f.page.locator('table.access-table tbody tr').first().waitFor();
    report.access = await seriousViolations(f.page);
    await f.page.goto(`${f.origin.url}/projects/${PROJECT}/secrets`);
    await f.page.getByText('DB_PASSWORD').first().waitFor();
    report.secrets = await seriousViolations(f.page);
    expect(report).toEqual({ signIn: [], audit: [], detail: [], eventPicker: [], access: [], secrets: [] });
  });

  it('is usable at 1280 px and 390 px wide, and screenshots of both are saved', async () => {
    for (const width of [1280, 390]) {
      await f.page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await f.page.goto(auditUrl());
      await settledRows(f.page);
      await f.page.locator('.histogram:not(.histogram-loading)').waitFor();
      // No sideways scrolling of the page itself: everything fits the width.
      expect(await f.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await screenshot(f.page, `audit-logs-${width}`);
      await f.page.locator('table.audit-table tbody tr[data-outcome="Denied"]').first().getByRole('button').click();
      await f.page.getByTestId('detail-access-rows').waitFor();
      await screenshot(f.page, `audit-detail-${width}`);
      await f.page.keyboard.press('Escape');
      await f.page.goto(`${f.origin.url}/projects/${PROJECT}/access-log`);
      await f.page.locator('table.access-table tbody tr').first().waitFor();
      expect(await f.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await screenshot(f.page, `access-log-${width}`);
    }
    for (const name of ['audit-logs-1280', 'audit-logs-390', 'audit-detail-1280', 'audit-detail-390', 'access-log-1280', 'access-log-390']) {
      expect(existsSync(join(REPO_ROOT, 'test-output', 'screenshots', `${name}.png`))).toBe(true);
    }
  });
});

/**
 * The CLI's own output for the same filters, using an AUDITOR API key for the project; null when the
 * CLI has not been built (dist/src/cli/main.js), so the comparison with the export API still runs.
 */
function runCli(f: WebFixture, key: string, args: string[]): Buffer {
  const bin = join(REPO_ROOT, 'bin', 'bella.js');
  if (!existsSync(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'))) throw new Error('the CLI is not built: run npm run build (npm test does)');
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: f.srv.dataDir, BELLA_BAXTER_URL: f.srv.url, BELLA_BAXTER_API_KEY: key },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`bella ${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  return r.stdout;
}

