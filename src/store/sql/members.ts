import type { MemberPort, MembersTx } from '../ports.js';
import { memberFromRow } from '../rows.js';
import type { SqlDb, SqlDialect } from './db.js';

const WITH_USER = 'SELECT m.*, u.email, u.name FROM members m JOIN users u ON u.id = m.user_id';

function listOfProject(db: SqlDb, d: SqlDialect, projectId: string) {
  return db
    .all(`${WITH_USER} WHERE m.project_id = ? ORDER BY ${d.byteOrder('m.environment_id')}, ${d.byteOrder('u.email')}`, [projectId])
    .then((rows) => rows.map(memberFromRow));
}

/** Project and environment memberships; environment_id '' stands for the project itself. */
export function membersPort(db: SqlDb, d: SqlDialect): MemberPort {
  return {
    listOfProject: (projectId) => listOfProject(db, d, projectId),
    listOfUser: async (userId) => (await db.all(`${WITH_USER} WHERE m.user_id = ?`, [userId])).map(memberFromRow),
  };
}

export function membersTx(db: SqlDb, d: SqlDialect): MembersTx {
  const roleOf = async (projectId: string, environmentId: string | null, userId: string) =>
    ((await db.one(`SELECT role FROM members WHERE project_id = ? AND environment_id = ? AND user_id = ?${d.forUpdate}`, [
      projectId, environmentId ?? '', userId,
    ]))?.role as string | undefined) ?? null;
  return {
    async lockProject(projectId) {
      // One lock per project serialises its membership changes across nodes (the rows themselves
      // cannot: a concurrent insert is not blocked by locks on the existing rows).
      await db.one(`SELECT id FROM projects WHERE id = ?${d.forUpdate}`, [projectId]);
      return listOfProject(db, d, projectId);
    },
    async upsert(projectId, environmentId, userId, role) {
      const prev = await roleOf(projectId, environmentId, userId);
      await db.run(
        `INSERT INTO members (project_id, environment_id, user_id, role) VALUES (?, ?, ?, ?)
         ON CONFLICT (project_id, environment_id, user_id) DO UPDATE SET role = excluded.role`,
        [projectId, environmentId ?? '', userId, role],
      );
      return prev;
    },
    async delete(projectId, environmentId, userId) {
      const prev = await roleOf(projectId, environmentId, userId);
      if (prev === null) return null;
      await db.run('DELETE FROM members WHERE project_id = ? AND environment_id = ? AND user_id = ?', [projectId, environmentId ?? '', userId]);
      return prev;
    },
  };
}
