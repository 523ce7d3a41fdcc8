import type { SignatureUsePort, SignatureUsesTx } from '../ports.js';
import type { SqlDb } from './db.js';

/** Used request signatures (identity/replay-guard.ts): one row per accepted signed request. */
export function signatureUsesPort(db: SqlDb): SignatureUsePort {
  return { count: async () => Number((await db.one('SELECT COUNT(*) AS n FROM signature_uses'))?.n ?? 0) };
}

export function signatureUsesTx(db: SqlDb): SignatureUsesTx {
  return {
    claim: async (keyId, signatureHash, expiresAt) =>
      (await db.run('INSERT INTO signature_uses (key_id, signature_hash, expires_at) VALUES (?, ?, ?) ON CONFLICT (key_id, signature_hash) DO NOTHING', [
        keyId, signatureHash, expiresAt,
      ])) === 1,
    prune: (now, limit) =>
      db.run(
        'DELETE FROM signature_uses WHERE (key_id, signature_hash) IN (SELECT key_id, signature_hash FROM signature_uses WHERE expires_at < ? ORDER BY expires_at LIMIT ?)',
        [now, limit],
      ),
  };
}
