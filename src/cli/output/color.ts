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
