import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  readonly fn: string;
  readonly where: string;
  readonly ms: number;
  readonly pct: number;
}

/** Top self-time functions of a V8 .cpuprofile (what `node --cpu-prof` writes). */
export function topSelfTime(file: string, top = 15): { totalMs: number; idlePct: number; rows: SelfTime[]; byArea: Record<string, number> } {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const agg = new Map<string, { fn: string; where: string; us: number }>();
  const area = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id) as Node;
    total += us;
    const url = n.callFrame.url.replace(/^file:\/\//, '');
    const short = url.replace(/^.*\/node_modules\//, '').replace(/^.*\/dist\//, 'dist/');
    const fn = n.callFrame.functionName || '(anonymous)';
    const where = url ? `${short}:${n.callFrame.lineNumber + 1}` : '';
    const key = `${fn}@${where}`;
    const a = agg.get(key) ?? { fn, where, us: 0 };
    a.us += us;
    agg.set(key, a);
    const ar = !url ? fn.startsWith('(') ? fn : 'native/builtin' : url.includes('node_modules/')
      ? `npm:${(short.split('/')[0] ?? '').startsWith('@') ? short.split('/').slice(0, 2).join('/') : short.split('/')[0]}`
      : url.startsWith('node:') ? 'node core' : short.startsWith('dist/') ? `bella:${short.split('/').slice(1, 3).join('/')}` : short;
    area.set(ar, (area.get(ar) ?? 0) + us);
  }
  const idle = agg.get('(idle)@')?.us ?? 0;
  const rows = [...agg.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((a) => ({ fn: a.fn, where: a.where, ms: a.us / 1000, pct: (100 * a.us) / total }));
  const byArea = Object.fromEntries([...area.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => [k, Math.round((1000 * v) / total) / 10]));
  return { totalMs: total / 1000, idlePct: (100 * idle) / total, rows, byArea };
}
