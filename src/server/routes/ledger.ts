/**
 * Ledger verification status, as the server witnesses it:
 *
 *   GET /api/v1/ledger?repo=        per repository and writer: size, root, newest head, alerts;
 *                                   per repository, whether its key set is locked and which keys wait
 *   GET /api/v1/alerts?repo=&since=&limit=   refused pushes that looked like tampering
 */
import { reposToRead } from '../access-log.js';
import type { AppDeps, TrailApp } from '../app.js';
import { requirePermission } from '../auth.js';
import { queryInt, queryTime } from '../http.js';
import { keySetSummary } from '../key-approval.js';
import { listAlerts, writerStatuses } from '../ledger-state.js';

export function register(app: TrailApp, { db }: AppDeps): void {
  app.get('/api/v1/ledger', async (c) => {
    const token = c.get('token');
    requirePermission(token, 'ledger');
    const scoped = await reposToRead(c, db);
    const repos =
      scoped ??
      (
        await db.query<{ id: number; name: string; org: string }>(
          'SELECT id, name, org FROM repos ORDER BY name',
        )
      ).rows.map((r) => ({ id: Number(r.id), name: r.name, org: r.org }));
    const out = [];
    for (const repo of repos) {
      const [writers, keySet] = await Promise.all([writerStatuses(db, repo.id), keySetSummary(db, repo.id)]);
      const alerts = writers.reduce((n, w) => n + w.alerts, 0);
      out.push({
        repo: repo.name,
        org: repo.org,
        writers,
        entries: writers.reduce((n, w) => n + w.size, 0),
        alerts,
        status: alerts > 0 ? 'alerts' : 'consistent',
        keySet,
      });
    }
    return c.json({ repos: out });
  });

  app.get('/api/v1/alerts', async (c) => {
    const token = c.get('token');
    requirePermission(token, 'ledger');
    const scoped = await reposToRead(c, db);
    const alerts = await listAlerts(db, scoped ? scoped.map((r) => r.id) : null, {
      since: queryTime(c, 'since'),
      limit: queryInt(c, 'limit', 100, 1, 1000),
    });
    return c.json({ alerts });
  });
}
