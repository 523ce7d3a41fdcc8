import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportListItem } from '../../src/contract/reports.js';
import { screenshot, seriousViolations, SKIP_BROWSER } from './browser.js';
import { signIn, startWebFixture, type WebFixture } from './fixture.js';
import { PROJECT } from './seed.js';

const AUDRA = { email: 'audra@example.com', name: 'Audra Auditor', password: 'audra-password-123' };

/** The WebApp's Reports tab: an admin and an AUDITOR generate a signed evidence pack and see it listed. */
describe.skipIf(SKIP_BROWSER)('the Reports page of the WebApp', () => {
  let f: WebFixture;
  beforeAll(async () => {
    f = await startWebFixture();
    const u = await f.srv.request('POST', '/api/v1/users', { token: f.tokens.admin, body: AUDRA });
    expect(u.status, u.text).toBe(201);
    const m = await f.srv.request('PUT', `/api/v1/projects/${PROJECT}/members/${AUDRA.email}`, { token: f.tokens.admin, body: { role: 'AUDITOR' } });
    expect(m.status, m.text).toBe(200);
    await signIn(f.page, f.origin.url);
  }, 120_000);
  afterAll(async () => {
    await f?.close();
  });

  const generate = async (framework: string) => {
    await f.page.goto(`${f.origin.url}/projects/${PROJECT}/reports`);
    await f.page.getByRole('heading', { name: 'Compliance reports' }).waitFor();
    await f.page.getByLabel('Framework').selectOption(framework);
    await f.page.getByLabel('From').fill('2020-01-01');
    await f.page.getByRole('button', { name: 'Generate report' }).click();
    const status = f.page.locator('.report-result [role="status"]');
    await status.waitFor({ timeout: 30_000 });
    return status;
  };

  it('an admin generates a SOC 2 pack: the log is verified, every file can be downloaded, and the report is listed', async () => {
    const status = await generate('soc2');
    expect(await status.innerText()).toMatch(/log verified \(\d+ entries against checkpoint \d+\)/);
    const links = f.page.locator('.report-files a');
    expect(await links.allInnerTexts()).toEqual(expect.arrayContaining(['summary.pdf', 'summary.html', 'manifest.json', 'manifest.sig', '01-access-control-changes.csv']));
    const download = f.page.waitForEvent('download');
    await f.page.getByRole('link', { name: 'summary.pdf' }).click();
    const pdf = await (await download).createReadStream();
    const chunks: Buffer[] = [];
    for await (const c of pdf) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).subarray(0, 5).toString()).toBe('%PDF-');
    const listed = (await f.srv.request('GET', `/api/v1/reports?project=${PROJECT}`, { token: f.tokens.admin })).json<{ reports: ReportListItem[] }>().reports;
    const row = f.page.locator(`tr[data-report="${listed[0]?.id}"]`);
    await row.waitFor();
    expect(await row.innerText()).toMatch(/SOC 2/);
    expect(await seriousViolations(f.page)).toEqual([]);
    await screenshot(f.page, 'reports-admin');
  });

  it('an AUDITOR generates a HIPAA pack from the same page', async () => {
    await f.page.evaluate(() => { localStorage.clear(); sessionStorage.clear(); });
    await signIn(f.page, f.origin.url, AUDRA);
    const status = await generate('hipaa');
    expect(await status.innerText()).toMatch(/log verified/);
    const listed = (await f.srv.request('GET', `/api/v1/reports?project=${PROJECT}`, { token: f.tokens.admin })).json<{ reports: ReportListItem[] }>().reports;
    expect(listed[0]).toMatchObject({ framework: 'hipaa', by: AUDRA.email });
    await f.page.locator(`tr[data-report="${listed[0]?.id}"]`).waitFor();
  });
});
