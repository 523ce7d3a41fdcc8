import type { Store, StoreTx } from '../ports.js';
import { apiKeysPort, apiKeysTx } from './api-keys.js';
import { checkpointsTx } from './audit-tree.js';
import type { SqlDb, SqlDialect } from './db.js';
import { issuedTokensPort, issuedTokensTx } from './issued-tokens.js';
import { loginAttemptsPort, loginAttemptsTx } from './login-attempts.js';
import { membersPort, membersTx } from './members.js';
import { projectsPort, projectsTx } from './projects.js';
import { secretsPort, secretsTx } from './secrets.js';
import { settingsPort, settingsTx } from './settings.js';
import { signatureUsesPort, signatureUsesTx } from './signature-uses.js';
import { sshPort, sshTx } from './ssh.js';
import { providersPort, providersTx } from './providers.js';
import { credentialLeasesPort, credentialLeasesTx } from './credential-leases.js';
import { trustDomainsPort, trustDomainsTx } from './trust-domains.js';
import { streamsPort, streamsTx } from './streams.js';
import { usersPort, usersTx } from './users.js';
import { personalTx } from './personal.js';

/** The read ports of the entity tables over a reader (committed data only). */
export function entityPorts(db: SqlDb, d: SqlDialect): Pick<Store, 'cacheVersion' | 'users' | 'projects' | 'members' | 'secrets' | 'apiKeys' | 'settings' | 'ssh' | 'providers' | 'credentialLeases' | 'loginAttempts' | 'signatureUses' | 'issuedTokens' | 'trustDomains' | 'streams'> {
  return {
    cacheVersion: async () => Number((await db.one('SELECT v FROM cache_version WHERE id = 1'))?.v ?? 0),
    users: usersPort(db, d),
    projects: projectsPort(db, d),
    members: membersPort(db, d),
    secrets: secretsPort(db, d),
    apiKeys: apiKeysPort(db),
    settings: settingsPort(db),
    ssh: sshPort(db),
    providers: providersPort(db),
    credentialLeases: credentialLeasesPort(db),
    loginAttempts: loginAttemptsPort(db),
    signatureUses: signatureUsesPort(db),
    issuedTokens: issuedTokensPort(db),
    trustDomains: trustDomainsPort(db, d),
    streams: streamsPort(db),
  };
}

/** The write side of every port over the unit of work's transaction connection. */
export function storeTx(db: SqlDb, d: SqlDialect): StoreTx {
  return {
    personal: personalTx(db),
    users: usersTx(db),
    projects: projectsTx(db),
    members: membersTx(db, d),
    secrets: secretsTx(db, d),
    apiKeys: apiKeysTx(db),
    settings: settingsTx(db),
    ssh: sshTx(db),
    providers: providersTx(db),
    credentialLeases: credentialLeasesTx(db),
    loginAttempts: loginAttemptsTx(db, d),
    signatureUses: signatureUsesTx(db),
    issuedTokens: issuedTokensTx(db),
    trustDomains: trustDomainsTx(db),
    checkpoints: checkpointsTx(db),
    streams: streamsTx(db),
  };
}
