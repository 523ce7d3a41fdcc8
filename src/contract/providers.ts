import { z } from 'zod';

/** Providers (docs/providers.md): where an environment's credentials come from. */
export const PROVIDER_TYPES = ['System', 'PostgresDynamic'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];
/** The built-in provider: the encrypted secret store, assigned to every project. */
export const SYSTEM_PROVIDER = 'system';
/** What a provider's secret settings are shown as: never their value. */
export const ENCRYPTED = '***ENCRYPTED***';

export const providerNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a provider name is 1-63 characters of a-z 0-9 - starting with a letter or digit');

export const createProviderBody = z.strictObject({
  name: providerNameSchema,
  type: z.enum(PROVIDER_TYPES),
  configuration: z.record(z.string().max(64), z.unknown()).default({}),
});
export type CreateProviderInput = z.infer<typeof createProviderBody>;

export interface ProviderView {
  readonly name: string;
  readonly type: ProviderType;
  /** Settings as stored, every secret one shown as ***ENCRYPTED*** */
  readonly configuration: Readonly<Record<string, unknown>>;
  readonly builtIn: boolean;
  readonly assignments: readonly { readonly project: string; readonly environment: string | null }[];
  readonly createdAt: string | null;
  readonly createdBy: string | null;
}

export interface ProviderCheckView {
  readonly provider: string;
  /** Roles the provider created that no active lease accounts for */
  readonly orphans: readonly string[];
  /** Active leases whose role is missing in the database */
  readonly missing: readonly string[];
  readonly checkedAt: string;
}
