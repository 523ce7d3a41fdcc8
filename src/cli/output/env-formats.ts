/** Serialisations of pulled secrets: dotenv, JSON and YAML. */

export const PULL_FORMATS = ['dotenv', 'json', 'yaml'] as const;
export type PullFormat = (typeof PULL_FORMATS)[number];

/**
 * One dotenv value. Single quotes are literal in dotenv, docker compose and shells, so they are
 * used whenever possible; values with a single quote or a line break use double quotes with
 * backslash escapes, which dotenv parsers expand.
 */
export function dotenvValue(value: string): string {
  if (!/['\r\n]/.test(value)) return `'${value}'`;
  const escaped = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\$/g, '\\$');
  return `"${escaped}"`;
}

export function renderDotenv(secrets: Readonly<Record<string, string>>): string {
  return Object.keys(secrets)
    .sort()
    .map((k) => `${k}=${dotenvValue(secrets[k] as string)}\n`)
    .join('');
}

export function renderJson(secrets: Readonly<Record<string, string>>): string {
  const sorted = Object.fromEntries(Object.keys(secrets).sort().map((k) => [k, secrets[k]]));
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

/** YAML mapping of double-quoted scalars; a JSON string is a valid YAML double-quoted scalar. */
export function renderYaml(secrets: Readonly<Record<string, string>>): string {
  const keys = Object.keys(secrets).sort();
  if (keys.length === 0) return '{}\n';
  return keys.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(secrets[k])}\n`).join('');
}

export function render(format: PullFormat, secrets: Readonly<Record<string, string>>): string {
  return format === 'json' ? renderJson(secrets) : format === 'yaml' ? renderYaml(secrets) : renderDotenv(secrets);
}

/** Format of a target file from its name: .json, .yaml/.yml, anything else dotenv. */
export function formatForPath(path: string): PullFormat {
  if (/\.json$/i.test(path)) return 'json';
  if (/\.ya?ml$/i.test(path)) return 'yaml';
  return 'dotenv';
}
