import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { createServer } from 'node:http';
import { TIMEOUT_DEFAULTS } from '../config.js';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { registerAccessRoutes } from '../access/access-routes.js';
import { registerIntegrityRoutes } from '../audit/integrity-routes.js';
import { registerAuditRoutes } from '../audit/log-routes.js';
import { registerBackupRoutes } from '../audit/backup-routes.js';
import { registerSshRoutes } from '../ssh/ssh-routes.js';
import { registerProviderRoutes } from '../secrets/provider-routes.js';
import { registerCredentialLeaseRoutes } from '../secrets/credential-lease-routes.js';
import { registerRetentionRoutes } from '../audit/retention-routes.js';
import { registerAuthRoutes } from '../identity/auth-routes.js';
import { registerApiKeyRoutes } from '../identity/api-key-routes.js';
import { registerLeaseRoutes } from '../identity/leases/lease-routes.js';
import { registerTrustRoutes } from '../identity/trust/trust-routes.js';
import { registerUserRoutes } from '../identity/user-routes.js';
import { registerProjectRoutes } from '../projects/project-routes.js';
import { registerMemberRoutes } from '../projects/member-routes.js';
import { registerSecretRoutes } from '../secrets/secret-routes.js';
import { registerStreamRoutes } from '../streams/stream-routes.js';
import { registerReportRoutes } from '../reports/report-routes.js';
import { registerAccessReviewRoutes } from '../reports/access-review-routes.js';
import { registerHealthRoutes } from './health-routes.js';
import type { AppDeps } from './deps.js';
import { registerErrorHandling } from './error-handler.js';
import { clientErrorHandler, frameworkErrorHandler, MAX_PARAM_LENGTH } from './framework-errors.js';
import { registerRequestLifecycle } from './lifecycle.js';
import { redactUrl } from './redact.js';
import { safeJsonStringify } from '../contract/text-safety.js';
import { registerWebStatic } from './web-static.js';

/** Largest request body: a 64 KiB secret value JSON-escaped fits comfortably. */
export const BODY_LIMIT = 512 * 1024;

/** Builds the HTTP app without listening (tests use app.inject()). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const t = deps.timeouts ?? TIMEOUT_DEFAULTS;
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    // A client that trickles its headers or body, or holds an idle socket, is cut off (Node answers
    // 408 and closes); the checks run often enough for the limits to hold within about half a limit.
    serverFactory: (handler) => {
      const server = createServer(
        {
          headersTimeout: t.headersMs,
          requestTimeout: t.requestMs,
          keepAliveTimeout: t.keepAliveMs,
          connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(t.headersMs / 2))),
        },
        handler,
      );
      server.setTimeout(t.idleMs);
      return server;
    },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: frameworkErrorHandler(deps),
    clientErrorHandler: clientErrorHandler(deps) as never,
    trustProxy: deps.trustedProxies.length > 0 ? [...deps.trustedProxies] : false,
    requestIdHeader: false,
    // Per-request lines would duplicate the Access Log (which is durable and queryable) at every request.
    logController: new LogController({ disableRequestLogging: true }),
    logger: {
      level: deps.logLevel ?? 'info',
      // Never log bodies or query values: they can carry secrets.
      serializers: { req: (req) => ({ method: req.method, url: redactUrl(req.url) }) },
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON bodies carry DEL, C1, bidi controls and U+2028/9 as \u escapes (lossless; JSON.stringify
  // leaves them raw): logged text such as a user agent never reaches a client's screen unescaped.
  app.setReplySerializer((payload) => safeJsonStringify(payload));

  registerRequestLifecycle(app, deps);
  registerErrorHandling(app, deps);
  registerHealthRoutes(app, deps);
  registerAuthRoutes(app, deps);
  registerUserRoutes(app, deps);
  registerProjectRoutes(app, deps);
  registerMemberRoutes(app, deps);
  registerSecretRoutes(app, deps);
  registerApiKeyRoutes(app, deps);
  registerLeaseRoutes(app, deps);
  registerTrustRoutes(app, deps);
  registerAuditRoutes(app, deps);
  registerIntegrityRoutes(app, deps);
  registerAccessRoutes(app, deps);
  await registerWebStatic(app, { webRoot: deps.webRoot });
  registerRetentionRoutes(app, deps);
  registerBackupRoutes(app, deps);
  registerSshRoutes(app, deps);
  registerProviderRoutes(app, deps);
  registerCredentialLeaseRoutes(app, deps);
  registerStreamRoutes(app, deps);
  registerReportRoutes(app, deps);
  registerAccessReviewRoutes(app, deps);
  await app.ready();
  return app;
}

export type App = FastifyInstance;
