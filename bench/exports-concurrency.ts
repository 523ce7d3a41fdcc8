import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { generateAuditLog } from './lib/generate.js';
import type { Report } from './lib/report.js';
import { BELLA_SERVER, startBella, tempDir } from './lib/servers.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './lib/setup.js';

const G = '7 exports under load';
const DAY = 86_400_000;
const PROJECT = 'bench';

interface Scenario {
  readonly label: string;
  readonly env: Record<string, string>;
}

interface Outcome {
  readonly served: number;
  readonly refused: number;
  readonly failed: number;
  readonly rows: number;
  readonly seconds: number;
  readonly healthz: { readonly n: number; readonly p50: number; readonly p99: number; readonly max: number };
}

const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function call(url: string, method: string, path: string, token: string | null, body?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await fetch(url + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** Reads an export to the end, counting CSV lines; the status says served (200) or refused (429). */
async function drain(url: string, key: string): Promise<{ status: number; lines: number }> {
  const r = await fetch(`${url}/api/v1/audit-logs/export?format=csv`, { headers: { authorization: `Bearer ${key}` } });
  if (!r.body) return { status: r.status, lines: 0 };
  let lines = 0;
  for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return { status: r.status, lines: r.status === 200 ? lines - 1 : 0 };
}

/** GET /healthz one after another until `stop` resolves, each latency in ms. */
async function sampleHealth(url: string, stop: Promise<unknown>): Promise<number[]> {
  let done = false;
  void stop.finally(() => (done = true));
  const out: number[] = [];
  while (!done) {
    const t0 = performance.now();
    const r = await fetch(`${url}/healthz`);
    await r.arrayBuffer();
    out.push(performance.now() - t0);
    await new Promise((res) => setTimeout(res, 5));
  }
  return out;
}

async function runScenario(data: string, callers: number, s: Scenario): Promise<Outcome> {
  const server = await startBella(BELLA_SERVER, data, { env: s.env });
  try {
    const { token } = await call(server.url, 'POST', '/api/v1/auth/login', null, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    // One AUDITOR key per caller, so the per-caller cap counts each export on its own caller.
    const keys: string[] = [];
    const existing = await fetch(`${server.url}/api/v1/projects/${PROJECT}`, { headers: { authorization: `Bearer ${token}` } });
    if (existing.status === 404) {
      await call(server.url, 'POST', '/api/v1/projects', token, { slug: PROJECT, name: 'Bench' });
      await call(server.url, 'POST', `/api/v1/projects/${PROJECT}/environments`, token, { slug: 'prod', name: 'Production' });
    }
    for (let i = 0; i < callers; i++) {
      keys.push((await call(server.url, 'POST', `/api/v1/projects/${PROJECT}/environments/prod/api-keys`, token, { name: `exporter-${i}`, role: 'AUDITOR' })).key);
    }
    const t0 = performance.now();
    const exports = Promise.all(keys.map((k) => drain(server.url, k).catch(() => ({ status: 0, lines: 0 }))));
    const health = await sampleHealth(server.url, exports);
    const results = await exports;
    const seconds = (performance.now() - t0) / 1000;
    const sorted = [...health].sort((a, b) => a - b);
    return {
      served: results.filter((r) => r.status === 200).length,
      refused: results.filter((r) => r.status === 429).length,
      failed: results.filter((r) => r.status !== 200 && r.status !== 429).length,
      rows: results.reduce((n, r) => n + r.lines, 0),
      seconds,
      healthz: { n: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN },
    };
  } finally {
    await server.stop();
  }
}

/**
 * /healthz latency while 40 callers (one AUDITOR API key each) export the whole Audit Log as CSV at
 * once: with the caps as configured by default (2 per caller, 8 in all: most of the 40 are refused with
 * 429) and with the total cap lifted (every export served, so the p99 shows what yielding between
 * pages alone does). Measured against an idle /healthz.
 */
export async function benchExportsConcurrency(report: Report, o: { entries: number; callers: number }): Promise<void> {
  const tmp = tempDir('exports-concurrency');
  const data = join(tmp.dir, 'data');
  mkdirSync(data, { recursive: true });
  const now = Date.now();
  try {
    await generateAuditLog(join(data, 'bella.db'), { entries: o.entries, startMs: now - 30 * DAY, endMs: now - 60_000, onlyProject: PROJECT });
    const idle = await (async () => {
      const server = await startBella(BELLA_SERVER, data);
      try {
        const lat = await sampleHealth(server.url, new Promise((r) => setTimeout(r, 1500)));
        return quantile([...lat].sort((a, b) => a - b), 0.99);
      } finally {
        await server.stop();
      }
    })();
    const scenarios: Scenario[] = [
      { label: 'caps as configured (2 per caller, 8 in all)', env: {} },
      { label: 'total cap lifted (2 per caller, 9999 in all)', env: { BELLA_EXPORTS_TOTAL: '9999' } },
    ];
    const n = o.entries.toLocaleString('en-US');
    const results: Record<string, Outcome> = {};
    for (const s of scenarios) {
      const r = await runScenario(data, o.callers, s);
      results[s.label] = r;
      report.add({
        group: G, metric: `/healthz p99, ${o.callers} concurrent CSV exports of ${n} entries, ${s.label}`, unit: 'ms', value: r.healthz.p99, baseline: idle,
        ratio: r.healthz.p99 / idle, target: '<= 100 ms', met: r.healthz.p99 <= 100 && r.failed === 0,
        note: `served ${r.served}, refused ${r.refused} (429), failed ${r.failed}; ${r.rows} rows in ${r.seconds.toFixed(1)} s; /healthz p50 ${r.healthz.p50.toFixed(1)} ms, max ${r.healthz.max.toFixed(1)} ms over ${r.healthz.n} samples`,
      });
      report.add({ group: G, metric: `exports served / refused (429), ${s.label}`, unit: 'served', value: r.served, baseline: null, ratio: null, target: 'info', met: null, note: `refused ${r.refused}` });
    }
    report.extra.exportsConcurrency = { entries: o.entries, callers: o.callers, idleHealthzP99: idle, results };
  } finally {
    tmp.remove();
  }
}
