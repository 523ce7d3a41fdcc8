import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { EVENT_TYPES, OUTCOMES } from '../../contract/events.js';
import { SINK_KINDS, STREAM_FORMATS, type StreamFilter, type StreamTestResult, type StreamView } from '../../contract/streams.js';
import { safeJsonStringify } from '../../contract/text-safety.js';
import { seg } from '../api-client.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { print, type CommandContext } from '../env.js';
import { openSession } from '../session.js';
import { printRows, simpleFormat, withOutput, type ContextFactory } from './shared.js';

const PATH = '/api/v1/audit-streams';
const NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const collect = (v: string, prev: string[] = []) => [...prev, v];

function nameOf(value: string): string {
  if (!NAME_RE.test(value)) throw usageError(`invalid stream name ${JSON.stringify(value)}: 1-63 lowercase letters, digits or hyphens`);
  return value;
}

function pairOf(flag: string, v: string): [string, string] {
  const i = v.indexOf('=');
  if (i <= 0) throw usageError(`invalid ${flag} ${JSON.stringify(v)}: must be key=value`);
  return [v.slice(0, i), v.slice(i + 1)];
}

/** `--set k=v`: true/false and whole numbers become booleans and numbers; anything else stays text. */
function settingValue(v: string): unknown {
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^\d{1,9}$/.test(v)) return Number(v);
  return v;
}

/** Sink fields from --type, --set, --secret-env and --secret-file (secrets never need to be on the command line). */
function sinkOf(flags: SinkFlags, type?: string): Record<string, unknown> {
  const sink: Record<string, unknown> = {};
  if (type !== undefined) sink.type = type;
  for (const s of flags.set ?? []) {
    const [k, v] = pairOf('--set', s);
    sink[k] = settingValue(v);
  }
  for (const s of flags.secretEnv ?? []) {
    const [k, name] = pairOf('--secret-env', s);
    const v = process.env[name];
    if (v === undefined || v === '') throw usageError(`--secret-env ${k}=${name}: the environment variable ${name} is not set`);
    sink[k] = v;
  }
  for (const s of flags.secretFile ?? []) {
    const [k, file] = pairOf('--secret-file', s);
    try {
      sink[k] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw usageError(`--secret-file ${k}=${file}: ${(e as Error).message}`);
    }
  }
  return sink;
}

function listOf(flag: string, v: string | undefined, allowed?: readonly string[]): string[] | undefined {
  if (v === undefined) return undefined;
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  if (allowed) for (const i of items) if (!allowed.includes(i)) throw usageError(`invalid ${flag} value ${JSON.stringify(i)}`, `Valid values: ${allowed.join(', ')}.`);
  return items;
}

function filterOf(flags: FilterFlags): StreamFilter | undefined {
  const f: Record<string, unknown> = {};
  const projects = listOf('--projects', flags.projects);
  const environments = listOf('--environments', flags.environments);
  const events = listOf('--events', flags.events, EVENT_TYPES);
  if (projects) f.projects = projects;
  if (environments) f.environments = environments;
  if (events) f.events = events;
  if (flags.outcome !== undefined) {
    const o = OUTCOMES.find((x) => x.toLowerCase() === flags.outcome?.toLowerCase());
    if (!o) throw usageError(`invalid --outcome ${JSON.stringify(flags.outcome)}`, `Valid values: ${OUTCOMES.join(', ')}.`);
    f.outcome = o;
  }
  return Object.keys(f).length > 0 ? (f as StreamFilter) : undefined;
}

function formatOf(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!(STREAM_FORMATS as readonly string[]).includes(v)) throw usageError(`invalid --format ${JSON.stringify(v)}`, `Valid formats: ${STREAM_FORMATS.join(', ')}.`);
  return v;
}

function heartbeatOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d{1,5})(s|m)?$/.exec(v.trim());
  if (!m) throw usageError(`invalid --heartbeat ${JSON.stringify(v)}: seconds (60, 60s) or minutes (1m); 0 turns it off`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}

interface SinkFlags { set?: string[]; secretEnv?: string[]; secretFile?: string[] }
interface FilterFlags { projects?: string; environments?: string; events?: string; outcome?: string }
type AddFlags = SinkFlags & FilterFlags & { type: string; project?: string; format?: string; heartbeat?: string; start?: string; output?: string };

const withSinkFlags = (c: Command) =>
  c
    .option('--set <key=value>', 'a sink setting (repeatable), e.g. --set url=https://splunk:8088 --set index=main', collect)
    .option('--secret-env <key=VAR>', 'a secret setting read from an environment variable (repeatable), e.g. --secret-env token=SPLUNK_TOKEN', collect)
    .option('--secret-file <key=FILE>', 'a secret setting read from a file (repeatable)', collect);
const withFilterFlags = (c: Command) =>
  c
    .option('--projects <slugs>', 'instance streams: only these projects (comma-separated)')
    .option('--environments <slugs>', 'only these environments (comma-separated)')
    .option('--events <types>', 'only these event types (comma-separated)')
    .option('--outcome <outcome>', 'Success or Denied');

const ago = (iso: string | null, now: number) => {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
};

function showOne(ctx: CommandContext, format: 'table' | 'json', v: StreamView): void {
  if (format === 'json') return print(ctx, `${safeJsonStringify(v, 2)}\n`);
  const h = v.health;
  const lines: [string, string][] = [
    ['Name', v.name],
    ['Project', v.project ?? '(instance: all projects)'],
    ['Sink', Object.entries(v.sink).map(([k, x]) => `${k}=${typeof x === 'string' ? x : JSON.stringify(x)}`).join(' ')],
    ['Format', v.format],
    ['Filter', Object.keys(v.filter).length > 0 ? JSON.stringify(v.filter) : '(every entry in scope)'],
    ['Heartbeat', v.heartbeatSeconds > 0 ? `every ${v.heartbeatSeconds}s` : 'off'],
    ['State', h.state + (h.failingSince ? ` since ${h.failingSince}` : '')],
    ['Cursor', `seq ${h.cursor} of ${h.lastSeq}`],
    ['Lag', `${h.lagEntries} entries, ${h.lagSeconds}s`],
    ['Delivered', `${h.delivered} (${h.ratePerMinute}/min)`],
    ['Last success', h.lastSuccessAt ?? '-'],
    ['Last error', h.lastError ? `${h.lastError}${h.lastErrorAt ? ` (${h.lastErrorAt})` : ''}` : '-'],
    ['Retrying', String(h.retrying)],
    ['Last heartbeat', h.lastHeartbeatAt ?? '-'],
  ];
  print(ctx, lines.map(([k, x]) => `${k.padEnd(15)}${x}`).join('\n'));
}

/**
 * `bella audit streams add|list|show|update|test|pause|resume|remove|replay`: Audit Log streams to
 * SIEMs (docs/streams.md). The server validates each sink's settings and encrypts its secrets.
 */
export function registerAuditStreamCommands(program: Command, context: ContextFactory): void {
  const audit = program.commands.find((c) => c.name() === 'audit') ?? program.command('audit').description('the Audit Log');
  const streams = audit.command('streams').description('stream the Audit Log to SIEMs: Splunk, Datadog, Azure Monitor, syslog, NATS JetStream, webhooks');

  withOutput(
    withFilterFlags(
      withSinkFlags(
        streams
          .command('add')
          .description('add a stream; delivery starts with the entries committed from now on (--start oldest: from the oldest entry retention holds)')
          .argument('<name>', 'a name for the stream: lowercase letters, digits, hyphens')
          .requiredOption('--type <sink>', SINK_KINDS.join('|'))
          .option('-p, --project <slug>', "a project stream (the project's OWNERs manage it); without it an instance stream (instance admin)")
          .option('--format <format>', STREAM_FORMATS.join('|'), undefined)
          .option('--heartbeat <seconds>', 'heartbeat when idle, e.g. 60s or 1m; 0 turns it off (default 60s)')
          .option('--start <where>', 'now or oldest'),
      ),
    ),
  ).action(async (nameArg: string, flags: AddFlags) => {
    const ctx = context();
    const format = simpleFormat(flags.output);
    const name = nameOf(nameArg);
    if (!(SINK_KINDS as readonly string[]).includes(flags.type)) throw usageError(`invalid --type ${JSON.stringify(flags.type)}`, `Valid sink types: ${SINK_KINDS.join(', ')}.`);
    if (flags.start !== undefined && flags.start !== 'now' && flags.start !== 'oldest') throw usageError(`invalid --start ${JSON.stringify(flags.start)}: now or oldest`);
    const body: Record<string, unknown> = { name, sink: sinkOf(flags, flags.type) };
    if (flags.project) body.project = flags.project;
    const filter = filterOf(flags);
    if (filter) body.filter = filter;
    const f = formatOf(flags.format);
    if (f) body.format = f;
    const hb = heartbeatOf(flags.heartbeat);
    if (hb !== undefined) body.heartbeatSeconds = hb;
    if (flags.start) body.start = flags.start;
    const v = await openSession(ctx.env).client.request<StreamView>('POST', PATH, { body });
    if (format === 'table') print(ctx, `Added stream ${v.name} (${v.sink.type}, ${v.format}); recorded in the Audit Log as AuditStreamCreated.`);
    showOne(ctx, format, v);
  });

  withOutput(streams.command('list').description('every stream you manage, with its delivery health')).action(async (flags: { output?: string }) => {
    const ctx = context();
    const format = simpleFormat(flags.output);
    const res = await openSession(ctx.env).client.get<{ streams: StreamView[] }>(PATH);
    const now = Date.now();
    printRows(
      ctx,
      format,
      [
        { header: 'NAME', value: (s: StreamView) => s.name, min: 8 },
        { header: 'PROJECT', value: (s) => s.project ?? '*', drop: 3 },
        { header: 'SINK', value: (s) => s.sink.type },
        { header: 'FORMAT', value: (s) => s.format, drop: 4 },
        { header: 'STATE', value: (s) => (s.health.state === 'active' && s.health.retrying > 0 ? `retrying(${s.health.retrying})` : s.health.state), paint: (s, p) => (s.health.state === 'failing' ? p.red : null) },
        { header: 'LAG', value: (s) => `${s.health.lagEntries} / ${s.health.lagSeconds}s` },
        { header: 'DELIVERED', value: (s) => String(s.health.delivered) },
        { header: 'RATE/MIN', value: (s) => String(s.health.ratePerMinute), drop: 2 },
        { header: 'LAST SUCCESS', value: (s) => ago(s.health.lastSuccessAt, now), drop: 1 },
        { header: 'LAST ERROR', value: (s) => s.health.lastError ?? '-', min: 10, squeeze: 1 },
      ],
      res.streams,
      'No audit streams. Add one with `bella audit streams add NAME --type splunk --set url=… --secret-env token=VAR`.',
    );
  });

  withOutput(streams.command('show').description('one stream: sink (secrets shown as ***ENCRYPTED***), filter, health').argument('<name>')).action(
    async (nameArg: string, flags: { output?: string }) => {
      const ctx = context();
      showOne(ctx, simpleFormat(flags.output), await openSession(ctx.env).client.get<StreamView>(`${PATH}/${seg(nameOf(nameArg))}`));
    },
  );

  withOutput(
    withFilterFlags(
      withSinkFlags(
        streams
          .command('update')
          .description("change a stream's sink settings (merged; secrets left out are kept), filter, format or heartbeat")
          .argument('<name>')
          .option('--format <format>', STREAM_FORMATS.join('|'), undefined)
          .option('--heartbeat <seconds>', 'heartbeat when idle; 0 turns it off'),
      ),
    ),
  ).action(async (nameArg: string, flags: AddFlags) => {
    const ctx = context();
    const format = simpleFormat(flags.output);
    const body: Record<string, unknown> = {};
    const sink = sinkOf(flags);
    if (Object.keys(sink).length > 0) body.sink = sink;
    const filter = filterOf(flags);
    if (filter) body.filter = filter;
    const f = formatOf(flags.format);
    if (f) body.format = f;
    const hb = heartbeatOf(flags.heartbeat);
    if (hb !== undefined) body.heartbeatSeconds = hb;
    if (Object.keys(body).length === 0) throw usageError('nothing to change', 'Give --set, --secret-env, --secret-file, a filter flag, --format or --heartbeat.');
    const v = await openSession(ctx.env).client.request<StreamView>('PATCH', `${PATH}/${seg(nameOf(nameArg))}`, { body });
    if (format === 'table') print(ctx, `Updated stream ${v.name}; recorded as AuditStreamUpdated.`);
    showOne(ctx, format, v);
  });

  streams
    .command('test')
    .description("send one heartbeat through the stream's sink now and report its answer")
    .argument('<name>')
    .action(async (nameArg: string) => {
      const ctx = context();
      const name = nameOf(nameArg);
      const r = await openSession(ctx.env).client.request<StreamTestResult>('POST', `${PATH}/${seg(name)}/test`, { body: {} });
      if (!r.ok) throw new CliError(EXIT.error, `stream ${name}: the sink refused the test (${r.durationMs} ms): ${r.error ?? 'unknown error'}`);
      print(ctx, `Stream ${name}: the sink accepted a test heartbeat in ${r.durationMs} ms.`);
    });

  for (const [verb, what, event] of [
    ['pause', 'stop delivering (the cursor is kept)', 'AuditStreamPaused'],
    ['resume', 'deliver again from the cursor (also a failing stream, now)', 'AuditStreamResumed'],
  ] as const) {
    streams
      .command(verb)
      .description(what)
      .argument('<name>')
      .action(async (nameArg: string) => {
        const ctx = context();
        const v = await openSession(ctx.env).client.request<StreamView>('POST', `${PATH}/${seg(nameOf(nameArg))}/${verb}`, { body: {} });
        print(ctx, `Stream ${v.name} is ${v.health.state} at seq ${v.health.cursor}; recorded as ${event}.`);
      });
  }

  streams
    .command('remove')
    .description('remove a stream (what it delivered stays delivered)')
    .argument('<name>')
    .action(async (nameArg: string) => {
      const ctx = context();
      const name = nameOf(nameArg);
      await openSession(ctx.env).client.request('DELETE', `${PATH}/${seg(name)}`);
      print(ctx, `Removed stream ${name}; recorded as AuditStreamRemoved.`);
    });

  streams
    .command('replay')
    .description('resend from an earlier point that retention still holds')
    .argument('<name>')
    .option('--since <time>', 'a duration back (7d, 24h), a date or an ISO date-time')
    .option('--from-seq <seq>', 'a seq: resend from this entry on')
    .action(async (nameArg: string, flags: { since?: string; fromSeq?: string }) => {
      const ctx = context();
      const name = nameOf(nameArg);
      if ((flags.since === undefined) === (flags.fromSeq === undefined)) throw usageError('give exactly one of --since or --from-seq', 'Example: bella audit streams replay splunk-main --since 7d');
      const body: Record<string, unknown> = {};
      if (flags.fromSeq !== undefined) {
        if (!/^\d{1,15}$/.test(flags.fromSeq)) throw usageError(`invalid --from-seq ${JSON.stringify(flags.fromSeq)}: a whole number`);
        body.fromSeq = Number(flags.fromSeq);
      } else body.since = flags.since;
      const v = await openSession(ctx.env).client.request<StreamView & { replayFromSeq: number }>('POST', `${PATH}/${seg(name)}/replay`, { body });
      print(ctx, `Stream ${v.name} resends from seq ${v.replayFromSeq} (${v.health.lagEntries} entries behind); recorded as AuditStreamReplayed.`);
    });
}
