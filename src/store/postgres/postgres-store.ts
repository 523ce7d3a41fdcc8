import type { Store } from '../types.js';

export interface PostgresStoreOptions {
  readonly url: string;
}

export function createPostgresStore(_opts: PostgresStoreOptions): Store {
  throw new Error('PostgreSQL support is being built (issue 4); unset BELLA_DATABASE_URL to use the embedded SQLite store');
}
