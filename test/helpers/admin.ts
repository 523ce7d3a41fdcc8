/**
 * The instance admin every test server is started with: the in-process harness (harness.ts
 * ADMIN_EMAIL/ADMIN_PASSWORD), server processes (process.ts PROCESS_ADMIN) and the CLI end-to-end
 * harness. One constant, so no test logs in with credentials its server was not given.
 */
export const TEST_ADMIN = { email: 'admin@example.com', password: 'admin-password-123' } as const;
