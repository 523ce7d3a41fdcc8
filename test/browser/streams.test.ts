import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamView } from '../../src/contract/streams.js';
import { startHecReceiver, until, type HecReceiver } from '../helpers/siem-receivers.js';
import { screenshot, seriousViolations, SKIP_BROWSER } from './browser.js';
import { signIn, startWebFixture, type WebFixture } from './fixture.js';
import { PROJECT } from './seed.js';

/** The WebApp's Streams page: a broken Splunk stream shows failing with the sink's answer; fixed and retried, it is active again. */
describe.skipIf(SKIP_BROWSER)('the Streams page of the WebApp', () => {
  let f: WebFixture;
  let hec: HecReceiver;
  beforeAll(async () => {
    f = await startWebFixture();
    hec = await startHecReceiver({ token: 'rotated-token' });
    const r = await f.srv.request('POST', '/api/v1/audit-streams', { token: f.tokens.admin, body: { name: 'splunk-web', sink: { type: 'splunk', url: hec.url, token: 'old-token-123' } } });
    expect(r.status, r.text).toBe(201);
    const p = await f.srv.request('POST', '/api/v1/audit-streams', { token: f.tokens.admin, body: { name: 'project-hook', project: PROJECT, sink: { type: 'splunk', url: hec.url, token: 'rotated-token' } } });
    expect(p.status, p.text).toBe(201);
    await until('failing', async () => (await f.srv.request('GET', '/api/v1/audit-streams/splunk-web', { token: f.tokens.admin })).json<StreamView>().health.state === 'failing', 20_000);
    await signIn(f.page, f.origin.url);
  }, 120_000);
  afterAll(async () => {
    await f?.close();
    await hec?.close();
  });

  it('lists each stream with its state, lag and the sink answer; Retry now after the sink was fixed makes it active and caught up', async () => {
    await f.page.goto(`${f.origin.url}/settings/streams`);
    const row = f.page.locator('tr[data-stream="splunk-web"]');
    await row.waitFor();
    await expect.poll(() => row.innerText()).toMatch(/failing/);
    expect(await row.innerText()).toContain('403 code 4 (Invalid token)');
    expect(await f.page.locator('tr[data-stream="project-hook"]').innerText()).toMatch(/active/);
    expect(await seriousViolations(f.page)).toEqual([]);
    await screenshot(f.page, 'streams-failing');
    // Fixed on the Splunk side: the old token is valid again. Retry now, without waiting for the next attempt.
    hec.token = 'old-token-123';
    await row.getByRole('button', { name: 'Retry now' }).click();
    await expect.poll(() => row.innerText(), { timeout: 15_000 }).toMatch(/active/);
    await expect.poll(() => row.innerText(), { timeout: 15_000 }).toMatch(/0 entries, 0s/);
    expect(hec.events.length).toBeGreaterThan(0);
  });

  it("a project's Streams tab shows only that project's streams", async () => {
    await f.page.goto(`${f.origin.url}/projects/${PROJECT}/streams`);
    await f.page.locator('tr[data-stream="project-hook"]').waitFor();
    expect(await f.page.locator('tr[data-stream="splunk-web"]').count()).toBe(0);
  });
});
