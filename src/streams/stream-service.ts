import { SINK_SECRET_FIELDS, ENCRYPTED_MARKER, type CreateStreamBody, type ReplayStreamBody, type StreamHealth, type StreamTestResult, type StreamView, type UpdateStreamBody } from '../contract/streams.js';
import { parseTimeBound, TIME_FORMS_HELP } from '../contract/time.js';
import { uuidv7 } from '../audit/ids.js';
import type { UnitOfWork } from '../audit/unit-of-work.js';
import { requireUser } from '../identity/authenticator.js';
import type { Clock } from '../kernel/clock.js';
import { authenticated, type OpContext } from '../kernel/context.js';
import { badRequest, conflict, forbidden, notFound } from '../kernel/errors.js';
import type { KeyRing } from '../secrets/envelope.js';
import type { Store } from '../store/ports.js';
import type { StreamRow } from '../store/types.js';
import { FORMATTERS } from './formatters/index.js';
import type { StreamRuntime } from './runtime.js';
import { createSink, type SinkDeps } from './sinks/index.js';
import { openSink, parseSink, rowFilter, rowFormat, sealSink, sinkView } from './stream-config.js';

export interface StreamServiceDeps {
  readonly store: Pick<Store, 'streams' | 'auditLog' | 'projects' | 'members'>;
  readonly uow: UnitOfWork;
  readonly keyring: KeyRing;
  readonly clock: Clock;
  readonly runtime: StreamRuntime;
  readonly sinkDeps: Omit<SinkDeps, 'stream'>;
  /** How long `test` waits for the sink */
  readonly timeoutMs: number;
}


/**
 * Audit Log streams: created, changed, paused, resumed, replayed and removed by the instance admin
 * (any stream) or a project OWNER (the project's streams); every change is an Audit Log entry. The
 * delivery itself is the worker's (delivery-worker.ts); this service reads its health.
 */
export function createStreamService(deps: StreamServiceDeps) {
  const { store, uow, keyring, clock, runtime } = deps;

  /** The instance admin manages every stream; a project OWNER the streams of that project. */
  async function authorize(op: OpContext, project: string | null, action: string): Promise<void> {
    const p = authenticated(op);
    if (p.kind === 'system') return;
    const u = requireUser(p);
    if (project === null) {
      if (u.user.admin) return;
      throw forbidden(`only the instance admin can ${action} an instance stream (a stream without a project)`, 'admin_required');
    }
    const row = await store.projects.getBySlug(project);
    if (!row) throw notFound(`project ${project}`);
    if (u.user.admin) return;
    const mine = await store.members.listOfUser(u.user.id);
    if (!mine.some((m) => m.projectId === row.id && m.environmentId === null && m.role === 'OWNER')) {
      throw forbidden(`only an OWNER of project ${project} (or the instance admin) can ${action} its audit streams`, 'stream_owner_required');
    }
  }

  async function load(op: OpContext, name: string, action: string): Promise<StreamRow> {
    op.audit.setScope({ resource: name });
    const row = await store.streams.getByName(name);
    if (!row) throw notFound(`audit stream ${name}`);
    op.audit.setScope({ projectSlug: row.projectSlug });
    await authorize(op, row.projectSlug, action);
    return row;
  }

  async function health(row: StreamRow, lastSeq: number): Promise<StreamHealth> {
    const rt = runtime.status(row.id);
    const next = lastSeq > row.cursor ? (await store.auditLog.readAfter(row.cursor, 1))[0] : undefined;
    const now = clock().getTime();
    return {
      state: row.state,
      cursor: row.cursor,
      lastSeq,
      lagEntries: Math.max(0, lastSeq - row.cursor),
      lagSeconds: next ? Math.max(0, Math.round((now - Date.parse(next.timestamp)) / 100) / 10) : 0,
      delivered: row.delivered,
      ratePerMinute: rt?.ratePerMinute ?? 0,
      lastSuccessAt: row.lastSuccessAt,
      lastError: row.state === 'failing' ? row.lastError : (rt?.lastError ?? row.lastError),
      lastErrorAt: row.state === 'failing' ? row.lastErrorAt : (rt?.lastErrorAt ?? row.lastErrorAt),
      failingSince: row.failingSince,
      lastHeartbeatAt: rt?.lastHeartbeatAt ?? null,
      retrying: rt?.retrying ?? 0,
    };
  }

  async function view(row: StreamRow, lastSeq?: number): Promise<StreamView> {
    return {
      id: row.id,
      name: row.name,
      project: row.projectSlug,
      sink: sinkView(keyring, row),
      filter: rowFilter(row),
      format: rowFormat(row),
      heartbeatSeconds: row.heartbeatSeconds,
      createdAt: row.createdAt,
      createdBy: row.createdBy,
      updatedAt: row.updatedAt,
      health: await health(row, lastSeq ?? (await store.auditLog.lastSeq())),
    };
  }

  /** Finds the first seq whose entry is at or after `at` (entries are timestamped as recorded, committed within moments in seq order). */
  async function seqAt(at: Date): Promise<number> {
    let lo = 0;
    let hi = await store.auditLog.lastSeq();
    const t = at.getTime();
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const e = (await store.auditLog.readAfter(mid, 1))[0];
      if (!e) return hi + 1;
      if (Date.parse(e.timestamp) >= t) hi = mid;
      else lo = e.seq;
    }
    return lo + 1;
  }

  const changeOf = (row: StreamRow) => ({ sink: row.sinkKind, format: row.format, filter: row.filter, heartbeatSeconds: row.heartbeatSeconds });

  return {
    async create(op: OpContext, body: CreateStreamBody): Promise<StreamView> {
      const project = body.project ?? null;
      op.audit.setScope({ resource: body.name, projectSlug: project });
      await authorize(op, project, 'create');
      if (project !== null && body.filter?.projects?.some((p) => p !== project)) {
        throw badRequest(`filter.projects: a stream of project ${project} delivers only that project's entries; leave filter.projects out`);
      }
      const sink = parseSink(body.sink);
      const id = uuidv7();
      const { settings, sealedSecrets } = sealSink(keyring, id, sink);
      // The creation entry itself is the first one delivered when starting now.
      const cursor = body.start === 'oldest' ? 0 : await store.auditLog.lastSeq();
      const at = clock().toISOString();
      const actor = authenticated(op).actor;
      const row: StreamRow = {
        id, name: body.name, projectSlug: project, sinkKind: sink.type, settings, sealedSecrets, filter: body.filter ?? {},
        format: body.format ?? 'json', heartbeatSeconds: body.heartbeatSeconds ?? 60, state: 'active', cursor, delivered: 0,
        lastSuccessAt: null, lastError: null, lastErrorAt: null, failingSince: null, createdAt: at, createdBy: actor.email ?? actor.name, updatedAt: at,
      };
      await uow.run(op, async (tx) => {
        if (await tx.streams.getByName(body.name)) throw conflict(`an audit stream named ${body.name} already exists`);
        await tx.streams.insert(row);
        op.audit.record({ event: 'AuditStreamCreated', resource: body.name, projectSlug: project, details: { ...changeOf(row), settings, start: body.start ?? 'now' } });
      });
      runtime.wake();
      return view(row);
    },

    async list(op: OpContext): Promise<StreamView[]> {
      const p = authenticated(op);
      const rows = await store.streams.list();
      let visible = rows;
      if (p.kind !== 'system') {
        const u = requireUser(p);
        if (!u.user.admin) {
          const mine = await store.members.listOfUser(u.user.id);
          const owned = new Set(mine.filter((m) => m.environmentId === null && m.role === 'OWNER').map((m) => m.projectId));
          const projects = new Set<string>();
          for (const r of rows) {
            if (r.projectSlug === null) continue;
            const pr = await store.projects.getBySlug(r.projectSlug);
            if (pr && owned.has(pr.id)) projects.add(r.projectSlug);
          }
          visible = rows.filter((r) => r.projectSlug !== null && projects.has(r.projectSlug));
        }
      }
      const lastSeq = await store.auditLog.lastSeq();
      return Promise.all(visible.map((r) => view(r, lastSeq)));
    },

    async show(op: OpContext, name: string): Promise<StreamView> {
      return view(await load(op, name, 'read'));
    },

    async update(op: OpContext, name: string, body: UpdateStreamBody): Promise<StreamView> {
      const row = await load(op, name, 'change');
      const changes: Record<string, unknown> = {};
      const at = clock().toISOString();
      let sealed: { settings: Record<string, unknown>; sealedSecrets: Buffer | null } | null = null;
      if (body.sink) {
        if (body.sink.type !== undefined && body.sink.type !== row.sinkKind) throw badRequest(`sink.type: a stream's sink type cannot change (it is ${row.sinkKind}); remove the stream and add another`);
        const current = openSink(keyring, row) as Record<string, unknown>;
        const patch: Record<string, unknown> = { ...body.sink };
        // A view's ***ENCRYPTED*** sent back unchanged keeps the stored secret.
        for (const f of SINK_SECRET_FIELDS[row.sinkKind as keyof typeof SINK_SECRET_FIELDS] ?? []) if (patch[f] === ENCRYPTED_MARKER) delete patch[f];
        const merged: Record<string, unknown> = { ...current, ...patch, type: row.sinkKind };
        for (const [k, v] of Object.entries(merged)) if (v === null) delete merged[k];
        sealed = sealSink(keyring, row.id, parseSink(merged));
        changes.sink = Object.keys(body.sink).filter((k) => k !== 'type');
      }
      if (body.filter) changes.filter = body.filter;
      if (body.format) changes.format = body.format;
      if (body.heartbeatSeconds !== undefined) changes.heartbeatSeconds = body.heartbeatSeconds;
      if (row.projectSlug !== null && body.filter?.projects?.some((p) => p !== row.projectSlug)) {
        throw badRequest(`filter.projects: a stream of project ${row.projectSlug} delivers only that project's entries; leave filter.projects out`);
      }
      if (Object.keys(changes).length === 0) throw badRequest('send sink, filter, format or heartbeatSeconds to change');
      await uow.run(op, async (tx) => {
        const ok = await tx.streams.update(row.id, {
          ...(sealed ?? {}),
          ...(body.filter ? { filter: body.filter } : {}),
          ...(body.format ? { format: body.format } : {}),
          ...(body.heartbeatSeconds !== undefined ? { heartbeatSeconds: body.heartbeatSeconds } : {}),
          updatedAt: at,
        });
        if (!ok) throw notFound(`audit stream ${name}`);
        op.audit.record({ event: 'AuditStreamUpdated', resource: name, projectSlug: row.projectSlug, details: { changed: changes } });
      });
      runtime.wake(row.id);
      return this.show(op, name);
    },

    async pause(op: OpContext, name: string): Promise<StreamView> {
      const row = await load(op, name, 'pause');
      if (row.state === 'paused') return view(row);
      await uow.run(op, async (tx) => {
        await tx.streams.update(row.id, { state: 'paused', updatedAt: clock().toISOString() });
        op.audit.record({ event: 'AuditStreamPaused', resource: name, projectSlug: row.projectSlug, details: { previousState: row.state, cursor: row.cursor } });
      });
      runtime.wake(row.id);
      return this.show(op, name);
    },

    /** A paused stream goes on from its cursor; a failing one is retried now (its cursor kept). */
    async resume(op: OpContext, name: string): Promise<StreamView> {
      const row = await load(op, name, 'resume');
      if (row.state === 'active') return view(row);
      await uow.run(op, async (tx) => {
        await tx.streams.update(row.id, { state: 'active', failingSince: null, updatedAt: clock().toISOString() });
        op.audit.record({ event: 'AuditStreamResumed', resource: name, projectSlug: row.projectSlug, details: { previousState: row.state, cursor: row.cursor } });
      });
      runtime.wake(row.id);
      return this.show(op, name);
    },

    async remove(op: OpContext, name: string): Promise<void> {
      const row = await load(op, name, 'remove');
      await uow.run(op, async (tx) => {
        if (!(await tx.streams.delete(row.id))) throw notFound(`audit stream ${name}`);
        op.audit.record({ event: 'AuditStreamRemoved', resource: name, projectSlug: row.projectSlug, details: { sink: row.sinkKind, cursor: row.cursor, delivered: row.delivered } });
      });
      runtime.wake(row.id);
    },

    /** Rewinds (or forwards) the cursor: the entries from `fromSeq` (or `since`) on are sent again. */
    async replay(op: OpContext, name: string, body: ReplayStreamBody): Promise<StreamView & { readonly replayFromSeq: number }> {
      const row = await load(op, name, 'replay');
      if ((body.fromSeq === undefined) === (body.since === undefined)) throw badRequest('send exactly one of fromSeq (a seq) or since (a time)');
      let from: number;
      if (body.fromSeq !== undefined) {
        from = Math.max(1, body.fromSeq);
      } else {
        const at = parseTimeBound(body.since as string, clock());
        if (!at) throw badRequest(`since: must be ${TIME_FORMS_HELP}`);
        from = await seqAt(at);
      }
      const lastSeq = await store.auditLog.lastSeq();
      if (from > lastSeq + 1) throw badRequest(`fromSeq: the log ends at seq ${lastSeq}; replay from ${lastSeq} or earlier`);
      // Retention may have removed the start: the replay begins at the oldest entry still held.
      const first = (await store.auditLog.readAfter(from - 1, 1))[0];
      const effective = first ? first.seq : lastSeq + 1;
      await uow.run(op, async (tx) => {
        await tx.streams.setCursor(row.id, effective - 1, clock().toISOString());
        op.audit.record({ event: 'AuditStreamReplayed', resource: name, projectSlug: row.projectSlug, details: { fromSeq: effective, requested: body.fromSeq ?? body.since, previousCursor: row.cursor } });
      });
      runtime.wake(row.id);
      return { ...(await this.show(op, name)), replayFromSeq: effective };
    },

    /** Sends one heartbeat record through the stream's sink now and reports the sink's answer (nothing is stored). */
    async test(op: OpContext, name: string): Promise<StreamTestResult> {
      const row = await load(op, name, 'test');
      const sink = createSink(openSink(keyring, row), { ...deps.sinkDeps, stream: { id: row.id, name: row.name } });
      const started = Date.now();
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), deps.timeoutMs);
      try {
        const record = FORMATTERS[rowFormat(row)].heartbeat({ stream: row.name, lastSeq: row.cursor, at: clock() });
        await Promise.race([
          sink.send([record], ac.signal),
          new Promise((_, reject) => ac.signal.addEventListener('abort', () => reject(new Error(`no answer within ${deps.timeoutMs} ms`)), { once: true })),
        ]);
        return { ok: true, durationMs: Date.now() - started, error: null };
      } catch (e) {
        return { ok: false, durationMs: Date.now() - started, error: e instanceof Error ? e.message : String(e) };
      } finally {
        clearTimeout(timer);
        await sink.close().catch(() => undefined);
      }
    },
  };
}

export type StreamService = ReturnType<typeof createStreamService>;
