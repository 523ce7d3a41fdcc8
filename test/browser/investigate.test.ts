import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCESS_ADMIN } from '../helpers/process.js';
import { secretPath } from '../helpers/seed.js';
import { summarizeEntry } from '../../src/contract/event-summary.js';
import type { AuditEntry } from '../../src/contract/entries.js';
import { launchBrowser, SCREENSHOT_DIR, seriousViolations, SKIP_BROWSER } from './browser.js';
import { rowData, settledRows, signIn, startWebFixture, visible, type WebFixture } from './fixture.js';
import { ALICE, BOB, BOB_DENIED, PROJECT } from './seed.js';

/**
 * Issue 20 in a real Chromium: the search box, live mode, permalinks (in a new tab too), the time
 * zone toggle, URL errors, the histogram's Denied lane and zoom, noise filters, dark mode and the
 * phone layout, against a real bella-server with seeded activity.
 */
describe.skipIf(SKIP_BROWSER)('investigating with the WebApp', () => {
  let f: WebFixture;
  const audit = (q = '') => `${f.origin.url}/projects/${PROJECT}/audit-logs${q}`;
  const access = (q = '') => `${f.origin.url}/projects/${PROJECT}/access-log${q}`;
  const param = (name: string) => new URL(f.page.url()).searchParams.get(name);
  const api = async <T>(path: string, token = f.tokens.admin) => (await f.srv.request('GET', path, { token })).json<T>();
  const shot = async (page: Page, name: string) => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
  };
  const text = async (page: Page, sel: string) => ((await page.locator(sel).first().textContent()) ?? '').trim();

  beforeAll(async () => {
    f = await startWebFixture();
    await signIn(f.page, f.origin.url);
  }, 120_000);
  afterAll(async () => {
    await f?.close();
  });

  describe('permalinks', () => {
    it('opening a row puts its id in the URL; a reload and Back behave', async () => {
      await f.page.goto(audit('?outcome=Denied'));
      await settledRows(f.page);
      const id = await f.page.locator('table.audit-table tbody tr').first().getByRole('button').getAttribute('data-entry-id');
      await f.page.locator('table.audit-table tbody tr').first().getByRole('button').click();
      await f.page.waitForURL(`**/projects/${PROJECT}/audit-logs/${id}?outcome=Denied`);
      await visible(f.page.getByRole('dialog'));
      expect(await f.page.getByTestId('permalink').textContent()).toBe(`${f.origin.url}/projects/${PROJECT}/audit-logs/${id}`);
      await f.page.reload();
      await visible(f.page.getByRole('dialog'));
      expect(await f.page.getByRole('dialog').textContent()).toContain(id!);
      await f.page.getByRole('button', { name: 'Close details' }).click();
      await f.page.waitForURL(`**/projects/${PROJECT}/audit-logs?outcome=Denied`);
      await f.page.goBack();
      await visible(f.page.getByRole('dialog'));
    });

    it('a permalink opened in a new tab is signed in and opens the entry, even one not on the first page', async () => {
      const { entries } = await api<{ entries: { id: string; seq: number }[] }>(`/api/v1/audit-logs?project=${PROJECT}&limit=1000`);
      const oldest = entries[entries.length - 1]!;
      const tab = await f.browser.context.newPage();
      try {
        await tab.goto(audit(`/${oldest.id}`));
        const dialog = tab.getByRole('dialog');
        await visible(dialog);
        expect(tab.url()).not.toContain('/sign-in');
        await expect.poll(async () => (await dialog.textContent()) ?? '').toContain(oldest.id);
        // Not among the 100 rows the list shows: it came from GET /api/v1/audit-logs/:id.
        expect(await tab.locator(`table.audit-table tbody tr[data-seq="${oldest.seq}"]`).count()).toBe(0);
      } finally {
        await tab.close();
      }
    });

    it('a signed-out visitor with a permalink signs in and lands on that entry', async () => {
      const { entries } = await api<{ entries: { id: string }[] }>(`/api/v1/access-logs?project=${PROJECT}&limit=5&method=PUT&status=403`);
      const id = entries[0]!.id;
      const b = await launchBrowser();
      try {
        await b.page.goto(access(`/${id}`));
        await b.page.waitForURL(/\/sign-in\?next=/);
        await b.page.getByLabel('Email').fill(PROCESS_ADMIN.email);
        await b.page.getByLabel('Password').fill(PROCESS_ADMIN.password);
        await b.page.getByRole('button', { name: 'Sign in' }).click();
        await b.page.waitForURL(`**/projects/${PROJECT}/access-log/${id}`);
        const dialog = b.page.getByRole('dialog');
        await visible(dialog);
        await expect.poll(async () => (await dialog.textContent()) ?? '').toContain(id);
        expect(await b.page.getByTestId('detail-summary').textContent()).toMatch(/^bob@example\.com PUT \/api\/v1\/projects\/my-api\/environments\/production\/secrets\/DB_PASSWORD → 403$/);
      } finally {
        await b.close();
      }
    });

    it('tabs share one session: signing out in one tab signs out the others', async () => {
      const b = await launchBrowser();
      try {
        await signIn(b.page, f.origin.url);
        const tab = await b.context.newPage();
        await tab.goto(audit());
        await settledRows(tab);
        await b.page.getByRole('button', { name: 'Sign out' }).click();
        await b.page.waitForURL(/\/sign-in/);
        await tab.waitForURL(/\/sign-in\?next=/);
        await visible(tab.getByRole('button', { name: 'Sign in' }));
      } finally {
        await b.close();
      }
    });

    it('an unknown id says so instead of showing nothing', async () => {
      await f.page.goto(audit('/00000000-0000-7000-8000-000000000000'));
      await visible(f.page.getByText(/Could not load audit entry/));
      await visible(f.page.getByText(/not found/i));
    });
  });

  describe('the time zone', () => {
    it('names the zone, shows one 24-hour format, and a UTC toggle that survives a reload', async () => {
      await f.page.goto(audit());
      await settledRows(f.page);
      const { entries } = await api<{ entries: { timestamp: string }[] }>(`/api/v1/audit-logs?project=${PROJECT}&limit=1`);
      const ts = entries[0]!.timestamp;
      expect(await f.page.getByTestId('time-zone').textContent()).toMatch(/^Times in Europe\/Berlin \(UTC\+0[12]:00\)$/);
      const local = await text(f.page, 'table.audit-table tbody tr td[data-label="Time"]');
      expect(local).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      const berlin = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(new Date(ts));
      expect(local).toBe(berlin);
      await shot(f.page, 'tz-local-1280');
      await f.page.getByRole('button', { name: 'Show UTC' }).click();
      await expect.poll(() => text(f.page, 'table.audit-table tbody tr td[data-label="Time"]')).toBe(ts.slice(0, 19).replace('T', ' '));
      expect(await f.page.getByTestId('time-zone').textContent()).toBe('Times in UTC');
      expect(await text(f.page, 'table.audit-table thead th')).toBe('Time (UTC)');
      await f.page.reload();
      await settledRows(f.page);
      expect(await text(f.page, 'table.audit-table tbody tr td[data-label="Time"]')).toBe(ts.slice(0, 19).replace('T', ' '));
      // The pickers read and write the same zone: 10:00 typed is 10:00Z.
      await f.page.getByLabel('Time range').selectOption('custom');
      expect(await f.page.getByText('From (UTC)').count()).toBe(1);
      await f.page.getByLabel(/^From/).fill('2020-01-01 10:00');
      await f.page.getByRole('button', { name: 'Apply range' }).click();
      await expect.poll(() => param('since')).toBe('2020-01-01T10:00:00.000Z');
      await shot(f.page, 'tz-utc-1280');
      await f.page.getByRole('button', { name: 'Show local time' }).click();
      await expect.poll(() => f.page.getByLabel(/^From/).inputValue()).toBe('2020-01-01 11:00');
    });

    it('refuses a picker value that is not a date and time, naming the format', async () => {
      await f.page.goto(audit());
      await f.page.getByLabel('Time range').selectOption('custom');
      await f.page.getByLabel(/^From/).fill('31/12/2020 10am');
      await f.page.getByRole('button', { name: 'Apply range' }).click();
      await visible(f.page.getByText(/From: write a date and time as YYYY-MM-DD HH:MM/));
      expect(param('since')).toBeNull();
    });
  });

  describe('the search box', () => {
    it('completes keys and event names, searches with q= in the URL, and / focuses it', async () => {
      await f.page.goto(audit());
      await settledRows(f.page);
      await f.page.locator('body').click({ position: { x: 5, y: 300 } });
      await f.page.keyboard.press('/');
      const box = f.page.getByRole('combobox', { name: /Search/ });
      await expect.poll(() => box.evaluate((el) => el === document.activeElement)).toBe(true);
      await f.page.keyboard.type('ev');
      await visible(f.page.getByRole('option', { name: /^event:/ }));
      await shot(f.page, 'search-keys-1280');
      expect(await seriousViolations(f.page)).toEqual([]);
      await f.page.keyboard.press('ArrowDown');
      await f.page.keyboard.press('Enter');
      expect(await box.inputValue()).toBe('event:');
      await f.page.keyboard.type('SecretUp');
      await visible(f.page.getByRole('option', { name: /^SecretUpdated/ }));
      await f.page.keyboard.press('ArrowDown');
      await f.page.keyboard.press('Tab');
      expect(await box.inputValue()).toBe('event:SecretUpdated');
      await f.page.keyboard.type(' actor:bo');
      await visible(f.page.getByRole('option', { name: new RegExp(`^${BOB.email}`) }));
      await f.page.keyboard.press('Escape');
      await f.page.keyboard.press('Enter');
      await expect.poll(() => param('q')).toBe('event:SecretUpdated actor:bo');
      await settledRows(f.page);
      // actor: is an exact match: "bo" is nobody.
      await visible(f.page.getByText('No audit entries match'));
      await box.fill('event:SecretUpdated actor:bob@example.com');
      await box.press('Enter');
      await expect.poll(() => param('q')).toBe(`event:SecretUpdated actor:${BOB.email}`);
      await expect.poll(async () => (await rowData(f.page)).length).toBe(BOB_DENIED);
      const rows = await rowData(f.page);
      expect(rows.every((r) => r.Event === 'SecretUpdated' && r.outcome === 'Denied')).toBe(true);
      expect(rows[0]!.summary).toMatch(/^bob@example\.com was refused: tried to /);
      // The same q is what the API answers for: the table equals GET /api/v1/audit-logs?q=…
      const same = await api<{ entries: { seq: number }[] }>(`/api/v1/audit-logs?project=${PROJECT}&q=${encodeURIComponent(`event:SecretUpdated actor:${BOB.email}`)}`);
      expect(rows.map((r) => Number(r.seq))).toEqual(same.entries.map((e) => e.seq));
      await shot(f.page, 'search-results-1280');
      await f.page.reload();
      await expect.poll(() => box.inputValue()).toBe(`event:SecretUpdated actor:${BOB.email}`);
    });

    it('lists the keys of each log, with help and an example, under "Search syntax"', async () => {
      await f.page.goto(audit());
      await f.page.getByText('Search syntax').click();
      const keys = f.page.locator('table.search-keys th');
      await visible(keys.first());
      expect(await keys.allTextContents()).toEqual(['actor:', 'event:', 'outcome:', 'environment:', 'project:', 'resource:', 'ip:', 'request:', 'created:', 'a bare word']);
      expect(await f.page.locator('table.search-keys').textContent()).toContain('event:SecretRead,SecretUpdated');
      await shot(f.page, 'search-syntax-1280');
      await f.page.goto(access());
      await f.page.getByText('Search syntax').click();
      expect(await keys.allTextContents()).toContain('path:');
      expect(await keys.allTextContents()).not.toContain('event:');
    });

    it('negation and prefixes work as in the CLI', async () => {
      await f.page.goto(audit(`?q=${encodeURIComponent('resource:DB_* -event:SecretRead environment:production')}`));
      await settledRows(f.page);
      const rows = await rowData(f.page);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.Event !== 'SecretRead' && r.Resource === 'DB_PASSWORD' && r.Environment === 'production')).toBe(true);
    });

    it('shows the API’s error for a bad query with its column marked', async () => {
      await f.page.goto(audit());
      await settledRows(f.page);
      const box = f.page.getByRole('combobox', { name: /Search/ });
      await box.fill('outcome:Denied evnt:SecretRead');
      await box.press('Enter');
      const err = f.page.getByTestId('search-error');
      await visible(err);
      const msg = (await err.textContent()) ?? '';
      expect(msg).toContain('unknown key "evnt" at column 16');
      expect(msg).toContain('keys: actor, event');
      // The caret line points under column 16.
      expect(await err.locator('pre').textContent()).toBe(`outcome:Denied evnt:SecretRead\n${' '.repeat(15)}^`);
      expect(await box.getAttribute('aria-invalid')).toBe('true');
      await shot(f.page, 'search-error-1280');
    });
  });

  describe('errors in the URL', () => {
    for (const [q, words] of [
      ['since=yesterday', /since/],
      ['event=Bogus', /Bogus/],
    ] as const) {
      it(`shows the API's refusal of ${q} instead of every entry`, async () => {
        await f.page.goto(audit(`?${q}`));
        const state = f.page.locator('.state-error');
        await visible(state);
        const t = (await state.textContent()) ?? '';
        expect(t).toMatch(words);
        expect(t).toContain('refused');
        expect(await f.page.locator('table.audit-table tbody tr').count()).toBe(0);
        await shot(f.page, `url-error-${q.split('=')[0]}-1280`);
        await state.getByRole('button', { name: 'Clear filters' }).click();
        await settledRows(f.page);
        expect(f.page.url()).toBe(audit());
      });
    }
  });

  describe('the histogram', () => {
    it('marks the few Denied entries in their own lane; a click on a bar narrows the time range', async () => {
      await f.page.goto(audit());
      await settledRows(f.page);
      const h = f.page.getByTestId('histogram');
      await expect.poll(() => h.getAttribute('data-denied')).toBe(String(BOB_DENIED));
      const markers = f.page.locator('.histogram rect.denied-marker');
      expect(await markers.count()).toBeGreaterThan(0);
      const marked = await markers.evaluateAll((els) => els.reduce((n, el) => n + Number(el.getAttribute('data-denied')), 0));
      expect(marked).toBe(BOB_DENIED);
      // Every marker is visible however small the count: at least 7 px tall on screen.
      const heights = await markers.evaluateAll((els) => els.map((el) => el.getBoundingClientRect().height));
      expect(Math.min(...heights)).toBeGreaterThanOrEqual(7);
      await shot(f.page, 'histogram-denied-lane-1280');
      const marker = markers.last();
      const box = (await marker.boundingBox())!;
      await f.page.mouse.move(box.x + box.width / 2, box.y - 40);
      await visible(f.page.getByTestId('histogram-tip'));
      expect(await f.page.getByTestId('histogram-tip').textContent()).toMatch(/\d+ Success, [1-9]\d* Denied/);
      await f.page.mouse.click(box.x + box.width / 2, box.y - 40);
      await expect.poll(() => param('until')).not.toBeNull();
      const since = Date.parse(param('since')!);
      const until = Date.parse(param('until')!);
      expect(until).toBeGreaterThan(since);
      await settledRows(f.page);
      const rows = await rowData(f.page);
      expect(rows.some((r) => r.outcome === 'Denied')).toBe(true);
    });

    it('is usable from the keyboard: arrows read each bar aloud, Enter narrows to it', async () => {
      await f.page.goto(audit());
      await settledRows(f.page);
      const chart = f.page.locator('.histogram-chart');
      await chart.waitFor();
      await chart.focus();
      await f.page.keyboard.press('End');
      const tip = f.page.getByTestId('histogram-tip');
      await visible(tip);
      expect(await tip.getAttribute('role')).toBe('status');
      const last = (await tip.textContent()) ?? '';
      await f.page.keyboard.press('ArrowLeft');
      await expect.poll(async () => (await tip.textContent()) ?? '').not.toBe(last);
      await shot(f.page, 'histogram-keyboard-tip-1280');
      expect(await seriousViolations(f.page)).toEqual([]);
      await f.page.keyboard.press('End');
      await f.page.keyboard.press('Enter');
      await expect.poll(() => param('until')).not.toBeNull();
    });

    it('a drag across bars narrows to the bars it covers', async () => {
      await f.page.goto(audit());
      await settledRows(f.page);
      const svg = f.page.locator('.histogram-chart svg');
      const b = (await svg.boundingBox())!;
      await f.page.mouse.move(b.x + b.width * 0.1, b.y + 20);
      await f.page.mouse.down();
      await f.page.mouse.move(b.x + b.width * 0.5, b.y + 20, { steps: 5 });
      await f.page.mouse.move(b.x + b.width * 0.995, b.y + 20, { steps: 5 });
      await f.page.mouse.up();
      await expect.poll(() => param('until')).not.toBeNull();
      const span = Date.parse(param('until')!) - Date.parse(param('since')!);
      const body = await api<{ bucketMs: number; buckets: unknown[] }>(`/api/v1/audit-logs/histogram?project=${PROJECT}&buckets=60`);
      // From the bar at 10% of the width to the last: about 90% of the bars.
      const n = body.buckets.length;
      expect(span / body.bucketMs).toBeGreaterThanOrEqual(Math.floor(n * 0.85));
      expect(span / body.bucketMs).toBeLessThanOrEqual(n);
    });
  });

  describe('live mode', () => {
    it('shows new audit entries at the top as they are recorded, each once', async () => {
      await f.page.goto(audit(`?q=${encodeURIComponent('event:SecretRead,SecretUpdated')}`));
      await settledRows(f.page);
      const before = await rowData(f.page);
      const h = f.page.getByTestId('histogram');
      await expect.poll(() => h.getAttribute('data-success')).not.toBeNull();
      const chartBefore = Number(await h.getAttribute('data-success'));
      await f.page.getByTestId('live-toggle').click();
      await expect.poll(() => f.page.locator('[data-live-state]').getAttribute('data-live-state')).toBe('live');
      for (let i = 0; i < 3; i++) {
        const r = await f.srv.request('GET', secretPath(PROJECT, 'production', 'STRIPE_KEY'), { token: f.tokens.alice });
        expect(r.status).toBe(200);
      }
      // An entry the query excludes never shows up.
      await f.srv.request('GET', `/api/v1/projects/${PROJECT}`, { token: f.tokens.alice });
      await expect.poll(async () => (await rowData(f.page)).length, { timeout: 10_000 }).toBe(before.length + 3);
      const after = await rowData(f.page);
      const top = after.slice(0, 3);
      expect(top.every((r) => r.Event === 'SecretRead' && r.Resource === 'STRIPE_KEY')).toBe(true);
      const seqs = after.map((r) => Number(r.seq));
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
      // The summary line is summarizeEntry's, the same function the CLI prints.
      const newest = await api<{ entries: AuditEntry[] }>(`/api/v1/audit-logs?project=${PROJECT}&limit=1&event=SecretRead`);
      expect(top[0]!.seq).toBe(String(newest.entries[0]!.seq));
      expect(top[0]!.summary).toBe(summarizeEntry(newest.entries[0]!));
      expect(top[0]!.summary).toContain(ALICE.email);
      // The chart follows: three more Success events (a background refresh, no loading state).
      await expect.poll(async () => Number(await h.getAttribute('data-success')), { timeout: 10_000 }).toBe(chartBefore + 3);
      await shot(f.page, 'live-audit-1280');
      await f.page.getByTestId('live-toggle').click();
      expect(await f.page.getByTestId('live-toggle').getAttribute('aria-pressed')).toBe('false');
    });

    it('tails the Access Log too, without the viewer’s own page loads when they are hidden', async () => {
      await f.page.goto(access('?excludeSelf=true'));
      await f.page.locator('table.access-table tbody tr').first().waitFor();
      expect(await f.page.getByRole('checkbox', { name: 'Hide my own reads' }).isChecked()).toBe(true);
      const count = () => f.page.locator('table.access-table tbody tr').count();
      const before = await count();
      await f.page.getByTestId('live-toggle').click();
      await expect.poll(() => f.page.locator('[data-live-state]').getAttribute('data-live-state')).toBe('live');
      await f.srv.request('GET', secretPath(PROJECT, 'staging', 'REDIS_URL'), { token: f.tokens.alice });
      await f.srv.request('GET', secretPath(PROJECT, 'staging', 'REDIS_URL'), { token: f.tokens.alice });
      await expect.poll(count, { timeout: 10_000 }).toBe(before + 2);
      const firstTwo = await f.page.locator('table.access-table tbody tr td[data-label="Actor"]').evaluateAll((tds) => tds.slice(0, 2).map((t) => t.textContent ?? ''));
      expect(firstTwo.every((t) => t.startsWith(ALICE.email))).toBe(true);
      await shot(f.page, 'live-access-1280');
      await f.page.getByTestId('live-toggle').click();
    });
  });

  describe('noise', () => {
    it('"Hide my own reads" drops the viewer’s requests; the path filter matches without the query string', async () => {
      await f.page.goto(access());
      await f.page.locator('table.access-table tbody tr').first().waitFor();
      const actors = () => f.page.locator('table.access-table tbody tr td[data-label="Actor"]').evaluateAll((tds) => tds.map((t) => t.textContent ?? ''));
      const admin = PROCESS_ADMIN.email;
      expect((await actors()).some((a) => a.startsWith(admin))).toBe(true);
      await f.page.getByRole('checkbox', { name: 'Hide my own reads' }).check();
      await expect.poll(() => param('excludeSelf')).toBe('true');
      await expect.poll(async () => (await actors()).length > 0 && (await actors()).every((a) => !a.startsWith(admin))).toBe(true);
      await f.page.getByLabel('Path').fill('/api/v1/audit-logs');
      await f.page.getByLabel('Path').press('Enter');
      await expect.poll(() => param('path')).toBe('/api/v1/audit-logs');
      await f.page.getByRole('checkbox', { name: 'Hide my own reads' }).uncheck();
      // The page's own list requests carry a query string; the path filter still finds them.
      await expect.poll(async () => (await actors()).length).toBeGreaterThan(0);
      await shot(f.page, 'access-path-filter-1280');
    });

    it('a MEMBER sees the refusal and no Export buttons', async () => {
      const m = await launchBrowser();
      try {
        await signIn(m.page, f.origin.url, ALICE);
        await m.page.goto(audit());
        await visible(m.page.locator('.state-error'));
        expect(await m.page.getByRole('button', { name: /^Export/ }).count()).toBe(0);
        expect(await m.page.getByTestId('live-toggle').count()).toBe(0);
        await m.page.goto(access());
        await visible(m.page.locator('.state-error'));
        expect(await m.page.getByRole('button', { name: /^Export/ }).count()).toBe(0);
        await shot(m.page, 'member-no-export-1280');
      } finally {
        await m.close();
      }
      await f.page.goto(audit());
      await visible(f.page.getByRole('button', { name: 'Export CSV' }));
    });
  });

  describe('comfort', () => {
    it('follows the system’s dark mode', async () => {
      await f.page.emulateMedia({ colorScheme: 'dark' });
      try {
        await f.page.goto(audit());
        await settledRows(f.page);
        const bg = await f.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
        expect(bg).toBe('rgb(15, 19, 32)');
        await shot(f.page, 'dark-mode-1280');
        // Contrast holds in the dark palette too (axe's colour-contrast rule is serious).
        expect(await seriousViolations(f.page)).toEqual([]);
        await f.page.goto(access());
        await f.page.locator('table.access-table tbody tr').first().waitFor();
        expect(await seriousViolations(f.page)).toEqual([]);
      } finally {
        await f.page.emulateMedia({ colorScheme: 'light' });
      }
      expect(await f.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe('rgb(246, 247, 249)');
    });
  });

  describe('a phone at 390 px', () => {
    let phone: Awaited<ReturnType<typeof launchBrowser>>;
    beforeAll(async () => {
      phone = await launchBrowser({ width: 390, height: 844 });
      await signIn(phone.page, f.origin.url);
    });
    afterAll(async () => {
      await phone?.close();
    });

    it('shows entries on the first screen, with filters and chart one tap away', async () => {
      const p = phone.page;
      await p.goto(audit());
      await settledRows(p);
      const first = (await p.locator('table.audit-table tbody tr').first().boundingBox())!;
      expect(first.y).toBeLessThan(844 - 100);
      expect(await p.locator('.filter-bar').count()).toBe(0);
      await shot(p, 'phone-audit-390');
      await p.getByRole('button', { name: /Filters and chart/ }).click();
      await visible(p.locator('.filter-bar'));
      await visible(p.getByTestId('histogram'));
      expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await shot(p, 'phone-audit-filters-390');
    });

    it('says "1 event" for one event', async () => {
      const p = phone.page;
      await p.goto(audit('?event=ProjectCreated'));
      await settledRows(p);
      await p.getByRole('button', { name: /Filters and chart/ }).click();
      await expect.poll(async () => (await p.locator('.histogram-caption').textContent()) ?? '').toMatch(/^1 event Success 1 Denied 0/);
      await visible(p.getByText('End of log · 1 entry'));
    });

    it('keeps the Access Log detail’s close button on screen with a long title, and wraps routes in the cards', async () => {
      const p = phone.page;
      await p.goto(access('?method=PUT'));
      await p.locator('table.access-table tbody tr').first().waitFor();
      expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      const overflow = await p.locator('td[data-label="Route"]').evaluateAll((tds) => tds.filter((td) => td.scrollWidth > td.clientWidth + 1).length);
      expect(overflow).toBe(0);
      await shot(p, 'phone-access-390');
      await p.locator('table.access-table tbody tr').first().getByRole('button').click();
      const title = p.locator('#panel-title');
      await visible(title);
      expect(((await title.textContent()) ?? '').length).toBeGreaterThan(40);
      const close = (await p.getByRole('button', { name: 'Close details' }).boundingBox())!;
      expect(close.x).toBeGreaterThanOrEqual(0);
      expect(close.x + close.width).toBeLessThanOrEqual(390);
      await shot(p, 'phone-access-detail-390');
      expect(await seriousViolations(p)).toEqual([]);
      await p.getByRole('button', { name: 'Close details' }).click();
      await p.getByRole('dialog').waitFor({ state: 'detached' });
    });
  });
});
