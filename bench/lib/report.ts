import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One line of the results table. `value`/`baseline` null means not measured (see `note`). */
export interface ResultRow {
  readonly group: string;
  readonly metric: string;
  readonly unit: string;
  readonly value: number | null;
  readonly baseline: number | null;
  /** value / baseline (or the ratio the target is stated in) */
  readonly ratio: number | null;
  /** Human-readable target, e.g. "ratio >= 0.5" */
  readonly target: string;
  /** true/false when a target applies and was measured; null when informational or skipped */
  readonly met: boolean | null;
  readonly note?: string;
}

export class Report {
  readonly rows: ResultRow[] = [];
  readonly extra: Record<string, unknown> = {};

  add(row: ResultRow): void {
    this.rows.push(row);
    process.stderr.write(`  ${fmtRow(row)}\n`);
  }

  skip(group: string, metric: string, target: string, why: string): void {
    this.add({ group, metric, unit: '', value: null, baseline: null, ratio: null, target, met: null, note: `skipped: ${why}` });
  }

  table(): string {
    const head = ['metric', 'value', 'baseline', 'ratio', 'target', 'met'];
    const body = this.rows.map((r) => [
      `${r.group}: ${r.metric}`,
      r.value === null ? (r.note ?? '-') : `${num(r.value)} ${r.unit}`.trim(),
      r.baseline === null ? '-' : `${num(r.baseline)} ${r.unit}`.trim(),
      r.ratio === null ? '-' : r.ratio.toFixed(2),
      r.target,
      r.met === null ? '-' : r.met ? 'yes' : 'NO',
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
    return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
  }

  write(file: string, meta: Record<string, unknown>): void {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify({ ...meta, results: this.rows, details: this.extra }, null, 2)}\n`);
  }
}

export function num(v: number): string {
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

function fmtRow(r: ResultRow): string {
  const v = r.value === null ? (r.note ?? '-') : `${num(r.value)} ${r.unit}`;
  const b = r.baseline === null ? '' : ` (baseline ${num(r.baseline)} ${r.unit}, ratio ${r.ratio?.toFixed(2)})`;
  const m = r.met === null ? '' : r.met ? '  ok' : '  MISSED';
  return `${r.group}: ${r.metric} = ${v}${b}  [${r.target}]${m}`;
}

/** Nearest-rank percentile of a sample (p in 0..100). */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i] as number;
}
