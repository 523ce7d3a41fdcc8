import type { ProjectPort, ProjectsTx } from '../ports.js';
import { environmentFromRow, projectFromRow } from '../rows.js';
import type { SqlDb, SqlDialect } from './db.js';

/** Projects and their environments. */
export function projectsPort(db: SqlDb, d: SqlDialect): ProjectPort {
  return {
    getBySlug: async (slug) => {
      const x = await db.one('SELECT * FROM projects WHERE slug = ?', [slug]);
      return x && projectFromRow(x);
    },
    getById: async (id) => {
      const x = await db.one('SELECT * FROM projects WHERE id = ?', [id]);
      return x && projectFromRow(x);
    },
    list: async () => (await db.all(`SELECT * FROM projects ORDER BY ${d.byteOrder('slug')}`)).map(projectFromRow),
    getEnvironment: async (projectId, slug) => {
      const x = await db.one('SELECT * FROM environments WHERE project_id = ? AND slug = ?', [projectId, slug]);
      return x && environmentFromRow(x);
    },
    getEnvironmentById: async (id) => {
      const x = await db.one('SELECT * FROM environments WHERE id = ?', [id]);
      return x && environmentFromRow(x);
    },
    listEnvironments: async (projectId) =>
      (await db.all(`SELECT * FROM environments WHERE project_id = ? ORDER BY ${d.byteOrder('slug')}`, [projectId])).map(environmentFromRow),
  };
}

export function projectsTx(db: SqlDb): ProjectsTx {
  return {
    async insert(p) {
      await db.run('INSERT INTO projects (id, slug, name, wrapped_key, created_at) VALUES (?, ?, ?, ?, ?)', [p.id, p.slug, p.name, p.wrappedKey, p.createdAt]);
    },
    async insertEnvironment(e) {
      await db.run('INSERT INTO environments (id, project_id, slug, name, created_at, restricted) VALUES (?, ?, ?, ?, ?, ?)', [
        e.id, e.projectId, e.slug, e.name, e.createdAt, e.restricted,
      ]);
    },
    setRestricted: async (environmentId, restricted) =>
      (await db.run('UPDATE environments SET restricted = ? WHERE id = ? AND restricted <> ?', [restricted, environmentId, restricted])) > 0,
  };
}
