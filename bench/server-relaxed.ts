import { startBenchServer } from './bench-server.js';

/**
 * bella-server with durability relaxed (SQLite synchronous=NORMAL: WAL commits are not fsynced, a
 * power loss can drop the last transactions). Only to show what fsync costs; never a product mode.
 * Once config grows a knob for it (BELLA_SQLITE_SYNCHRONOUS), this file can go.
 */
await startBenchServer('NORMAL');
