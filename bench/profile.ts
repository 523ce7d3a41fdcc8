import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { topSelfTime } from './lib/cpuprofile.js';
import type { Report } from './lib/report.js';
import { BELLA_SERVER, measure, startBella, tempDir } from './lib/servers.js';
import { createFixture } from './lib/setup.js';

/**
 * `--profile`: the real bella-server under node --cpu-prof while the load of benchmark 1 runs;
 * prints and stores the top self-time functions (the evidence for where the audited read's time goes).
 */
export async function profileRead(report: Report, duration: number): Promise<void> {
  const tmp = tempDir('profile');
  const profDir = join(tmp.dir, 'prof');
  const server = await startBella(BELLA_SERVER, join(tmp.dir, 'data'), { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] });
  let m;
  try {
    const fx = await createFixture(server.url);
    m = await measure(server, fx.readPath, { authorization: `Bearer ${fx.apiKey}` }, duration, 1);
  } finally {
    await server.stop();
  }
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile written');
  const s = topSelfTime(join(profDir, file), 25);
  report.extra.profile = { load: m.load, serverCpu: m.serverCpu, ...s };
  process.stderr.write(`\nProfile of bella-server under the read load (${m.load.rps.toFixed(0)} req/s under the profiler, total ${s.totalMs.toFixed(0)} ms sampled, idle ${s.idlePct.toFixed(1)} %):\n`);
  for (const r of s.rows) process.stderr.write(`  ${r.pct.toFixed(1).padStart(5)} %  ${r.fn}  ${r.where}\n`);
  process.stderr.write(`By area (% of samples): ${JSON.stringify(s.byArea)}\n`);
  tmp.remove();
}
