import Fastify from 'fastify';

/**
 * The ceiling for benchmark 1: the same framework, one JSON route, nothing else (no auth, no
 * decryption, no audit). Run pinned to one core exactly like the real server.
 */
const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.get('/api/v1/projects/:project/environments/:env/secrets/:key', async (req) => {
  const p = req.params as { key: string };
  return { key: p.key, value: 'bench-value', version: 1, updatedAt: '2026-01-01T00:00:00.000Z' };
});
await app.listen({ port: Number(process.env.BENCH_PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
