import { ConfigError, loadConfig } from './config.js';
import { createServer } from './server.js';

/** bella-server: reads the configuration once, builds the server and listens. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`bella-server: configuration error: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const server = await createServer(config);
  for (const n of server.notices) process.stdout.write(`${n}\n`);
  await server.app.listen({ port: config.port, host: config.host });
  const shownHost = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  process.stdout.write(
    `Bella Baxter listening on http://${shownHost}:${config.port} (store: ${server.store.kind}${server.store.kind === 'sqlite' ? `, data dir ${config.dataDir}` : ''})\n`,
  );
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stdout.write(`bella-server: ${signal} received, finishing in-flight requests\n`);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e: unknown) => {
  process.stderr.write(`bella-server: failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
