import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Commits between two checkpoints (SQLite's own default is about 1,000 WAL pages; a read batch writes 20–40). */
const COMMITS_PER_CHECKPOINT = 32;
/** ... but not more often than this: tiny commits in quick succession (synchronous=NORMAL) write few pages each. */
const MIN_CHECKPOINT_INTERVAL_MS = 100;
/**
 * ... unless the commits since the last checkpoint wrote about this many WAL frames (4 MiB of 4 KiB
 * pages, SQLite's own autocheckpoint size), estimated from the frames per commit the last checkpoint
 * found: a fast stream of large commits is checkpointed by size, not by time, so the WAL stays bounded
 * however fast the machine commits.
 */
const FRAMES_PER_CHECKPOINT = 1000;
/** A quieter writer is checkpointed at most this long after its last checkpoint, at its next commit. */
const CHECKPOINT_AFTER_MS = 1000;

// The worker's code: its own connection to the file, one PASSIVE checkpoint per request. It never
// blocks the writer or the readers (PASSIVE takes no lock they need) and does the copy into the
// database file and both fsyncs on its own thread. A plain script (eval), so it runs the same from
// the compiled server and under the test runner.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = FULL');
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, log: r.log, checkpointed: r.checkpointed });
  } catch (e) {
    parentPort.postMessage({ ok: false, error: e && e.message ? e.message : String(e) });
  }
});
`;

export interface Checkpointer {
  /** Counts a commit on the writer; true when a checkpoint is due (and none is running or failed). */
  committed(): boolean;
  /**
   * Runs one checkpoint cycle on the worker: a PASSIVE checkpoint while commits go on (it copies the
   * bulk of the WAL), then a second one inside `exclusive` (the caller's writer lock: no commit adds
   * frames meanwhile), which copies only what was committed during the first. After it the whole WAL
   * is in the database file and the next commit starts the WAL from its beginning again; without it,
   * a checkpoint racing a stream of commits never catches up and the WAL grows without end. The
   * event loop stays free throughout; the writer waits only for the short second pass.
   */
  cycle(exclusive: (fn: () => Promise<void>) => Promise<void>): Promise<void>;
  /**
   * Backpressure: while a cycle runs and the commits since it started are estimated to have written
   * FRAMES_PER_CHECKPOINT frames or more (a writer outrunning the checkpoint: a slow or loaded disk),
   * the cycle's promise, which the store awaits before its next batch (outside its writer lock, which
   * the cycle's second pass needs); otherwise null. So the WAL stays bounded whatever the write rate,
   * as with SQLite's own checkpoint inside COMMIT, at the cost of that batch's latency only.
   */
  pressure(): Promise<void> | null;
  /** Checkpoints done (for tests and diagnostics) */
  readonly done: () => number;
  close(): Promise<void>;
}

/**
 * WAL checkpoints off the HTTP thread. The writer runs with `wal_autocheckpoint = 0`, so SQLite never
 * checkpoints inside a COMMIT (that would copy pages into the database file and fsync it twice on
 * the event loop); instead, every COMMITS_PER_CHECKPOINT commits (or at the first commit after
 * CHECKPOINT_AFTER_MS) a worker thread with its own connection runs a PASSIVE checkpoint. The worker
 * starts at the first checkpoint, so a store that commits little never starts one. If the worker
 * cannot run, `fallback` is called once: the writer then checkpoints itself as SQLite does by default.
 */
export function createCheckpointer(file: string, fallback: (why: string) => void): Checkpointer {
  let worker: Worker | null = null;
  let failed = false;
  let inFlight = false;
  /** The running cycle (null when none runs) */
  let running: Promise<void> | null = null;
  let since = 0;
  let last = Date.now();
  let done = 0;
  /**
   * WAL frames per commit, as the last checkpoint's first pass found them; until one ran, a read
   * batch's 64 (a large guess errs towards checkpointing early: a fast writer would otherwise fill
   * the WAL before the first measurement).
   */
  let framesPerCommit = 64;
  let closing: Promise<void> | null = null;
  let exited: Promise<void> = Promise.resolve();
  let reply: ((m: { ok: boolean; error?: string; log?: number }) => void) | null = null;

  const fail = (why: string) => {
    const r = reply;
    reply = null;
    r?.({ ok: false, error: why });
    if (failed) return;
    failed = true;
    fallback(why);
  };
  const start = (): Worker => {
    const w = new Worker(WORKER, { eval: true, workerData: { file, driver: createRequire(import.meta.url).resolve('better-sqlite3') } });
    w.unref();
    exited = new Promise<void>((res) => w.once('exit', () => res()));
    w.on('message', (m: { ok: boolean; error?: string; log?: number }) => {
      const r = reply;
      reply = null;
      r?.(m);
    });
    w.on('error', (e) => fail(e.message));
    w.on('exit', (code) => {
      if (!closing) fail(`the checkpoint thread exited (${code})`);
    });
    return w;
  };

  async function runCycle(exclusive: (fn: () => Promise<void>) => Promise<void>): Promise<void> {
    const commits = since;
    since = 0;
    last = Date.now();
    try {
      worker ??= start();
      const w = worker;
      const once = async (): Promise<number> => {
        if (failed || closing) return 0;
        // Referenced while a reply is awaited: commits wait behind this pass, and a process with
        // nothing else to do (a script, a benchmark) must not exit in the middle of it.
        w.ref();
        const m = await new Promise<{ ok: boolean; error?: string; log?: number }>((res) => {
          reply = res;
          w.postMessage('checkpoint');
        }).finally(() => {
          // Closing keeps it referenced until it has exited.
          if (!closing) w.unref();
        });
        if (m.ok) done++;
        else fail(`checkpoint failed: ${m.error}`);
        return m.log ?? 0;
      };
      // The first pass finds the WAL as the commits since the last cycle left it (the second pass
      // restarted it then): frames per commit, for the size trigger in committed().
      const frames = await once();
      if (commits > 0 && frames > 0) framesPerCommit = frames / commits;
      await exclusive(async () => void (await once()));
    } catch (e) {
      fail(e instanceof Error ? e.message : String(e));
    }
  }

  return {
    committed() {
      since++;
      if (failed || inFlight || closing) return false;
      const elapsed = Date.now() - last;
      if (since < COMMITS_PER_CHECKPOINT) return elapsed >= CHECKPOINT_AFTER_MS;
      return elapsed >= MIN_CHECKPOINT_INTERVAL_MS || since * framesPerCommit >= FRAMES_PER_CHECKPOINT;
    },
    pressure() {
      if (!running || failed) return null;
      return since * framesPerCommit >= FRAMES_PER_CHECKPOINT ? running : null;
    },
    cycle(exclusive) {
      if (failed || inFlight || closing) return Promise.resolve();
      inFlight = true;
      const p = runCycle(exclusive).finally(() => {
        inFlight = false;
        running = null;
      });
      running = p;
      return p;
    },
    done: () => done,
    close() {
      closing ??= (async () => {
        // Referenced until it has exited: closing must finish even when nothing else keeps the process alive.
        worker?.ref();
        worker?.postMessage('close');
        await exited;
      })();
      return closing;
    },
  };
}
