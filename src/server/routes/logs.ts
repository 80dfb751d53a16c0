/**
 * The ledger's wire protocol, used by `trail push` and `trail pull`:
 *
 *   GET  /api/v1/repos                                         repositories in the token's scope
 *   POST /api/v1/repos/:repo/keys                               register trusted keys (ingest)
 *   GET  /api/v1/repos/:repo/writers                            each writer's size, root, newest head
 *   POST /api/v1/repos/:repo/writers/:writer/entries            push entries + heads (ingest)
 *   POST /api/v1/repos/:repo/writers/:writer/stamps             push RFC 3161 tokens over heads (ingest)
 *   GET  /api/v1/repos/:repo/writers/:writer/stamps?after=      pull the tokens over heads past a size
 *   GET  /api/v1/repos/:repo/writers/:writer/entries?from=&limit=   pull entries + heads
 *   GET  /api/v1/repos/:repo/writers/:writer/consistency?from=&to=  RFC 9162 consistency proof
 *   POST /api/v1/repos/:repo/commits                            push the branch's commits (ingest)
 *   POST /api/v1/repos/:repo/policy                             push .trail/policy.yml (ingest)
 */
import type { Context } from 'hono';
import type { AppDeps, AppEnv, TrailApp } from '../app.js';
import { inScope, isGlobal, requirePermission, requireScope } from '../auth.js';
import { parseCommits, storeCommits, storePolicy } from '../commits.js';
import { ApiError } from '../errors.js';
import { queryInt, readJson } from '../http.js';
import { checkWriterId, ingest, registerKeys } from '../ingest.js';
import { keyInForce, keySetState } from '../key-approval.js';
import { consistencyBetween, headFromRow, isoTime, loadState, writerStatuses } from '../ledger-state.js';
import { listStamps, storeStamps } from '../log-stamps.js';
import { pushSigner } from '../push-signatures.js';
import { checkRepoName, ensureRepo, repoForRequest } from '../repos.js';

const MAX_PULL = 10_000;

export function register(app: TrailApp, { db, now, timestampAuthorities }: AppDeps): void {
  app.get('/api/v1/repos', async (c) => {
    const token = c.get('token');
    const result = await db.query<{
      id: number;
      name: string;
      org: string;
      created_at: Date;
      writers: number;
      entries: number;
    }>(
      `SELECT r.id, r.name, r.org, r.created_at,
         (SELECT count(DISTINCT writer_id) FROM log_states s WHERE s.repo_id = r.id) AS writers,
         (SELECT coalesce(sum(m.size), 0) FROM (
            SELECT max(size) AS size FROM log_states s WHERE s.repo_id = r.id GROUP BY writer_id) m) AS entries
       FROM repos r ORDER BY r.name`,
    );
    const repos = result.rows
      .filter((r) => isGlobal(token) || inScope(token, r.name))
      .map((r) => ({
        name: r.name,
        org: r.org,
        createdAt: isoTime(r.created_at),
        writers: Number(r.writers),
        entries: Number(r.entries),
      }));
    return c.json({ repos });
  });

  app.post('/api/v1/repos/:repo/keys', async (c) => {
    const token = c.get('token');
    const name = checkRepoName(c.req.param('repo'));
    c.set('auditRepo', name);
    requirePermission(token, 'ingest');
    requireScope(token, name);
    const body = await readJson(c);
    const repo = await ensureRepo(db, name, token.id);
    const result = await registerKeys(db, repo, body.keys, token.id, now().getTime());
    return c.json({ repo: repo.name, ...result });
  });

  app.get('/api/v1/repos/:repo/writers', async (c) => {
    const token = c.get('token');
    c.set('auditRepo', c.req.param('repo'));
    requirePermission(token, 'pull');
    const repo = await repoForRequest(db, token, c.req.param('repo'));
    const [writers, keys, keySet] = await Promise.all([
      writerStatuses(db, repo.id),
      db.query<{ key_id: string; public_key: string; name: string | null; revoked_at: string | null }>(
        'SELECT key_id, public_key, name, revoked_at FROM repo_keys WHERE repo_id = $1 ORDER BY id',
        [repo.id],
      ),
      keySetState(db, repo.id),
    ]);
    const keyBy = new Map<string, { publicKey: string; name: string | null; revokedAt: string | null }>();
    for (const k of keys.rows) {
      const known = keyBy.get(k.key_id);
      if (!known) keyBy.set(k.key_id, { publicKey: k.public_key, name: k.name, revokedAt: k.revoked_at });
      else if (!known.revokedAt && k.revoked_at) known.revokedAt = k.revoked_at;
    }
    return c.json({
      repo: repo.name,
      writers: writers.map((w) => ({
        ...w,
        key: keyBy.get(w.writerId) ?? null,
        stampedTo: w.timestamp?.size ?? 0,
      })),
      keys: [...keyBy].map(([keyId, k]) => ({ keyId, ...k, inForce: keyInForce(keySet, keyId) })),
      keySetLocked: keySet.locked,
    });
  });

  /** What every pull route of one writer's log starts with: a pull token in scope, its repository, the writer. */
  const pullRequest = async (c: Context<AppEnv>) => {
    const token = c.get('token');
    const name = c.req.param('repo') ?? '';
    c.set('auditRepo', name);
    requirePermission(token, 'pull');
    const repo = await repoForRequest(db, token, name);
    return { repo, writerId: checkWriterId(c.req.param('writer') ?? '') };
  };

  /** What every push route starts with: an ingest token in scope, its repository, the body. */
  const ingestRequest = async (c: Context<AppEnv>) => {
    const token = c.get('token');
    const name = checkRepoName(c.req.param('repo') ?? '');
    c.set('auditRepo', name);
    requirePermission(token, 'ingest');
    const repo = await repoForRequest(db, token, name);
    return { token, repo, body: await readJson(c) };
  };

  app.post('/api/v1/repos/:repo/writers/:writer/entries', async (c) => {
    const { token, repo, body } = await ingestRequest(c);
    const result = await ingest(
      db,
      repo,
      {
        writerId: c.req.param('writer'),
        writerName: typeof body.writerName === 'string' ? body.writerName : undefined,
        from: typeof body.from === 'number' ? body.from : Number.NaN,
        entries: body.entries,
        heads: body.heads,
      },
      token.id,
      now().getTime(),
    );
    return c.json(result);
  });

  // Tokens over heads the server holds, kept where they vouch (log-stamps.ts). Not signed by the
  // clone: a token is the authority's signature over a head the writer key signed.
  app.post('/api/v1/repos/:repo/writers/:writer/stamps', async (c) => {
    const { token, repo, body } = await ingestRequest(c);
    const result = await storeStamps(
      db,
      repo,
      c.req.param('writer'),
      body.stamps,
      timestampAuthorities,
      token.id,
      now().getTime(),
    );
    return c.json({ repo: repo.name, writerId: c.req.param('writer'), ...result });
  });

  // Signed by the clone's writer key where the key set is locked (push-signatures.ts).
  app.post('/api/v1/repos/:repo/commits', async (c) => {
    const { token, repo, body } = await ingestRequest(c);
    const commits = parseCommits(body.commits);
    const signedBy = await pushSigner(
      db,
      { repo, what: 'commits', body: { commits: body.commits }, signature: body.signature },
      now(),
    );
    return c.json({
      repo: repo.name,
      ...(await storeCommits(db, repo, commits, token.id, signedBy)),
    });
  });

  app.post('/api/v1/repos/:repo/policy', async (c) => {
    const { token, repo, body } = await ingestRequest(c);
    const signed = { commit: body.commit, policy: body.policy };
    const signedBy = await pushSigner(
      db,
      { repo, what: 'policy', body: signed, signature: body.signature },
      now(),
    );
    // trackedSince has its own signature (core/push-signature.ts), held to the same rule; an
    // older clone sends neither.
    if (body.trackedSince !== undefined) {
      await pushSigner(
        db,
        {
          repo,
          what: 'tracked-since',
          body: { commit: body.commit, trackedSince: body.trackedSince },
          signature: body.trackedSinceSignature,
        },
        now(),
      );
    }
    const result = await storePolicy(
      db,
      repo,
      { ...signed, trackedSince: body.trackedSince },
      token.id,
      signedBy,
    );
    return c.json({ repo: repo.name, ...result });
  });

  app.get('/api/v1/repos/:repo/writers/:writer/entries', async (c) => {
    const { repo, writerId } = await pullRequest(c);
    const from = queryInt(c, 'from', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = queryInt(c, 'limit', 1000, 1, MAX_PULL);
    const state = await loadState(db, repo.id, writerId);
    const entries = await db.query<{ seq: number; line: string }>(
      `SELECT seq, line FROM ledger_entries WHERE repo_id = $1 AND writer_id = $2 AND seq >= $3 AND seq < $4
       ORDER BY seq`,
      [repo.id, writerId, from, from + limit],
    );
    const lines = entries.rows.map((r) => r.line);
    if (
      entries.rows.some((r, i) => Number(r.seq) !== from + i) ||
      (lines.length === 0 && from < state.size)
    ) {
      throw new ApiError('gone', `entries of writer ${writerId} from ${from} were purged by retention`);
    }
    const to = from + lines.length;
    const heads = await db.query<{
      writer_id: string;
      size: number;
      root: string;
      last: string;
      head_time: string;
      key_id: string;
      sig: string;
    }>(
      `SELECT writer_id, size, root, last, head_time, key_id, sig FROM tree_heads
       WHERE repo_id = $1 AND writer_id = $2 AND size > $3 AND size <= $4 ORDER BY size, id`,
      [repo.id, writerId, from, to],
    );
    return c.json({
      writerId,
      from,
      size: state.size,
      entries: lines,
      heads: heads.rows.map(headFromRow),
    });
  });

  app.get('/api/v1/repos/:repo/writers/:writer/stamps', async (c) => {
    const { repo, writerId } = await pullRequest(c);
    const after = queryInt(c, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
    return c.json({ writerId, stamps: await listStamps(db, repo.id, writerId, after) });
  });

  app.get('/api/v1/repos/:repo/writers/:writer/consistency', async (c) => {
    const { repo, writerId } = await pullRequest(c);
    const state = await loadState(db, repo.id, writerId);
    const to = queryInt(c, 'to', state.size, 0, state.size);
    const from = queryInt(c, 'from', 0, 0, to);
    return c.json(await consistencyBetween(db, repo.id, writerId, from, to));
  });
}
