import type { SinkConfig, SinkKind } from '../../contract/streams.js';
import { azureSink } from './azure.js';
import { datadogSink } from './datadog.js';
import { natsSink } from './nats.js';
import { splunkSink } from './splunk.js';
import { syslogSink } from './syslog.js';
import type { Sink, SinkDeps, SinkFactory } from './types.js';
import { webhookSink } from './webhook.js';

/** One factory per sink kind; exhaustive, so a new kind fails to compile until it has one. */
export const SINKS: { readonly [K in SinkKind]: SinkFactory<K> } = {
  splunk: splunkSink,
  datadog: datadogSink,
  azure: azureSink,
  syslog: syslogSink,
  nats: natsSink,
  webhook: webhookSink,
};

export function createSink(config: SinkConfig, deps: SinkDeps): Sink {
  return (SINKS[config.type] as SinkFactory<SinkKind>)(config as never, deps);
}

export { SinkError, type Sink, type SinkDeps } from './types.js';
