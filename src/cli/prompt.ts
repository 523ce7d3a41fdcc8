import { CliError, EXIT, usageError } from './errors.js';
import type { Io } from './env.js';

/** Reads stdin to the end (values piped in, `--password-stdin`). */
export async function readAllStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** `echo secret | bella …` adds one newline that is not part of the value; only that one is removed. */
export function stripFinalNewline(text: string): string {
  return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
}

/**
 * Asks on stderr and reads a line from the terminal without echoing it, so passwords and secret
 * values never appear on screen or in shell history. Requires stdin to be a TTY.
 */
export function promptHidden(io: Io, question: string, flagHint: string): Promise<string> {
  const { stdin, stderr } = io;
  if (stdin.isTTY !== true || typeof stdin.setRawMode !== 'function') {
    return Promise.reject(usageError('stdin is not a terminal, so the CLI cannot prompt', flagHint));
  }
  stderr.write(question);
  const setRaw = stdin.setRawMode.bind(stdin);
  setRaw(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (err: CliError | null) => {
      stdin.off('data', onData);
      setRaw(false);
      stdin.pause();
      stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish(null);
        if (ch === '\u0003') return finish(new CliError(EXIT.error, 'cancelled', 'Nothing was sent; run the command again when ready.'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * Asks a yes/no question on stderr and reads one line from the terminal; true only for y or yes.
 * Requires stdin to be a TTY (callers offer --yes otherwise).
 */
export async function confirm(io: Io, question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: false });
  try {
    io.stderr.write(`${question} [y/N] `);
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}
