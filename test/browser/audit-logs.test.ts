import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SKIP_BROWSER } from './browser.js';
import { hidden, isFocused, rowData, settledRows, signIn, startWebFixture, visible, type WebFixture } from './fixture.js';
import { BOB, BOB_DENIED, PROJECT } from './seed.js';

/** Project → Audit Logs in a real Chromium against a real bella-server with seeded activity. */
describe.skipIf(SKIP_BROWSER)('the Audit Logs page in a browser', () => {
  let f: WebFixture;
  const auditUrl = () => `${f.origin.url}/projects/${PROJECT}/audit-logs`;
  const param = (name: string) => new URL(f.page.url()).searchParams.get(name);
  const api = async <T>(path: string) => (await f.srv.request('GET', path, { token: f.tokens.admin })).json<T>();

  beforeAll(async () => {
    f = await startWebFixture();
  }, 120_000);
  afterAll(async () => {
    await f?.close();
  });

  it('sends a new visitor to sign-in, then to the project list, then Project → Audit Logs', async () => {
    await signIn(f.page, f.origin.url);
    await f.page.getByRole('link', { name: /My API/ }).click();
    await f.page.waitForURL(`**/projects/${PROJECT}/audit-logs`);
    expect(await f.page.getByRole('link', { name: 'Audit Logs' }).getAttribute('aria-current')).toBe('page');
    await visible(f.page.getByRole('link', { name: 'Access Log' }));
    expect(await (await settledRows(f.page)).count()).toBe(100);
  });

  it('lists the newest entries first and flags Denied rows at a glance', async () => {
    const rows = await rowData(f.page);
    const seqs = rows.map((r) => Number(r.seq));
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const denied = rows.filter((r) => r.outcome === 'Denied');
    expect(denied.length).toBe(BOB_DENIED);
    for (const r of denied) {
      expect(r.cls ?? '').toContain('row-denied');
      expect(r.Outcome).toContain('Denied');
    }
    expect(rows.filter((r) => r.outcome === 'Success').every((r) => !(r.cls ?? '').includes('row-denied'))).toBe(true);
  });

  it('loads the next keyset page when the user scrolls to the end of the table', async () => {
    const rows = await settledRows(f.page);
    expect(await rows.count()).toBe(100);
    await f.page.locator('.load-more').scrollIntoViewIfNeeded();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThan(100);
    const all = await rowData(f.page);
    const seqs = all.map((r) => Number(r.seq));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const { entries } = await api<{ entries: unknown[] }>(`/api/v1/audit-logs?project=${PROJECT}&limit=1000`);
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(entries.length);
    await visible(f.page.getByText(/End of log/));
  });

  it('filters by environment, keeps it in the URL, and a reload reproduces the view', async () => {
    await f.page.getByLabel('Environment').selectOption('staging');
    await expect.poll(() => param('environment')).toBe('staging');
    await settledRows(f.page);
    await expect.poll(async () => (await rowData(f.page)).every((r) => r.Environment === 'staging')).toBe(true);
    await f.page.reload();
    await settledRows(f.page);
    await expect.poll(() => f.page.getByLabel('Environment').inputValue()).toBe('staging');
    expect((await rowData(f.page)).every((r) => r.Environment === 'staging')).toBe(true);
  });

  it('on both log pages, an environment named in a shared link stays selected even when it is not in the list', async () => {
    for (const page of ['audit-logs', 'access-log']) {
      await f.page.goto(`${f.origin.url}/projects/${PROJECT}/${page}?environment=retired-env`);
      await expect.poll(() => f.page.getByLabel('Environment').inputValue()).toBe('retired-env');
      expect(new URL(f.page.url()).searchParams.get('environment')).toBe('retired-env');
    }
  });

  it('filters by outcome and the histogram follows the filter', async () => {
    await f.page.goto(auditUrl());
    await settledRows(f.page);
    await f.page.getByLabel('Outcome').selectOption('Denied');
    await expect.poll(() => param('outcome')).toBe('Denied');
    await expect.poll(async () => (await rowData(f.page)).map((r) => r.outcome).join()).toBe(Array(BOB_DENIED).fill('Denied').join());
    const h = f.page.getByTestId('histogram');
    await expect.poll(() => h.getAttribute('data-denied')).toBe(String(BOB_DENIED));
    expect(await h.getAttribute('data-success')).toBe('0');
    await f.page.reload();
    await expect.poll(() => f.page.getByLabel('Outcome').inputValue()).toBe('Denied');
  });

  it('draws the histogram from the same counts the API reports for the filters', async () => {
    await f.page.goto(`${auditUrl()}?environment=production`);
    await settledRows(f.page);
    const body = await api<{ buckets: { success: number; denied: number }[] }>(
      `/api/v1/audit-logs/histogram?project=${PROJECT}&environment=production&buckets=60`,
    );
    const success = body.buckets.reduce((n, b) => n + b.success, 0);
    const denied = body.buckets.reduce((n, b) => n + b.denied, 0);
    const h = f.page.getByTestId('histogram');
    await expect.poll(() => h.getAttribute('data-success')).toBe(String(success));
    expect(await h.getAttribute('data-denied')).toBe(String(denied));
    const list = await api<{ entries: { outcome: string }[] }>(`/api/v1/audit-logs?project=${PROJECT}&environment=production&limit=1000`);
    expect(success + denied).toBe(list.entries.length);
    expect(await f.page.locator('.histogram svg rect.bar-denied').count()).toBeGreaterThan(0);
  });

  it('filters by grouped event types from the picker and writes them to the URL', async () => {
    await f.page.goto(auditUrl());
    await settledRows(f.page);
    await f.page.getByRole('button', { name: /Event/ }).click();
    await f.page.getByRole('checkbox', { name: 'SecretRead', exact: true }).check();
    await f.page.getByRole('checkbox', { name: 'SecretUpdated', exact: true }).check();
    await f.page.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => param('event')).toBe('SecretRead,SecretUpdated');
    await expect.poll(async () => (await rowData(f.page)).every((r) => ['SecretRead', 'SecretUpdated'].includes(r.Event ?? ''))).toBe(true);
    // A whole group from its group checkbox.
    await f.page.getByRole('button', { name: /Event/ }).click();
    await f.page.getByRole('checkbox', { name: 'Secrets', exact: true }).check();
    await expect.poll(() => param('event')).toBe('SecretRead,SecretCreated,SecretUpdated,SecretDeleted,SecretsBulkPulled');
    await f.page.keyboard.press('Escape');
    await f.page.reload();
    await expect.poll(async () => (await f.page.getByRole('button', { name: /Event/ }).textContent()) ?? '').toContain('Secrets (5)');
  });

  it('filters by actor with suggestions from actors seen, through the URL', async () => {
    await f.page.goto(auditUrl());
    await settledRows(f.page);
    const options = await f.page.$$eval('datalist option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toContain(BOB.email);
    const actor = f.page.getByLabel('Actor', { exact: true });
    await actor.fill(BOB.email);
    await actor.press('Enter');
    await expect.poll(() => param('actor')).toBe(BOB.email);
    await expect.poll(async () => (await rowData(f.page)).every((r) => (r.Actor ?? '').startsWith(BOB.email))).toBe(true);
    await f.page.reload();
    await expect.poll(() => actor.inputValue()).toBe(BOB.email);
  });

  it('offers time presets and a custom range in the viewer zone that travel as UTC in the URL', async () => {
    await f.page.goto(auditUrl());
    await settledRows(f.page);
    await f.page.getByLabel('Time range').selectOption('1h');
    await expect.poll(() => param('since')).toBe('1h');
    expect(await (await settledRows(f.page)).count()).toBeGreaterThan(0);
    await f.page.getByLabel('Time range').selectOption('custom');
    // The browser runs in Europe/Berlin: 2020-01-01 10:00 local is 09:00 UTC. The pickers take the
    // table's own 24-hour format and name the zone.
    expect(await f.page.getByText(/^From \(Europe\/Berlin \(UTC\+0[12]:00\)\)$/).count()).toBe(1);
    await f.page.getByLabel(/^From/).fill('2020-01-01 10:00');
    await f.page.getByLabel(/^To/).fill('2020-01-02 10:00');
    await f.page.getByRole('button', { name: 'Apply range' }).click();
    await expect.poll(() => param('since')).toBe('2020-01-01T09:00:00.000Z');
    expect(param('until')).toBe('2020-01-02T09:00:00.000Z');
    await visible(f.page.getByText('No audit entries match'));
    await f.page.reload();
    await expect.poll(() => f.page.getByLabel(/^From/).inputValue()).toBe('2020-01-01 10:00');
    await visible(f.page.getByText('No audit entries match'));
  });

  it('opens a detail panel with every field, the reason, details and the request’s access rows', async () => {
    await f.page.goto(`${auditUrl()}?outcome=Denied`);
    await settledRows(f.page);
    const first = f.page.locator('table.audit-table tbody tr').first().getByRole('button');
    await first.focus();
    await f.page.keyboard.press('Enter');
    const dialog = f.page.getByRole('dialog');
    await visible(dialog);
    await expect.poll(() => isFocused(f.page.getByRole('button', { name: 'Close details' }))).toBe(true);
    for (const label of ['Timestamp', 'Event', 'Outcome', 'Reason', 'Actor type', 'Actor email', 'Actor IP', 'Project', 'Environment', 'Resource', 'Request id']) {
      await visible(dialog.getByText(label, { exact: true }));
    }
    await expect.poll(async () => (await dialog.textContent()) ?? '').toContain('insufficient_role');
    await expect.poll(async () => (await dialog.textContent()) ?? '').toContain(BOB.email);
    const access = dialog.getByTestId('detail-access-rows').locator('li');
    await expect.poll(async () => (await access.first().textContent()) ?? '').toContain('PUT');
    await expect.poll(async () => (await access.first().textContent()) ?? '').toContain('403');
    await f.page.keyboard.press('Escape');
    await hidden(dialog);
    await expect.poll(() => isFocused(first)).toBe(true);
  });
});
