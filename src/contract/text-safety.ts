/**
 * Characters that must never reach a reader raw: C0 and C1 controls and DEL (they repaint terminals),
 * the bidirectional controls U+202A–U+202E, U+2066–U+2069, U+200E/U+200F and U+061C (they reorder
 * what a reviewer reads: "Trojan Source"), and the line/paragraph separators U+2028/U+2029 (line
 * breaks to some readers, none to others). Names people choose refuse them (api.ts); logged text keeps
 * them as evidence and every place that shows or exports it writes them as visible escapes.
 */
const UNSAFE_SOURCE = '[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069]';
const UNSAFE_ONE = new RegExp(UNSAFE_SOURCE);
const UNSAFE_ALL = new RegExp(UNSAFE_SOURCE, 'g');
/** The same set without C0, which JSON.stringify already escapes inside strings (and uses as whitespace outside). */
const JSON_RAW = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

const hex4 = (c: string) => c.charCodeAt(0).toString(16).padStart(4, '0');

/** `U+202E`: how a message names a code point. */
export function codePointLabel(c: string): string {
  return `U+${hex4(c).toUpperCase()}`;
}

/** What an unsafe character is, for messages: "a control character", "a bidirectional-formatting character", "a line or paragraph separator". */
export function unsafeCharKind(c: string): string {
  const code = c.charCodeAt(0);
  if (code <= 0x9f) return 'a control character';
  if (code === 0x2028 || code === 0x2029) return 'a line or paragraph separator';
  return 'a bidirectional-formatting character';
}

/** The first character of the unsafe set in `s`, or null. */
export function firstUnsafeChar(s: string): string | null {
  const m = UNSAFE_ONE.exec(s);
  return m ? m[0] : null;
}

/**
 * JSON text with every unsafe character JSON.stringify leaves raw (DEL, C1, bidi controls, U+2028/9)
 * written as a \uXXXX escape. Lossless: those characters can only occur inside JSON strings, where the
 * escape means the same character, so JSON.parse returns exactly what it did before.
 */
export function escapeJsonText(json: string): string {
  return json.replace(JSON_RAW, (c) => `\\u${hex4(c)}`);
}

/** JSON.stringify, then escapeJsonText. */
export function safeJsonStringify(value: unknown, space?: number): string {
  return escapeJsonText(JSON.stringify(value, null, space) ?? 'null');
}

const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A visible escape of every unsafe character, for text shown to people (terminal tables, CSV cells):
 * `\n`, `\r`, `\t`; `\xHH` for the other C0 controls, DEL and C1 (`\x1b`, `\x85`); `\uHHHH` for the
 * bidi controls and separators (`\u202e`, `\u2028`). A display form: a literal backslash is left as it is.
 */
export function visibleEscape(s: string): string {
  return s.replace(UNSAFE_ALL, (c) => {
    const short = SHORT[c];
    if (short) return short;
    const code = c.charCodeAt(0);
    return code <= 0x9f ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${hex4(c)}`;
  });
}
