import type { AuditEntry } from '../contract/entries.js';
import { systemOp } from '../audit/recorder.js';
import type { UnitOfWork } from '../audit/unit-of-work.js';
import type { Clock } from '../kernel/clock.js';
import type { KeyRing } from '../secrets/envelope.js';
import type { Store } from '../store/ports.js';
import type { StreamRow } from '../store/types.js';
import { streamMatches } from './filter.js';
import { FORMATTERS, type OutRecord } from './formatters/index.js';
import { RateWindow } from './rate.js';
import type { StreamRuntime } from './runtime.js';
import { createSink, SinkError, type Sink, type SinkDeps } from './sinks/index.js';
import { openSink, rowFilter, rowFormat } from './stream-config.js';
import { backoffMs, firstChunk, leaseMs, READ_BATCH, type DeliveryConfig } from './delivery-policy.js';

export { backoffMs, DELIVERY_DEFAULTS, firstChunk, leaseMs, READ_BATCH, type DeliveryConfig } from './delivery-policy.js';

export interface DeliveryDeps {
  readonly store: Pick<Store, 'streams' | 'auditLog'>;
  readonly uow: UnitOfWork;
  readonly keyring: KeyRing;
  readonly clock: Clock;
  readonly runtime: StreamRuntime;
  readonly sinkDeps: Omit<SinkDeps, 'stream'>;
  readonly config: DeliveryConfig;
  readonly onError: (e: unknown, stream: string) => void;
  /** This node's name as a lease owner (several nodes on one PostgreSQL: one delivers each stream) */
  readonly nodeId: string;
}


/** What /readyz and the worker's health say about one stream. */
export interface StreamLoopState {
  readonly name: string;
  readonly state: StreamRow['state'];
  readonly retrying: number;
  readonly lastError: string | null;
  readonly failingSince: string | null;
}

/**
 * One stream's delivery loop: reads the Audit Log after the stream's durable cursor (by seq, nothing
 * else), sends the matching entries in the stream's format, and moves the cursor only once the sink
 * accepted them, so a crash resends (at least once, in seq order) and never skips. It runs on its
 * own: a slow or hanging sink holds only this loop (each send has a timeout).
 */
export class StreamLoop {
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private sink: Sink | null = null;
  private sinkVersion = '';
  private inFlight: AbortController | null = null;
  private retrying = 0;
  private lastError: string | null = null;
  private lastErrorAt: string | null = null;
  private lastHeartbeatAt: string | null = null;
  private lastSentAt: number;
  private nextAttemptAt = 0;
  private leaseUntil = 0;
  private readonly rate = new RateWindow();
  private loopState: StreamLoopState;
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: DeliveryDeps,
    readonly id: string,
    readonly name: string,
  ) {
    this.lastSentAt = deps.clock().getTime();
    this.loopState = { name, state: 'active', retrying: 0, lastError: null, failingSince: null };
  }

  get state(): StreamLoopState {
    return this.loopState;
  }

  get finished(): boolean {
    return this.stopped;
  }

  start(): void {
    this.done = this.loop();
  }

  /** Look again now: a change, a resume or a replay resets any backoff. */
  wake(): void {
    this.nextAttemptAt = 0;
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.inFlight?.abort();
    this.wakeUp?.();
    await this.done;
    if (this.leaseUntil > 0) {
      // Another node takes the stream over at once instead of after the lease runs out.
      await this.deps.uow.run(systemOp({ clock: this.deps.clock }), (tx) => tx.streams.release(this.id, this.deps.nodeId)).catch(() => undefined);
    }
    await this.sink?.close().catch(() => undefined);
    this.sink = null;
    this.deps.runtime.publish(this.id, null);
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let wait: number;
      try {
        wait = await this.step();
      } catch (e) {
        this.deps.onError(e, this.name);
        wait = this.deps.config.pollMs * 4;
      }
      this.publish();
      if (this.stopped) break;
      if (wait > 0) await this.sleep(wait);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref?.();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  private publish(): void {
    this.loopState = {
      ...this.loopState,
      retrying: this.retrying,
      lastError: this.loopState.state === 'failing' ? (this.lastError ?? this.loopState.lastError) : this.lastError,
    };
    this.deps.runtime.publish(this.id, {
      retrying: this.retrying,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      lastHeartbeatAt: this.lastHeartbeatAt,
      ratePerMinute: this.rate.perMinute(this.deps.clock().getTime()),
    });
  }

  /** One look; returns how long to wait before the next. */
  private async step(): Promise<number> {
    const { store, config, clock } = this.deps;
    const row = await store.streams.getByName(this.name);
    if (!row || row.id !== this.id) {
      this.stopped = true; // removed (or removed and created anew: a loop of its own takes over)
      return 0;
    }
    this.loopState = { name: row.name, state: row.state, retrying: this.retrying, lastError: row.state === 'failing' ? row.lastError : this.lastError, failingSince: row.failingSince };
    if (row.state === 'paused') {
      this.retrying = 0;
      return config.pollMs * 4;
    }
    const now = clock().getTime();
    if (!(await this.holdLease(now))) return config.pollMs * 4; // another node delivers this stream
    if (now < this.nextAttemptAt) return Math.min(this.nextAttemptAt - now, config.pollMs * 4);
    const sink = this.sinkFor(row);
    const entries = await store.auditLog.readAfter(row.cursor, READ_BATCH);
    const format = FORMATTERS[rowFormat(row)];
    // Silence is announced: nothing sent for heartbeatSeconds (an idle log, or nothing matching the filter).
    const heartbeat = async () => {
      if (row.state !== 'active' || row.heartbeatSeconds === 0 || now - this.lastSentAt < row.heartbeatSeconds * 1000) return;
      if (await this.attempt(row, sink, [format.heartbeat({ stream: row.name, lastSeq: row.cursor, at: clock() })])) {
        this.lastHeartbeatAt = clock().toISOString();
        this.lastSentAt = now;
      }
    };
    if (entries.length === 0) {
      await heartbeat();
      return row.state === 'failing' && this.nextAttemptAt > now ? this.nextAttemptAt - now : config.pollMs;
    }
    const filter = { project: row.projectSlug, filter: rowFilter(row) };
    const records = entries.filter((e: AuditEntry) => streamMatches(e, filter)).map((e) => format.entry(e));
    const last = (entries[entries.length - 1] as AuditEntry).seq;
    if (records.length === 0) {
      await heartbeat();
      // Nothing of this stream's in the page: the cursor moves past it (durably, so a restart does not reread it).
      await this.advance(row, last, 0, null);
      return 0;
    }
    const chunk = firstChunk(records, sink);
    const to = chunk.length === records.length ? last : (chunk[chunk.length - 1] as OutRecord).seq;
    if (!(await this.attempt(row, sink, chunk))) return Math.max(0, this.nextAttemptAt - clock().getTime());
    this.lastSentAt = clock().getTime();
    this.rate.add(chunk.length, this.lastSentAt);
    await this.advance(row, to, chunk.length, clock().toISOString());
    return 0;
  }

  /** Takes or renews this node's lease on the stream; false while another node holds it. */
  private async holdLease(now: number): Promise<boolean> {
    const ms = leaseMs(this.deps.config);
    if (now < this.leaseUntil - ms / 2) return true;
    const until = now + ms;
    const ok = await this.deps.uow.run(systemOp({ clock: this.deps.clock }), (tx) => tx.streams.claim(this.id, this.deps.nodeId, now, until));
    this.leaseUntil = ok ? until : 0;
    return ok;
  }

  private sinkFor(row: StreamRow): Sink {
    const version = `${row.updatedAt}|${row.sinkKind}`;
    if (!this.sink || version !== this.sinkVersion) {
      const old = this.sink;
      void old?.close().catch(() => undefined);
      this.sink = createSink(openSink(this.deps.keyring, row), { ...this.deps.sinkDeps, stream: { id: row.id, name: row.name } });
      this.sinkVersion = version;
    }
    return this.sink;
  }

  private async advance(row: StreamRow, to: number, delivered: number, at: string | null): Promise<void> {
    // Compare-and-set: a replay (or another node) that moved the cursor meanwhile wins.
    await this.deps.uow.run(systemOp({ clock: this.deps.clock }), (tx) => tx.streams.advance(row.id, row.cursor, to, delivered, at));
  }

  /** Sends once with the timeout; on failure schedules the retry (or marks the stream failing). True when accepted. */
  private async attempt(row: StreamRow, sink: Sink, records: readonly OutRecord[]): Promise<boolean> {
    const { config, clock } = this.deps;
    const ac = new AbortController();
    this.inFlight = ac;
    const timer = setTimeout(() => ac.abort(), config.timeoutMs);
    try {
      await Promise.race([
        sink.send(records, ac.signal),
        // A sink that ignores the signal is still not waited for beyond the timeout.
        new Promise<never>((_, reject) =>
          ac.signal.addEventListener('abort', () => reject(new SinkError(this.stopped ? 'stopped' : `no answer within ${config.timeoutMs} ms`, false)), { once: true }),
        ),
      ]);
    } catch (e) {
      if (this.stopped) return false;
      const err = e instanceof SinkError ? e : new SinkError(e instanceof Error ? e.message : String(e), false);
      await this.failed(row, err);
      return false;
    } finally {
      clearTimeout(timer);
      this.inFlight = null;
    }
    if (row.state === 'failing') await this.recovered(row);
    this.retrying = 0;
    this.lastError = null;
    this.nextAttemptAt = 0;
    return true;
  }

  private async failed(row: StreamRow, err: SinkError): Promise<void> {
    const { config, clock, uow } = this.deps;
    const at = clock();
    this.retrying++;
    this.lastError = err.message;
    this.lastErrorAt = at.toISOString();
    if (err.permanent || row.state === 'failing') {
      this.nextAttemptAt = at.getTime() + (err.retryAfterMs ?? config.failingRetryMs);
      // Shown as failing from the moment the decision is taken (the row follows in the commit below).
      this.loopState = { ...this.loopState, state: 'failing', lastError: err.message, failingSince: row.failingSince ?? at.toISOString() };
      if (row.state !== 'failing' || row.lastError !== err.message) {
        const op = systemOp({ clock });
        await uow.run(op, async (tx) => {
          await tx.streams.update(row.id, { state: 'failing', lastError: err.message, lastErrorAt: at.toISOString(), failingSince: row.failingSince ?? at.toISOString() });
          if (row.state !== 'failing') {
            op.audit.record({ event: 'AuditStreamFailing', resource: row.name, projectSlug: row.projectSlug, details: { sink: row.sinkKind, answer: err.message, cursor: row.cursor } });
          }
        });
      }
      return;
    }
    this.nextAttemptAt = at.getTime() + (err.retryAfterMs ?? backoffMs(this.retrying, config.maxBackoffMs));
  }

  private async recovered(row: StreamRow): Promise<void> {
    const op = systemOp({ clock: this.deps.clock });
    await this.deps.uow.run(op, async (tx) => {
      await tx.streams.update(row.id, { state: 'active', failingSince: null, lastError: null, lastErrorAt: null });
      op.audit.record({ event: 'AuditStreamRecovered', resource: row.name, projectSlug: row.projectSlug, details: { sink: row.sinkKind, failingSince: row.failingSince, cursor: row.cursor } });
    });
    this.loopState = { ...this.loopState, state: 'active', lastError: null, failingSince: null };
  }
}
