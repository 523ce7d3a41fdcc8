import type { StreamFormat } from '../../contract/streams.js';
import { cefFormatter } from './cef.js';
import { jsonFormatter } from './json.js';
import { ocsfFormatter } from './ocsf.js';
import type { Formatter } from './types.js';

/** One formatter per format; exhaustive, so a new format fails to compile until it has one. */
export const FORMATTERS: Readonly<Record<StreamFormat, Formatter>> = { json: jsonFormatter, ocsf: ocsfFormatter, cef: cefFormatter };

export type { Formatter, OutRecord, HeartbeatInfo } from './types.js';
