import type { z } from 'zod';
import type { ProviderType } from '../../contract/providers.js';
import { pgDynamic, pgDynamicConfig, PG_SECRET_FIELDS, type PgDynamicConfig } from './postgres-dynamic.js';

/** What the service needs of one provider type: its settings' schema, which are secret, a live check. */
export interface ProviderKind<C = unknown> {
  /** null: built in, cannot be created */
  readonly schema: z.ZodType<C> | null;
  readonly secretFields: readonly string[];
  /** Proves the settings work (connects, checks rights); throws with a message safe to show. */
  check(config: C): Promise<void>;
}

const system: ProviderKind<Record<string, never>> = { schema: null, secretFields: [], check: async () => undefined };
const postgresDynamic: ProviderKind<PgDynamicConfig> = { schema: pgDynamicConfig, secretFields: PG_SECRET_FIELDS, check: (c) => pgDynamic.check(c) };

/** Exhaustive: a new provider type fails to compile until it is described here. */
export const PROVIDER_KINDS: Readonly<Record<ProviderType, ProviderKind<never>>> = {
  System: system as ProviderKind<never>,
  PostgresDynamic: postgresDynamic as ProviderKind<never>,
};
