/** Roles. The role × action matrix lives in src/identity/authorize.ts and docs/roles.md. */
export const PROJECT_ROLES = ['OWNER', 'PROJECT_MANAGER', 'MEMBER', 'CONSUMER', 'AUDITOR'] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

export const ENVIRONMENT_ROLES = ['ENVIRONMENT_OWNER', 'MEMBER', 'CONSUMER'] as const;
export type EnvironmentRole = (typeof ENVIRONMENT_ROLES)[number];

/** Roles an API key may carry: scoped to one project + environment. */
export const API_KEY_ROLES = ['MEMBER', 'CONSUMER', 'AUDITOR'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];
