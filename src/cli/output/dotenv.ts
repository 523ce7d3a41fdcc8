/**
 * The .env encoding of `bella pull`. Secret values are written by anyone with MEMBER rights and the
 * file is read by colleagues, often with `set -a; . ./.env`, so every line must be inert when a POSIX
 * shell (sh, dash, bash) sources it and must also read back byte for byte through the `dotenv` npm
 * package. Two quoting forms satisfy both; a value that fits neither is refused, never approximated.
 *
 *  1. No single quote: `KEY='value'`. Inside single quotes every byte is literal to a shell (`$`,
 *     backticks, `\`, `"`, `#`, line feeds), and dotenv copies single-quoted text unchanged, across
 *     lines too. dotenv's pattern treats `\'` as an escaped quote, so a value ending in a backslash
 *     gets a trailing comment that starts with a quote (` # '…`): that makes dotenv's `\'` reading
 *     fail and fall back to the real closing quote, while a shell just sees a comment.
 *  2. A single quote, but none of `"`, `$`, backtick or `\`: `KEY="value"`. Without those characters
 *     nothing inside double quotes is special to a shell, and dotenv expands nothing (it only turns
 *     the two-character sequences `\n` and `\r` into line breaks, and there is no backslash).
 *
 * Refused: a single quote together with `"`, `$`, a backtick or `\` (a shell needs `'\''` or
 * backslash escapes, which dotenv keeps verbatim); a carriage return (dotenv turns every CR into a
 * line feed before parsing); a NUL (no shell variable can hold one); unpaired UTF-16 surrogates
 * (they cannot be written as UTF-8); keys that are not shell variable names (`.` or `-`: a shell
 * would run `a.b='x'` as a command); and keys a shell runs as code or imports as options (see
 * SHELL_CODE_VARIABLES). JSON and YAML hold all of these exactly.
 */

/** `[A-Za-z_][A-Za-z0-9_]*`: what sh accepts on the left of an assignment. */
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Variables whose value a shell runs, expands with command substitution, or imports as options,
 * so exporting one runs the value later: PROMPT_COMMAND and PS0–PS4 at a prompt or under `set -x`,
 * ENV and BASH_ENV in every later interactive sh or non-interactive bash (`BASH_ENV='$(…)'` runs
 * on the next `bash script.sh`), SHELLOPTS and BASHOPTS (read-only in bash, imported by children).
 */
export const SHELL_CODE_VARIABLES: ReadonlySet<string> = new Set([
  'BASH_ENV',
  'BASHOPTS',
  'ENV',
  'PROMPT_COMMAND',
  'PS0',
  'PS1',
  'PS2',
  'PS3',
  'PS4',
  'SHELLOPTS',
]);

/** Characters that make a value with a single quote unwritable in double quotes. */
const DOUBLE_QUOTE_SPECIAL = /["$`\\]/;

const LONE_SURROGATE = /\p{Cs}/u;

/** The comment appended after a value that ends in a backslash (see form 1 above). */
export const TRAILING_BACKSLASH_GUARD = " # 'value ends with a backslash";

/** Why a key cannot be written to .env, or null when it can. */
export function dotenvKeyProblem(key: string): string | null {
  if (!SHELL_NAME.test(key)) return 'the key is not a shell variable name (it has "." or "-")';
  if (SHELL_CODE_VARIABLES.has(key)) return 'a shell treats the value of this variable as code or options';
  return null;
}

/** Why a value cannot be written to .env, or null when it can. Never quotes the value itself. */
export function dotenvValueProblem(value: string): string | null {
  if (value.includes('\r')) return 'the value has a carriage return, which dotenv reads as a line feed';
  if (value.includes('\0')) return 'the value has a NUL byte, which no shell variable can hold';
  if (LONE_SURROGATE.test(value)) return 'the value is not valid Unicode text (an unpaired surrogate)';
  if (value.includes("'") && DOUBLE_QUOTE_SPECIAL.test(value)) {
    return 'the value mixes a single quote with ", $, ` or \\, which cannot be quoted so that shells and dotenv both read it exactly';
  }
  return null;
}

/** The right-hand side of `KEY=…` for a value dotenvValueProblem accepts. */
export function dotenvValue(value: string): string {
  const problem = dotenvValueProblem(value);
  if (problem) throw new Error(`dotenvValue: ${problem}`);
  if (value.includes("'")) return `"${value}"`;
  return value.endsWith('\\') ? `'${value}'${TRAILING_BACKSLASH_GUARD}` : `'${value}'`;
}

export interface DotenvRefusal {
  readonly key: string;
  readonly reason: string;
}

/** Every key of `secrets` that cannot be written, with the reason, in key order. */
export function dotenvRefusals(secrets: Readonly<Record<string, string>>): DotenvRefusal[] {
  const out: DotenvRefusal[] = [];
  for (const key of Object.keys(secrets).sort()) {
    const reason = dotenvKeyProblem(key) ?? dotenvValueProblem(secrets[key] as string);
    if (reason) out.push({ key, reason });
  }
  return out;
}

/** The .env text, keys sorted; callers check dotenvRefusals first (this throws on a refused entry). */
export function dotenvText(secrets: Readonly<Record<string, string>>): string {
  return Object.keys(secrets)
    .sort()
    .map((key) => {
      const problem = dotenvKeyProblem(key);
      if (problem) throw new Error(`dotenvText: ${key}: ${problem}`);
      return `${key}=${dotenvValue(secrets[key] as string)}\n`;
    })
    .join('');
}
