import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dotenv from 'dotenv';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { CliError, EXIT } from '../errors.js';
import { formatForPath, render } from './pull.js';

/*
 * `bella pull` output is written from values any MEMBER can set and read by colleagues, typically
 * with `set -a; . ./.env`. Every value here is written with the real renderer, sourced by each
 * shell, and read back byte for byte; a marker file that any command substitution in the values
 * would create must never appear. The same text must read back through the `dotenv` package.
 */

const root = mkdtempSync(join(tmpdir(), 'bella-pull-'));
const MARKER = join(root, 'PWNED');
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => rmSync(MARKER, { force: true }));

/** Values pull must write to .env exactly. */
const ACCEPTED: ReadonlyArray<readonly [string, string]> = [
  ['backticks', `\`touch ${MARKER}\``],
  ['command substitution', `$(touch ${MARKER})`],
  ['command substitution after a newline', `x\n$(touch ${MARKER})`],
  ['$VAR', '$HOME'],
  ['${VAR}', '${HOME}'],
  ['${VAR:-default} and arithmetic', '${HOME:-x} $((1+1)) $1 $'],
  ['a single quote', "it's"],
  ['only a single quote', "'"],
  ['quotes at both ends', "'x'"],
  ['a single quote that closes and runs a command', `'; touch ${MARKER}; '`],
  ['a single quote and a newline', "it's\nmulti line"],
  ['a single quote and #', "'#'"],
  ['a single quote and !', "it's great!!"],
  ['double quotes', 'say "hi"'],
  ['only a double quote', '"'],
  ['a double quote that closes and runs a command', `"; touch ${MARKER}; "`],
  ['backslashes', 'C:\\dir\\file \\n \\t \\$HOME \\`'],
  ['a trailing backslash', 'C:\\dir\\'],
  ['only a backslash', '\\'],
  ['two trailing backslashes', 'x\\\\'],
  ['a backslash before a newline', 'a\\\nb'],
  ['newlines', 'line 1\nline 2'],
  ['only a newline', '\n'],
  ['leading and trailing newlines', '\n\nmiddle\n\n'],
  ['a newline then an assignment', 'x\nINJECTED=y\nexport OTHER="z"'],
  ['a newline then a single-quoted assignment', "x\nINJECTED='y'\n"],
  ['a newline then a comment', 'x\n# not a comment\n'],
  ['#', '#'],
  ['a comment-looking value', '# comment'],
  ['# after a space', 'a #b'],
  ['# inside a word', 'a#b'],
  ['leading and trailing spaces', '  padded  '],
  ['only spaces', '   '],
  ['tabs', '\t tab\t'],
  ['=', '='],
  ['an assignment-looking value', 'KEY=VALUE=='],
  ['the empty string', ''],
  ['UTF-8 é', 'café é'],
  ['an emoji', '🔑 emoji 👍🏽'],
  ['CJK', '日本語'],
  ['U+2028 and U+2029', 'a\u2028b\u2029c'],
  ['NBSP and a combining mark', '\u00a0e\u0301'],
  ['command separators', `; touch ${MARKER} | touch ${MARKER} && touch ${MARKER} & touch ${MARKER}`],
  ['globs and tildes', '* ~ ~root ?'],
  ['terminal escapes and DEL', '\u001b[31mred\u001b[0m \u0007 \u007f'],
  ['a long value', 'x'.repeat(20_000)],
];

/** Values pull refuses in .env, with the reason it gives. */
const REFUSED_VALUES: ReadonlyArray<readonly [string, string, string]> = [
  ['the reported value: a single quote and backticks', `it's \`touch ${MARKER}\``, 'mixes a single quote with'],
  ['a single quote and $(…)', `it's $(touch ${MARKER})`, 'mixes a single quote with'],
  ['a single quote and $VAR', "it's $HOME", 'mixes a single quote with'],
  ['a single quote and a double quote', 'it\'s "q"', 'mixes a single quote with'],
  ['a single quote and a backslash', "it's C:\\", 'mixes a single quote with'],
  ["the shell's '\\'' idiom", "'\\''", 'mixes a single quote with'],
  ['ANSI-C quoting syntax', "$'\\x41'", 'mixes a single quote with'],
  ['a carriage return', 'a\rb', 'carriage return'],
  ['CRLF', 'line 1\r\nline 2\r\n', 'carriage return'],
  ['a NUL', 'a\0b', 'NUL byte'],
  ['an unpaired surrogate', 'a\ud800b', 'unpaired surrogate'],
];

/** Keys pull refuses in .env (all valid secret keys). */
const REFUSED_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['app.name', 'not a shell variable name'],
  ['my-key', 'not a shell variable name'],
  ['a.b-c', 'not a shell variable name'],
  ['BASH_ENV', 'treats the value of this variable as code or options'],
  ['ENV', 'treats the value of this variable as code or options'],
  ['PROMPT_COMMAND', 'treats the value of this variable as code or options'],
  ['PS1', 'treats the value of this variable as code or options'],
  ['PS4', 'treats the value of this variable as code or options'],
  ['SHELLOPTS', 'treats the value of this variable as code or options'],
];

/** A map with an own `__proto__` key, as JSON.parse builds it from the server's pull response. */
function secretsOf(entries: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

const keyed = (values: ReadonlyArray<readonly [string, string]>): Array<[string, string]> =>
  values.map(([, v], i) => [`V${String(i).padStart(2, '0')}`, v]);

// ---- shells -------------------------------------------------------------------------------------

function found(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const SHELLS: ReadonlyArray<{ name: string; cmd: string; args: string[] }> = [
  { name: 'sh', cmd: 'sh', args: [] },
  { name: 'dash', cmd: 'dash', args: [] },
  { name: 'bash', cmd: 'bash', args: [] },
  { name: 'bash --posix', cmd: 'bash', args: ['--posix'] },
];
const IN_CI = process.env.CI === 'true';
const available = SHELLS.filter((s) => found(s.cmd));
const missing = SHELLS.filter((s) => !found(s.cmd));

describe('shells for the .env tests', () => {
  for (const s of missing) {
    if (IN_CI) {
      it(`${s.name} is installed (required in CI)`, () => {
        expect.fail(`${s.cmd} is not installed; CI must run the .env tests under it (apt-get install -y ${s.cmd})`);
      });
    } else {
      it.skip(`${s.name}: SKIPPED, ${s.cmd} is not installed (apt-get install -y ${s.cmd}); CI=true makes this a failure`, () => {});
    }
  }
  if (missing.length === 0) it('sh, dash and bash are all installed', () => expect(available).toHaveLength(SHELLS.length));
});

let seq = 0;

/** Writes `text` as .env in a fresh directory, sources it with `set -a` and returns each key's bytes. */
function sourceIn(shell: (typeof SHELLS)[number], text: string, keys: readonly string[]): { values: Buffer[]; stderr: string; status: number | null } {
  const dir = join(root, `run-${seq++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, '.env'), text);
  // Keys are shell names (the renderer refuses others), so they are safe to splice into the script.
  const script = `set -a; . ./.env; printf '%s\\0' ${keys.map((k) => `"$${k}"`).join(' ')}`;
  const r = spawnSync(shell.cmd, [...shell.args, '-c', script], { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir } });
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < r.stdout.length; i++) {
    if (r.stdout[i] === 0) {
      parts.push(r.stdout.subarray(start, i));
      start = i + 1;
    }
  }
  return { values: parts, stderr: r.stderr.toString(), status: r.status };
}

function expectShellReadsBack(shell: (typeof SHELLS)[number], secrets: Record<string, string>): void {
  const text = render('dotenv', secrets);
  const keys = Object.keys(secrets);
  const r = sourceIn(shell, text, keys);
  expect(r.stderr, `${shell.name} wrote to stderr`).toBe('');
  expect(r.status).toBe(0);
  expect(r.values).toHaveLength(keys.length);
  keys.forEach((k, i) => expect(r.values[i]?.toString('hex'), `${shell.name} ${k}`).toBe(Buffer.from(secrets[k] as string, 'utf8').toString('hex')));
  expect(existsSync(MARKER), `${shell.name} ran a command from a value`).toBe(false);
}

// ---- dotenv -------------------------------------------------------------------------------------

/**
 * Reads `text` back with the dotenv package. dotenv assigns into a plain object, so it silently
 * drops a `__proto__` line (its limitation, not the file's); that line is checked under another key.
 */
function dotenvReadBack(text: string): Array<[string, string]> {
  const file = join(root, `dotenv-${seq++}`);
  writeFileSync(file, text);
  const bytes = readFileSync(file);
  const entries = Object.entries(dotenv.parse(bytes));
  const proto = /^__proto__=/m.exec(bytes.toString('utf8'));
  if (proto) {
    // Everything from `__proto__=` on, renamed; the rest of the file after it parses on its own.
    const renamed = dotenv.parse(bytes.toString('utf8').slice(proto.index).replace(/^__proto__=/, 'PROTO_RENAMED_FOR_DOTENV='));
    entries.push(['__proto__', renamed.PROTO_RENAMED_FOR_DOTENV as string]);
  }
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const sortedEntries = (m: Record<string, string>) => Object.keys(m).sort().map((k) => [k, m[k]] as [string, string]);

// ---- tests --------------------------------------------------------------------------------------

describe('pull .env: the marker check itself', () => {
  it.each(available)('$name: an unquoted backtick in a sourced file does create the marker (so its absence means something)', (shell) => {
    sourceIn(shell, `X=\`touch ${MARKER}\`\n`, ['X']);
    expect(existsSync(MARKER)).toBe(true);
  });
});

describe('pull .env: hostile values are inert and read back exactly', () => {
  for (const shell of available) {
    it.each(ACCEPTED)(`${shell.name}: %s`, (_name, value) => {
      expectShellReadsBack(shell, secretsOf([['KEY', value]]));
    });

    it(`${shell.name}: every value in one file, with a __proto__ key`, () => {
      expectShellReadsBack(shell, secretsOf([...keyed(ACCEPTED), ['__proto__', "it's\n#x"], ['Z_TRAILING_BACKSLASH', 'C:\\']]));
    });
  }

  it.each(ACCEPTED)('dotenv: %s', (_name, value) => {
    const secrets = secretsOf([['KEY', value]]);
    expect(dotenvReadBack(render('dotenv', secrets))).toEqual([['KEY', value]]);
  });

  it('dotenv: every value in one file, with a __proto__ key', () => {
    const secrets = secretsOf([...keyed(ACCEPTED), ['__proto__', "it's\n#x"]]);
    expect(dotenvReadBack(render('dotenv', secrets))).toEqual(sortedEntries(secrets));
  });

  it('dotenv: every value after every other one (a trailing backslash must not swallow the next line)', () => {
    for (const [, a] of ACCEPTED) {
      for (const [, b] of ACCEPTED) {
        const secrets = secretsOf([['A', a], ['B', b]]);
        expect(dotenvReadBack(render('dotenv', secrets))).toEqual([['A', a], ['B', b]]);
      }
    }
  });

  it('writes __proto__ like any other key', () => {
    const secrets = JSON.parse('{"__proto__":"p","A":"a"}') as Record<string, string>;
    expect(render('dotenv', secrets)).toBe("A='a'\n__proto__='p'\n");
  });
});

describe('pull .env: what is refused', () => {
  const refusal = (secrets: Record<string, string>): CliError => {
    try {
      render('dotenv', secrets);
    } catch (err) {
      expect(err).toBeInstanceOf(CliError);
      return err as CliError;
    }
    return expect.fail('render("dotenv") wrote a file it should have refused');
  };

  it.each(REFUSED_VALUES)('refuses %s, naming the key and suggesting json', (_name, value, reason) => {
    const err = refusal(secretsOf([['OK', 'fine'], ['BAD_VALUE', value]]));
    expect(err.exitCode).toBe(EXIT.error);
    expect(err.message).toMatch(/^cannot write this secret to a dotenv file safely \(nothing was written\):\n {2}BAD_VALUE: /);
    expect(err.message).toContain(reason);
    expect(err.message).not.toContain('OK');
    expect(err.hint).toContain('-o json');
    if (value.length > 2) expect(err.message).not.toContain(value); // never echoes a secret
  });

  it.each(REFUSED_KEYS)('refuses the key %s', (key, reason) => {
    const err = refusal(secretsOf([['OK', 'fine'], [key, 'v']]));
    expect(err.message).toContain(`\n  ${key}: `);
    expect(err.message).toContain(reason);
    expect(err.hint).toContain('-o json');
  });

  it('names every refused key at once, sorted', () => {
    const err = refusal(secretsOf([['b.key', 'x'], ['OK', 'x'], ['A_CR', 'a\r'], ['BASH_ENV', 'x']]));
    expect(err.message.split('\n').slice(1).map((l) => l.split(':')[0]?.trim())).toEqual(['A_CR', 'BASH_ENV', 'b.key']);
    expect(err.message).toContain('these 3 secrets');
  });

  for (const shell of available) {
    it(`${shell.name}: no value, refused or not, has a side effect once pulled and sourced`, () => {
      for (const [, value] of [...ACCEPTED, ...REFUSED_VALUES]) {
        let text: string;
        try {
          text = render('dotenv', secretsOf([['KEY', value]]));
        } catch (err) {
          if (err instanceof CliError) continue;
          throw err;
        }
        sourceIn(shell, text, ['KEY']);
        expect(existsSync(MARKER), `${shell.name} ran a command from ${JSON.stringify(value)}`).toBe(false);
      }
    });
  }
});

describe('pull json and yaml: hostile values and keys parse back to the same map', () => {
  const everything = secretsOf([
    ...keyed([...ACCEPTED, ...REFUSED_VALUES.map(([n, v]) => [n, v] as const)]),
    ['__proto__', `it's $(touch ${MARKER})`],
    ['constructor', 'c'],
    ['app.name', 'dotted'],
    ['my-key', 'dashed'],
    ['BASH_ENV', '$(x)'],
    ['V99', '\u0085 NEL \ufeff BOM \u009b CSI \uffff'],
  ]);

  it('json', () => {
    const parsed = JSON.parse(render('json', everything)) as Record<string, string>;
    expect(Object.hasOwn(parsed, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.entries(parsed)).toEqual(sortedEntries(everything));
  });

  it('yaml', () => {
    const text = render('yaml', everything);
    const parsed = YAML.parse(text) as Record<string, string>;
    expect(Object.hasOwn(parsed, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.entries(parsed)).toEqual(sortedEntries(everything));
    // Only YAML-printable characters, and no NEL/LS/PS that YAML 1.1 parsers fold as line breaks.
    expect(text).not.toMatch(/[^\t\n\u0020-\u007e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\u{10000}-\u{10ffff}]/u);
  });

  it('yaml writes an empty map as {}', () => {
    expect(render('yaml', {})).toBe('{}\n');
    expect(YAML.parse(render('yaml', {}))).toEqual({});
  });
});

describe('pull formats', () => {
  it('sorts keys and single-quotes dotenv values', () => {
    const secrets = { B: 'two: "x"\n', A: 'ünï' };
    expect(render('dotenv', secrets)).toBe(`A='ünï'\nB='two: "x"\n'\n`);
    expect(render('yaml', secrets)).toBe('"A": "ünï"\n"B": "two: \\"x\\"\\n"\n');
    expect(Object.keys(JSON.parse(render('json', secrets)) as object)).toEqual(['A', 'B']);
  });

  it('double-quotes a value with a single quote, and marks a trailing backslash for dotenv', () => {
    expect(render('dotenv', { A: "it's" })).toBe(`A="it's"\n`);
    expect(render('dotenv', { A: 'C:\\' })).toBe(`A='C:\\' # 'value ends with a backslash\n`);
  });

  it('picks the file format from the extension', () => {
    expect(formatForPath('x/secrets.JSON')).toBe('json');
    expect(formatForPath('a.yml')).toBe('yaml');
    expect(formatForPath('.env.local')).toBe('dotenv');
  });
});
