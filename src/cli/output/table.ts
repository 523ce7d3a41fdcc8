import { displayWidth, sanitize, truncate, type Paint, type Palette } from './text.js';

/** One table column. Columns without `min` keep their natural width; `drop` orders what goes first when too narrow. */
export interface Column<R> {
  readonly header: string;
  readonly value: (row: R) => string;
  /** Narrowest the column may be cut to (with …); omitted = never cut */
  readonly min?: number;
  /** Columns with the highest number are dropped first when even the minimum widths do not fit; omitted = never */
  readonly drop?: number;
  /** Columns with a higher number are cut down to their minimum before others are cut at all (default 0) */
  readonly squeeze?: number;
  /** Shown only when every column fits uncut: it never narrows the others (columns beyond the product page's) */
  readonly extra?: boolean;
  /** Colour for a cell, decided from the row (e.g. Denied in red) */
  readonly paint?: (row: R, palette: Palette) => Paint | null;
}

const GAP = '  ';

/** Widths that fit `width`, or null when the minimum widths do not fit. */
function fitWidths(natural: number[], mins: number[], width: number, squeeze: readonly number[]): number[] | null {
  const widths = [...natural];
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1);
  let excess = total() - width;
  while (excess > 0) {
    // Shave the column that squeezes first, and among equals the widest, which keeps short ones readable.
    let best = -1;
    for (let i = 0; i < widths.length; i++) {
      if ((widths[i] as number) <= (mins[i] as number)) continue;
      const better =
        best < 0 ||
        (squeeze[i] as number) > (squeeze[best] as number) ||
        ((squeeze[i] as number) === (squeeze[best] as number) && (widths[i] as number) > (widths[best] as number));
      if (better) best = i;
    }
    if (best < 0) return null;
    widths[best] = (widths[best] as number) - 1;
    excess--;
  }
  return widths;
}

/**
 * Renders aligned columns that fit in `width` terminal cells: cuts shrinkable columns with …,
 * then drops optional columns, never printing a line wider than the terminal.
 */
export function renderTable<R>(columns: readonly Column<R>[], rows: readonly R[], width: number, palette: Palette): string[] {
  let active = [...columns];
  const texts = (cols: readonly Column<R>[]) => rows.map((r) => cols.map((c) => sanitize(c.value(r))));
  for (;;) {
    const cells = texts(active);
    const natural = active.map((c, i) => Math.max(displayWidth(c.header), ...cells.map((row) => displayWidth(row[i] as string))));
    const mins = active.map((c, i) => Math.min(natural[i] as number, c.min ?? (natural[i] as number)));
    const squeeze = active.map((c) => c.squeeze ?? 0);
    const extra = active.filter((c) => c.extra);
    if (extra.length > 0 && natural.reduce((a, b) => a + b, 0) + GAP.length * (active.length - 1) > width) {
      active = active.filter((c) => !c.extra);
      continue;
    }
    const widths = fitWidths(natural, mins, width, squeeze);
    const droppable = active.filter((c) => c.drop !== undefined);
    if (widths === null && droppable.length > 0) {
      const victim = droppable.reduce((a, b) => ((b.drop as number) > (a.drop as number) ? b : a));
      active = active.filter((c) => c !== victim);
      continue;
    }
    // Nothing left to drop: let every column shrink (to one cell) rather than cut whole lines,
    // which would also cut colour sequences in half.
    const w = widths ?? fitWidths(natural, active.map(() => 1), width, squeeze) ?? mins;
    const line = (values: readonly string[], paints: readonly (Paint | null)[]) =>
      values
        .map((v, i) => {
          const cut = truncate(v, w[i] as number);
          const p = paints[i];
          // Paint the text only, then pad: colour must not bleed into the gap.
          const painted = p ? p(cut) : cut;
          return i === values.length - 1 ? painted : painted + ' '.repeat(Math.max(0, (w[i] as number) - displayWidth(cut)));
        })
        .join(GAP)
        .trimEnd();
    const header = line(
      active.map((c) => c.header),
      active.map(() => palette.bold),
    );
    const body = rows.map((r, ri) =>
      line(
        cells[ri] as string[],
        active.map((c) => c.paint?.(r, palette) ?? null),
      ),
    );
    return [header, ...body];
  }
}
