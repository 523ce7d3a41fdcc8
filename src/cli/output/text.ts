/**
 * Terminal text helpers. Log fields are attacker-influenced (resource names, emails, user agents),
 * so anything printed to a terminal is stripped of control characters first: an ESC sequence in a
 * resource name must not be able to repaint the operator's screen.
 */

import { visibleEscape } from '../../contract/text-safety.js';

/**
 * Replaces C0/C1 control characters and DEL with visible escapes (\n, \t, \x1b, \x85), and bidi
 * controls and line/paragraph separators with \uXXXX (\u202e, \u2028): a name must not reorder the
 * columns an operator reads.
 */
export function sanitize(text: string): string {
  return visibleEscape(text);
}

/** True for code points a terminal draws two cells wide (CJK, Hangul, fullwidth forms, most emoji). */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Combining marks and zero-width characters take no cell. */
function isZeroWidth(cp: number): boolean {
  return (
    (cp >= 0x0300 && cp <= 0x036f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    cp === 0xfeff
  );
}

function cellWidth(ch: string): number {
  const cp = ch.codePointAt(0) as number;
  if (isZeroWidth(cp)) return 0;
  return isWide(cp) ? 2 : 1;
}

/** Number of terminal cells the (already sanitised) text occupies. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += cellWidth(ch);
  return w;
}

/** Cuts text to at most `width` cells, ending with … when something was cut. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let w = 0;
  for (const ch of text) {
    const cw = cellWidth(ch);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

/** Pads with spaces on the right to `width` cells. */
export function padEnd(text: string, width: number): string {
  const w = displayWidth(text);
  return w >= width ? text : text + ' '.repeat(width - w);
}

/** Colour decisions: on a TTY only, never with NO_COLOR (no-color.org), FORCE_COLOR to opt in when piped. */
export interface ColorEnv {
  readonly noColor: boolean;
  readonly forceColor: boolean;
}

export function colorEnabled(env: ColorEnv, stream: { readonly isTTY?: boolean }): boolean {
  if (env.noColor) return false;
  if (env.forceColor) return true;
  return stream.isTTY === true && process.env.TERM !== 'dumb';
}

export type Paint = (text: string) => string;

const identity: Paint = (t) => t;
const sgr = (open: number): Paint => (t) => `\u001b[${open}m${t}\u001b[0m`;

export interface Palette {
  readonly red: Paint;
  readonly bold: Paint;
  readonly dim: Paint;
}

export function palette(enabled: boolean): Palette {
  return enabled ? { red: sgr(31), bold: sgr(1), dim: sgr(2) } : { red: identity, bold: identity, dim: identity };
}
