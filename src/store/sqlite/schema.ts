/** SQLite migrations, applied in order inside one transaction each; user_version records progress. */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    admin INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
  );
  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
  );
  CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    wrapped_key BLOB NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE environments (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (project_id, slug)
  );
  CREATE TABLE members (
    project_id TEXT NOT NULL REFERENCES projects(id),
    environment_id TEXT NOT NULL DEFAULT '' ,
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
    deleted INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    updated_by TEXT,
    UNIQUE (environment_id, key)
  );
  CREATE TABLE secret_versions (
    secret_id TEXT NOT NULL REFERENCES secrets(id),
    version INTEGER NOT NULL,
    ciphertext BLOB,
    created_at TEXT NOT NULL,
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
    wrapped_signing_key BLOB NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT,
    revoked_at TEXT
  );
  CREATE INDEX api_keys_env ON api_keys(project_id, environment_id);
  CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    ts TEXT NOT NULL,
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
    details TEXT NOT NULL
  );
  CREATE INDEX audit_project ON audit_log(project_slug, environment_slug, seq);
  CREATE INDEX audit_ts ON audit_log(ts);
  CREATE INDEX audit_actor_email ON audit_log(actor_email COLLATE NOCASE, seq);
  CREATE INDEX audit_actor_id ON audit_log(actor_id, seq);
  CREATE INDEX audit_actor_name ON audit_log(actor_name, seq);
  CREATE INDEX audit_event ON audit_log(event, seq);
  CREATE INDEX audit_outcome ON audit_log(outcome, seq);
  CREATE INDEX audit_request ON audit_log(request_id);
  CREATE INDEX audit_resource ON audit_log(resource, seq);
  CREATE TABLE access_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    ts TEXT NOT NULL,
    request_id TEXT NOT NULL,
    method TEXT NOT NULL,
    route TEXT,
    path TEXT NOT NULL,
    status INTEGER NOT NULL,
    duration_ms REAL NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    actor_email TEXT,
    actor_name TEXT,
    actor_ip TEXT,
    user_agent TEXT,
    project_slug TEXT,
    environment_slug TEXT
  );
  CREATE INDEX access_project ON access_log(project_slug, environment_slug, seq);
  CREATE INDEX access_ts ON access_log(ts);
  CREATE INDEX access_request ON access_log(request_id);
  CREATE INDEX access_actor_email ON access_log(actor_email COLLATE NOCASE, seq);
  CREATE INDEX access_status ON access_log(status, seq);
  `,
  // 2: indexes for the page queries that had to sort (docs/BENCHMARKS.md, queries). (project_slug, seq)
  // serves a project alone in seq order and each branch of a projectIn list; outcome is served by two
  // partial indexes on the Denied rows only (a few percent of the log, so nearly free on the write
  // path) instead of (outcome, seq) on every row: Denied alone newest first, and Denied with events
  // (project and environment in the index are checked without reading the row). Queries must state
  // outcome = 'Denied' literally for SQLite to use them (log-sql.ts does, and names the second one).
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
    last_at INTEGER NOT NULL,
    locked_until INTEGER NOT NULL
  );
  CREATE INDEX login_attempts_last ON login_attempts(last_at);
  CREATE TABLE signature_uses (
    key_id TEXT NOT NULL,
    signature_hash TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (key_id, signature_hash)
  );
  CREATE INDEX signature_uses_expiry ON signature_uses(expires_at);
  `,
  // 4: an environment stays restricted (only its own members reach it) from its first environment
  // member on, until an owner lifts it; environments that have environment members now start so.
  `
  ALTER TABLE environments ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0;
  UPDATE environments SET restricted = 1 WHERE id IN (SELECT environment_id FROM members WHERE environment_id <> '');
  `,
  // 5: leases and trust tokens (issued_tokens: only the SHA-256 of each token's secret; a lease's
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
    created_at TEXT NOT NULL,
    created_by TEXT,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT,
    revoke_reason TEXT,
    expiry_recorded_at TEXT
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
    created_at TEXT NOT NULL,
    created_by TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (environment_id, name)
  );
  `,
  // 6: SSH certificate authorities, one per environment (ssh/): the private key sealed with the
  // project's data key, a serial counter so every certificate's serial is unique; and signing roles.
  `
  CREATE TABLE ssh_cas (
    environment_id TEXT PRIMARY KEY REFERENCES environments(id),
    public_key BLOB NOT NULL,
    sealed_private_key BLOB NOT NULL,
    next_serial BIGINT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE TABLE ssh_roles (
    environment_id TEXT NOT NULL REFERENCES environments(id),
    name TEXT NOT NULL,
    allowed_principals TEXT NOT NULL,
    allow_empty_principals INTEGER NOT NULL DEFAULT 0,
    default_extensions TEXT NOT NULL,
    allowed_extensions TEXT NOT NULL,
    critical_options TEXT NOT NULL,
    default_ttl_seconds INTEGER NOT NULL,
    max_ttl_seconds INTEGER NOT NULL,
    created_at TEXT NOT NULL,
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
    config_sealed BLOB NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT
  );
  CREATE TABLE provider_assignments (
    provider_id TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL REFERENCES projects(id),
    environment_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (provider_id, project_id, environment_id)
  );
  `,

  // 8 (SDK): the HMAC key the published SDK signs with (the key's secret, hex-decoded), wrapped by
  // the master key; NULL for keys created before, which sign only in Bella's own form. And the calling
  // application (X-App-Client, else X-Bella-Client) of every log row, actor.client on the wire.
  `
  ALTER TABLE api_keys ADD COLUMN wrapped_sdk_key BLOB;
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

  // 10: the verifiable Audit Log (docs/verification.md): each entry's salted commitment of its personal
  // fields; the Merkle tree's right edge (one row, extended by the batch runner in the committing
  // transaction; leaf 0 is the first entry committed after this migration); every complete node of
  // the tree (level 0 = leaf hashes), kept when retention deletes entries so proofs stay valid; the
  // signed checkpoints.
  `
  ALTER TABLE audit_log ADD COLUMN personal_salt TEXT;
  ALTER TABLE audit_log ADD COLUMN personal_hash TEXT;
  CREATE TABLE audit_tree (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL,
    first_seq INTEGER NOT NULL,
    frontier BLOB NOT NULL
  );
  INSERT INTO audit_tree (id, size, first_seq, frontier)
    VALUES (1, 0, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'), 0) + 1, x'');
  CREATE TABLE audit_tree_nodes (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
  ) WITHOUT ROWID;
  CREATE TABLE audit_checkpoints (
    size INTEGER PRIMARY KEY,
    root BLOB NOT NULL,
    note TEXT NOT NULL,
    signed_at TEXT NOT NULL
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
    sealed_secrets BLOB,
    filter TEXT NOT NULL,
    format TEXT NOT NULL,
    heartbeat_seconds INTEGER NOT NULL,
    state TEXT NOT NULL,
    cursor INTEGER NOT NULL,
    delivered INTEGER NOT NULL DEFAULT 0,
    last_success_at TEXT,
    last_error TEXT,
    last_error_at TEXT,
    failing_since TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT,
    updated_at TEXT NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX audit_streams_project ON audit_streams(project_slug);
  `,

  // 12 (issue 13): the read cache's version (src/store/read-cache.ts). Every change to a table the cache
  // holds rows of bumps it, in the transaction that makes the change, whoever writes; a node compares it
  // before serving a request from its cache, so a revocation committed anywhere holds on the next request.
  `
  CREATE TABLE cache_version (id INTEGER PRIMARY KEY CHECK (id = 1), v INTEGER NOT NULL);
  INSERT INTO cache_version (id, v) VALUES (1, 0);
  CREATE TRIGGER cache_version_users_insert AFTER INSERT ON users BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_users_update AFTER UPDATE ON users BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_users_delete AFTER DELETE ON users BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_sessions_insert AFTER INSERT ON sessions BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_sessions_update AFTER UPDATE ON sessions BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_sessions_delete AFTER DELETE ON sessions BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_projects_insert AFTER INSERT ON projects BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_projects_update AFTER UPDATE ON projects BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_projects_delete AFTER DELETE ON projects BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_environments_insert AFTER INSERT ON environments BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_environments_update AFTER UPDATE ON environments BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_environments_delete AFTER DELETE ON environments BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_members_insert AFTER INSERT ON members BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_members_update AFTER UPDATE ON members BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_members_delete AFTER DELETE ON members BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_secrets_insert AFTER INSERT ON secrets BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_secrets_update AFTER UPDATE ON secrets BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_secrets_delete AFTER DELETE ON secrets BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_secret_versions_insert AFTER INSERT ON secret_versions BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_secret_versions_update AFTER UPDATE ON secret_versions BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_secret_versions_delete AFTER DELETE ON secret_versions BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_api_keys_insert AFTER INSERT ON api_keys BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_api_keys_update AFTER UPDATE ON api_keys BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_api_keys_delete AFTER DELETE ON api_keys BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_issued_tokens_insert AFTER INSERT ON issued_tokens BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_issued_tokens_update AFTER UPDATE ON issued_tokens BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  CREATE TRIGGER cache_version_issued_tokens_delete AFTER DELETE ON issued_tokens BEGIN UPDATE cache_version SET v = v + 1 WHERE id = 1; END;
  `,
  // 13 (issue 13): fewer index entries per log row (src/store/README.md, "Log indexes"). One (project_slug,
  // seq, environment_slug) index per log replaces both (project_slug, environment_slug, seq) and
  // (project_slug, seq): a project alone or each projectIn branch walks it in seq order as before, and a
  // project with an environment walks the project's rows checking the environment from the index
  // itself (no row read for another environment). access_actor_email goes: no Access Log query can use
  // it (the actor filter ORs email, name and id, and the Access Log has no index on the name, so SQLite
  // walks the log; erasure compares lower(actor_email), which a NOCASE index does not serve).
  `
  DROP INDEX audit_project;
  DROP INDEX audit_project_seq;
  CREATE INDEX audit_project_seq_env ON audit_log(project_slug, seq, environment_slug);
  DROP INDEX access_project;
  DROP INDEX access_project_seq;
  DROP INDEX access_actor_email;
  CREATE INDEX access_project_seq_env ON access_log(project_slug, seq, environment_slug);
  `,
];
