import { describe, expect, it } from 'vitest';
import { createSupervisor } from './supervisor.js';
import { intervalWorker } from './worker.js';

const now = () => new Date('2026-12-01T00:00:00.000Z');

describe('workers', () => {
  it('an interval worker runs at start, reports a failed run in its health and keeps its schedule', async () => {
    let runs = 0;
    const errors: unknown[] = [];
    const w = intervalWorker({
      name: 'flaky',
      intervalMs: 20,
      now,
      onError: (e) => errors.push(e),
      run: async () => {
        runs++;
        if (runs === 1) throw new Error('database away');
      },
    });
    await w.start();
    await new Promise((r) => setImmediate(r));
    expect(w.health()).toMatchObject({ ok: false, lastError: 'database away', lastSuccessAt: null });
    for (let i = 0; i < 200 && runs < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await w.stop();
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(errors).toHaveLength(1);
    expect(w.health()).toMatchObject({ ok: true, lastError: null, lastSuccessAt: '2026-12-01T00:00:00.000Z' });
  });

  it('stop waits for the run in progress and no run starts afterwards', async () => {
    let finished = 0;
    let started = 0;
    const w = intervalWorker({
      name: 'slow', intervalMs: 5, now, onError: () => undefined,
      run: async () => {
        started++;
        await new Promise((r) => setTimeout(r, 30));
        finished++;
      },
    });
    await w.start();
    await w.stop();
    expect(finished).toBe(started);
    const after = started;
    await new Promise((r) => setTimeout(r, 30));
    expect(started).toBe(after);
  });

  it('the supervisor starts in order, stops in reverse, lists every health and refuses two workers of one name', async () => {
    const order: string[] = [];
    const fake = (name: string) => ({
      name,
      start: async () => void order.push(`start ${name}`),
      stop: async () => void order.push(`stop ${name}`),
      health: () => ({ ok: true, lastError: null, lastRunAt: null, lastSuccessAt: null }),
    });
    const s = createSupervisor([fake('a'), fake('b')]);
    await s.start();
    await s.stop();
    expect(order).toEqual(['start a', 'start b', 'stop b', 'stop a']);
    expect(Object.keys(s.health())).toEqual(['a', 'b']);
    expect(() => createSupervisor([fake('a'), fake('a')])).toThrow('two workers are named a');
  });
});
