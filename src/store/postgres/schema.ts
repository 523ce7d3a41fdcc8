import type pg from 'pg';

/**
 * PostgreSQL migrations, applied in order, each in its own transaction; bella_schema_migrations
 * records progress. Same tables as the SQLite schema, with native types (timestamptz, bytea, jsonb,
 * boolean). The two logs are range-partitioned by month on ts (see partitions.ts).
 */
export const PG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    admin BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
  );
  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
  );
  CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    wrapped_key BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
  );
  CREATE TABLE environments (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (project_id, slug)
  );
  -- environment_id '' is a project membership (a NULL could not take part in the primary key)
  CREATE TABLE members (
    project_id TEXT NOT NULL REFERENCES projects(id),
    environment_id TEXT NOT NULL DEFAULT '',
    user_id TEXT NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    PRIMARY KEY (project_id, environment_id, user_id)
  );
  CREATE INDEX members_user ON members(user_id);
  CREATE TABLE secrets (
    id TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id),
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT,
    UNIQUE (environment_id, key)
  );
  CREATE TABLE secret_versions (
    secret_id TEXT NOT NULL REFERENCES secrets(id),
    version INTEGER NOT NULL,
    ciphertext BYTEA,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT,
    PRIMARY KEY (secret_id, version)
  );
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    environment_id TEXT NOT NULL REFERENCES environments(id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    wrapped_signing_key BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT,
    revoked_at TIMESTAMPTZ
  );
  CREATE INDEX api_keys_env ON api_keys(project_id, environment_id);
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  -- The last seq handed out per log. Every commit locks these rows until it commits, so across all
  -- nodes seq order is commit order and a rolled-back batch leaves no gap.
  CREATE TABLE log_seq (log TEXT PRIMARY KEY, last BIGINT NOT NULL);
  INSERT INTO log_seq (log, last) VALUES ('access', 0), ('audit', 0);

  -- The partition key must be part of every unique index, hence (seq, ts) and (id, ts).
  CREATE TABLE audit_log (
    seq BIGINT NOT NULL,
    id TEXT NOT NULL,
    ts TIMESTAMPTZ NOT NULL,
    event TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    actor_email TEXT,
    actor_name TEXT,
    actor_ip TEXT,
    project_slug TEXT,
    environment_slug TEXT,
    resource TEXT,
    outcome TEXT NOT NULL,
    request_id TEXT,
    user_agent TEXT,
    reason TEXT,
    details JSONB NOT NULL,
    PRIMARY KEY (seq, ts),
    UNIQUE (id, ts)
  ) PARTITION BY RANGE (ts);
  CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;
  -- One index per filter of the product page, each ending in seq for the keyset (seq DESC) path.
  CREATE INDEX audit_project ON audit_log(project_slug, environment_slug, seq);
  CREATE INDEX audit_ts ON audit_log(ts);
  CREATE INDEX audit_actor_email ON audit_log(lower(actor_email), seq);
  CREATE INDEX audit_actor_id ON audit_log(actor_id, seq);
  CREATE INDEX audit_actor_name ON audit_log(actor_name, seq);
  CREATE INDEX audit_event ON audit_log(event, seq);
  CREATE INDEX audit_outcome ON audit_log(outcome, seq);
  CREATE INDEX audit_request ON audit_log(request_id);
  CREATE INDEX audit_resource ON audit_log(resource, seq);

  CREATE TABLE access_log (
    seq BIGINT NOT NULL,
    id TEXT NOT NULL,
    ts TIMESTAMPTZ NOT NULL,
    request_id TEXT NOT NULL,
    method TEXT NOT NULL,
    route TEXT,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    duration_ms DOUBLE PRECISION NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    actor_email TEXT,
    actor_name TEXT,
    actor_ip TEXT,
    user_agent TEXT,
    project_slug TEXT,
    environment_slug TEXT,
    PRIMARY KEY (seq, ts),
    UNIQUE (id, ts)
  ) PARTITION BY RANGE (ts);
  CREATE TABLE access_log_default PARTITION OF access_log DEFAULT;
  CREATE INDEX access_project ON access_log(project_slug, environment_slug, seq);
  CREATE INDEX access_ts ON access_log(ts);
  CREATE INDEX access_request ON access_log(request_id);
  CREATE INDEX access_actor_email ON access_log(lower(actor_email), seq);
  CREATE INDEX access_actor_id ON access_log(actor_id, seq);
  CREATE INDEX access_status ON access_log(status, seq);
  CREATE INDEX access_method ON access_log(method, seq);
  `,
  // 2: as SQLite migration 2 (docs/BENCHMARKS.md, queries): (project_slug, seq) for a project alone and
  // each branch of a projectIn list; partial indexes on the Denied rows replace (outcome, seq).
  `
  CREATE INDEX audit_project_seq ON audit_log(project_slug, seq);
  DROP INDEX audit_outcome;
  CREATE INDEX audit_denied ON audit_log(seq) WHERE outcome = 'Denied';
  CREATE INDEX audit_denied_event ON audit_log(event, seq, project_slug, environment_slug) WHERE outcome = 'Denied';
  CREATE INDEX access_project_seq ON access_log(project_slug, seq);
  `,
  // 3: state shared by every node (identity/throttle.ts, identity/replay-guard.ts). Failed-login
  // counters keyed by a hash of (account, address) or of an address; signatures of accepted signed
  // requests until they expire, the primary key refusing a second use. Times are epoch milliseconds.
  // Both tables are pruned as rows arrive (the *_at indexes find the stale ones), so they stay bounded.
  `
  CREATE TABLE login_attempts (
    key TEXT PRIMARY KEY,
    attempts INTEGER NOT NULL,
    last_at BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
  );
  CREATE INDEX login_attempts_last ON login_attempts(last_at);
  CREATE TABLE signature_uses (
    key_id TEXT NOT NULL,
    signature_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (key_id, signature_hash)
  );
  CREATE INDEX signature_uses_expiry ON signature_uses(expires_at);
  `,
  // 4: an environment stays restricted from its first environment member on, until an owner lifts it.
  `
  ALTER TABLE environments ADD COLUMN restricted BOOLEAN NOT NULL DEFAULT FALSE;
  UPDATE environments SET restricted = TRUE WHERE id IN (SELECT environment_id FROM members WHERE environment_id <> '');
  `,
  // 5: as SQLite migration 5: leases and trust tokens (issued_tokens: only the SHA-256 of each token's secret; a lease's
  // expiry is recorded once, by whichever node's worker marks expiry_recorded_at first) and the OIDC
  // trust domains of each environment (claim rules and audiences as JSON text).
  `
  CREATE TABLE issued_tokens (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects(id),
    environment_id TEXT NOT NULL REFERENCES environments(id),
    token_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    scope TEXT,
    reason TEXT,
    trust_domain_id TEXT,
    trust_domain_name TEXT,
    issuer TEXT,
    subject TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ,
    revoked_by TEXT,
    revoke_reason TEXT,
    expiry_recorded_at TIMESTAMPTZ
  );
  CREATE INDEX issued_tokens_env ON issued_tokens(environment_id, kind, created_at);
  CREATE INDEX issued_tokens_due ON issued_tokens(expires_at) WHERE kind = 'lease' AND expiry_recorded_at IS NULL AND revoked_at IS NULL;
  CREATE TABLE trust_domains (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    environment_id TEXT NOT NULL REFERENCES environments(id),
    name TEXT NOT NULL,
    issuer_url TEXT NOT NULL,
    claim_rules TEXT NOT NULL,
    audiences TEXT NOT NULL,
    ttl_minutes INTEGER NOT NULL,
    granted_role TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (environment_id, name)
  );
  `,
  // 6: SSH certificate authorities, one per environment (ssh/): the private key sealed with the
  // project's data key, a serial counter so every certificate's serial is unique; and signing roles.
  `
  CREATE TABLE ssh_cas (
    environment_id TEXT PRIMARY KEY REFERENCES environments(id),
    public_key BYTEA NOT NULL,
    sealed_private_key BYTEA NOT NULL,
    next_serial BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
  );
  CREATE TABLE ssh_roles (
    environment_id TEXT NOT NULL REFERENCES environments(id),
    name TEXT NOT NULL,
    allowed_principals TEXT NOT NULL,
    allow_empty_principals BOOLEAN NOT NULL DEFAULT FALSE,
    default_extensions TEXT NOT NULL,
    allowed_extensions TEXT NOT NULL,
    critical_options TEXT NOT NULL,
    default_ttl_seconds INTEGER NOT NULL,
    max_ttl_seconds INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT,
    PRIMARY KEY (environment_id, name)
  );
  `,
  // 7: providers (secrets/providers/): configured instances with their secret settings sealed, and where
  // each is assigned (a project, or one environment: environment_id '' means the whole project).
  `
  CREATE TABLE providers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    config_public TEXT NOT NULL,
    config_sealed BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT
  );
  CREATE TABLE provider_assignments (
    provider_id TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL REFERENCES projects(id),
    environment_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (provider_id, project_id, environment_id)
  );
  `,
  // 8 (SDK): as the SQLite migration: the SDK's wrapped HMAC key, and the calling application of
  // every log row (actor.client).
  `
  ALTER TABLE api_keys ADD COLUMN wrapped_sdk_key BYTEA;
  ALTER TABLE audit_log ADD COLUMN client TEXT;
  ALTER TABLE access_log ADD COLUMN client TEXT;
  CREATE INDEX audit_client ON audit_log(client, seq);
  `,
  // 9: credential leases (secrets/credential-lease-service.ts): the login a provider created, never
  // its password; its state moves active → revoked (the database confirmed the login gone) or
  // revoking (retried at next_attempt_at) → revoked | irrevocable. Times are ISO text on both stores,
  // so due() compares them as text.
  `
  CREATE TABLE credential_leases (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL,
    provider_name TEXT NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects(id),
    environment_id TEXT NOT NULL REFERENCES environments(id),
    username TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT,
    expires_at TEXT NOT NULL,
    state TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT,
    revoke_reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error TEXT
  );
  CREATE INDEX credential_leases_env ON credential_leases(environment_id, created_at);
  CREATE INDEX credential_leases_provider ON credential_leases(provider_id, state);
  `,
  // 10: the verifiable Audit Log, as SQLite migration 10. The tree's edge sits beside log_seq: a batch reads
  // and extends it only while it holds the log_seq rows FOR UPDATE, so across nodes the tree grows in
  // seq order, gap-free, in the transaction that assigns the seq.
  `
  ALTER TABLE audit_log ADD COLUMN personal_salt TEXT, ADD COLUMN personal_hash TEXT;
  CREATE TABLE audit_tree (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size BIGINT NOT NULL,
    first_seq BIGINT NOT NULL,
    frontier BYTEA NOT NULL
  );
  INSERT INTO audit_tree (id, size, first_seq, frontier) SELECT 1, 0, last + 1, ''::bytea FROM log_seq WHERE log = 'audit';
  CREATE TABLE audit_tree_nodes (
    level SMALLINT NOT NULL,
    idx BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
  );
  CREATE TABLE audit_checkpoints (
    size BIGINT PRIMARY KEY,
    root BYTEA NOT NULL,
    note TEXT NOT NULL,
    signed_at TIMESTAMPTZ NOT NULL
  );
  `,
  // 11: Audit Log streams to SIEMs (src/streams/). One row per stream: its sink settings
  // (JSON, secret fields apart and sealed with the master key), filter, format, and the durable
  // delivery cursor (seq of the last entry processed), advanced only after the sink accepted a batch;
  // the lease (owner node, until epoch ms) lets one node of several deliver a stream at a time.
  `
  CREATE TABLE audit_streams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    project_slug TEXT,
    sink_kind TEXT NOT NULL,
    settings TEXT NOT NULL,
    sealed_secrets BYTEA,
    filter TEXT NOT NULL,
    format TEXT NOT NULL,
    heartbeat_seconds INTEGER NOT NULL,
    state TEXT NOT NULL,
    cursor BIGINT NOT NULL,
    delivered BIGINT NOT NULL DEFAULT 0,
    last_success_at TEXT,
    last_error TEXT,
    last_error_at TEXT,
    failing_since TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT,
    updated_at TEXT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0
  );
  CREATE INDEX audit_streams_project ON audit_streams(project_slug);
  `,

  // 12 (issue 13): the read cache's version (src/store/read-cache.ts). Every statement changing a table
  // the cache holds rows of bumps it, in the transaction that makes the change; every node reads it
  // before serving a request from its cache, so a revocation committed on one node holds on the next
  // request to any node.
  `
  CREATE TABLE cache_version (id INTEGER PRIMARY KEY CHECK (id = 1), v BIGINT NOT NULL);
  INSERT INTO cache_version (id, v) VALUES (1, 0);
  CREATE FUNCTION bella_bump_cache_version() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE cache_version SET v = v + 1 WHERE id = 1;
    RETURN NULL;
  END
  $$;
  CREATE TRIGGER cache_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users FOR EACH STATEMENT EXECUTE FUNCTION bella_bump_cache_version();
  CREATE TRIGGER cache_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sessions FOR EACH STATEMENT EXECUTE FUNCTION bella_bump_cache_version();
  CREATE TRIGGER cache_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON projects FOR EACH STATEMENT EXECUTE FUNCTION bella_bump_cache_version();
  CREATE TRIGGER cache_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON environments FOR EACH STATEMENT EXECUTE FUNCTION bella_bump_cache_version();
  CREATE TRIGGER cache_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON members FOR EACH STATEMENT EXECUTE FUNCTION bella_bump_cache_version();
  CREATE TRIGGER cache_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON secrets FOR EACH STATEMENT EXECUTE FUNCTION bella_bump_cache_version();
  CREATE TRIGGER cache_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON secret_versions FOR EACH STATEMENT EXECUTE FUNCTION bella_bump_cache_version();
  CREATE TRIGGER cache_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION bella_bump_cache_version();
  CREATE TRIGGER cache_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON issued_tokens FOR EACH STATEMENT EXECUTE FUNCTION bella_bump_cache_version();
  `,
  // 13 (issue 13): as SQLite migration 13, fewer index entries per log row. One (project_slug, seq,
  // environment_slug) index per log replaces (project_slug, environment_slug, seq) and (project_slug,
  // seq) (the environment is an index condition on the walk of the project's rows). On the Access Log,
  // (lower(actor_email), seq), (actor_id, seq) and (method, seq) go: the actor filter ORs email, name
  // and id and there is no name index, so no page query could use the first two (erasure, a rare
  // administrative UPDATE, now reads the log's partitions once); method has a handful of values
  // (SQLite never had that index), so a method filter walks the log newest first and stops at its page.
  // The builds come first: CREATE INDEX blocks only the logs' writes, while DROP INDEX takes a lock
  // that also blocks their reads until COMMIT, so the drops are left to the end of the transaction.
  `
  CREATE INDEX audit_project_seq_env ON audit_log(project_slug, seq, environment_slug);
  CREATE INDEX access_project_seq_env ON access_log(project_slug, seq, environment_slug);
  DROP INDEX audit_project;
  DROP INDEX audit_project_seq;
  DROP INDEX access_project;
  DROP INDEX access_project_seq;
  DROP INDEX access_actor_email;
  DROP INDEX access_actor_id;
  DROP INDEX access_method;
  `,
  // 14 (issue 14): numbering by the database (postgres-batch.ts commitNumbered, README "the one-message
  // batch"). A batch of log rows sends BEGIN, this call, its inserts and COMMIT in one message: the
  // function locks both log_seq rows (same order as the client path), numbers the rows from the
  // locked values, computes each audit row's Merkle leaf, SHA-256(0x00 ‖ '["bella-audit-entry/1",' ‖
  // seq ‖ suffix) with the suffix the node computed (integrity/canonical.ts leafSuffix), extends the
  // tree's edge as integrity/compact.ts extend() does, and leaves the first seqs in transaction-local
  // settings for the inserts. So the lock is held for the database's own work and the flush, without
  // a round trip to the node in between. Returns the first seqs and the time the lock was granted.
  `
  CREATE FUNCTION bella_number_logs(n_audit INTEGER, n_access INTEGER, suffixes BYTEA[])
  RETURNS TABLE (audit_first BIGINT, access_first BIGINT, locked_at DOUBLE PRECISION) LANGUAGE plpgsql AS $$
  DECLARE
    a_last BIGINT;
    c_last BIGINT;
    r RECORD;
    t_size BIGINT;
    t_first BIGINT;
    t_blob BYTEA;
    frontier BYTEA[] := '{}';
    bits INTEGER := 0;
    s BIGINT;
    h BYTEA;
    lvl INTEGER;
    idx BIGINT;
    levels SMALLINT[] := '{}';
    idxs BIGINT[] := '{}';
    hashes BYTEA[] := '{}';
    packed BYTEA := ''::bytea;
  BEGIN
    IF n_audit < 0 OR n_access < 0 OR coalesce(array_length(suffixes, 1), 0) <> n_audit THEN
      RAISE EXCEPTION 'bella_number_logs: % audit rows but % leaf suffixes', n_audit, coalesce(array_length(suffixes, 1), 0);
    END IF;
    FOR r IN SELECT log, last FROM log_seq ORDER BY log FOR UPDATE LOOP
      IF r.log = 'audit' THEN a_last := r.last; ELSIF r.log = 'access' THEN c_last := r.last; END IF;
    END LOOP;
    locked_at := extract(epoch FROM clock_timestamp()) * 1000;
    IF n_audit > 0 THEN
      -- A statement of its own, so its snapshot is taken after the lock was granted (the previous
      -- holder's edge included), as the client path's second statement.
      SELECT t.size, t.first_seq, t.frontier INTO t_size, t_first, t_blob FROM audit_tree t WHERE t.id = 1;
      IF NOT FOUND THEN t_size := 0; t_first := a_last + 1; t_blob := ''::bytea; END IF;
      IF t_size = 0 AND t_first <> a_last + 1 THEN t_first := a_last + 1; END IF;
      IF t_first + t_size <> a_last + 1 THEN
        RAISE EXCEPTION 'the audit tree holds % leaves from seq % but the last seq is %: refusing to extend it', t_size, t_first, a_last;
      END IF;
      s := t_size;
      WHILE s > 0 LOOP bits := bits + (s % 2)::INTEGER; s := s / 2; END LOOP;
      IF length(t_blob) <> bits * 32 THEN
        RAISE EXCEPTION 'the stored tree edge has % bytes; a tree of % needs %', length(t_blob), t_size, bits * 32;
      END IF;
      FOR i IN 0 .. bits - 1 LOOP frontier := frontier || substring(t_blob FROM i * 32 + 1 FOR 32); END LOOP;
      FOR i IN 1 .. n_audit LOOP
        h := sha256('\\x00'::bytea || convert_to('["bella-audit-entry/1",' || (a_last + i)::text, 'UTF8') || suffixes[i]);
        lvl := 0;
        idx := t_size;
        levels := levels || lvl::SMALLINT; idxs := idxs || idx; hashes := hashes || h;
        WHILE idx % 2 = 1 LOOP
          h := sha256('\\x01'::bytea || frontier[array_length(frontier, 1)] || h);
          frontier := frontier[1 : array_length(frontier, 1) - 1];
          lvl := lvl + 1;
          idx := idx / 2;
          levels := levels || lvl::SMALLINT; idxs := idxs || idx; hashes := hashes || h;
        END LOOP;
        frontier := frontier || h;
        t_size := t_size + 1;
      END LOOP;
      INSERT INTO audit_tree_nodes (level, idx, hash) SELECT * FROM unnest(levels, idxs, hashes);
      FOR i IN 1 .. coalesce(array_length(frontier, 1), 0) LOOP packed := packed || frontier[i]; END LOOP;
      UPDATE audit_tree SET size = t_size, first_seq = t_first, frontier = packed WHERE id = 1;
    END IF;
    UPDATE log_seq SET last = CASE log WHEN 'audit' THEN a_last + n_audit ELSE c_last + n_access END;
    audit_first := a_last + 1;
    access_first := c_last + 1;
    PERFORM set_config('bella.audit_first', audit_first::text, true), set_config('bella.access_first', access_first::text, true);
    RETURN NEXT;
  END
  $$;
  `,
];

/** Key of the session advisory lock that serialises migrations of several nodes starting at once. */
export const MIGRATION_LOCK_KEY = 0x6265_6c6c; // 'bell'

/**
 * Applies pending migrations. Holds an advisory lock for the whole run, so when several nodes start
 * together one migrates and the others wait, then find nothing left to do.
 */
export async function runMigrations(client: pg.ClientBase): Promise<number> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    await client.query(
      'CREATE TABLE IF NOT EXISTS bella_schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
    );
    const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM bella_schema_migrations');
    const current = r.rows[0]?.v ?? 0;
    for (let i = current; i < PG_MIGRATIONS.length; i++) {
      await client.query('BEGIN');
      try {
        await client.query(PG_MIGRATIONS[i] as string);
        await client.query('INSERT INTO bella_schema_migrations (version) VALUES ($1)', [i + 1]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw e;
      }
    }
    return PG_MIGRATIONS.length - current;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  }
}
