import { runCli } from './program.js';

// `bella … | head` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

// Interrupted: exit through process.exit so 'exit' handlers remove temporary export files.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }, process.env, process.cwd());
// Exit explicitly once stdout has drained: idle keep-alive sockets must not hold the process open.
process.stdout.write('', () => process.exit(code));
