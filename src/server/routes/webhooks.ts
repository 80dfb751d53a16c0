/**
 * Code-host webhooks, authenticated by the host's signature instead of a token:
 *
 *   POST /webhooks/github   X-GitHub-Event, X-Hub-Signature-256 (HMAC-SHA256 of the raw body)
 *   POST /webhooks/gitlab   X-Gitlab-Event, X-Gitlab-Token (the shared secret itself)
 *
 * The secret in force is the most specific one an admin set: for the repository, else its
 * organisation, else server-wide. A delivery that fails the check is refused with 401 before
 * anything is written, and before its body is parsed: anyone may send one, so the check
 * comes first and costs as little as it can (see `receive`). The body itself is limited
 * (app.ts, DEFAULT_MAX_WEBHOOK_BODY_BYTES) before any of it is read. A verified delivery is mapped by src/evidence/code-host.ts and kept
 * as an observed `external_events` row linked to the commits it names and the checkpoints
 * the server holds for them; a review also counts towards the review status of the
 * checkpoints of every commit of its pull request (review-coverage.ts).
 *
 * A delivery is stored once: by its delivery id, and by the SHA-256 of its raw body, which
 * is what GitHub's signature covers (the delivery id header is not signed, so a captured
 * delivery re-sent with a new id, or none, is the same delivery). GitLab's token signs
 * nothing, so there the body hash catches only an exact replay. A GitHub review is also
 * stored once per review id, whatever body brought it. Each of these answers 200 duplicate.
 */
import type { Context } from 'hono';
import { sha256Hex } from '../../core/hash.js';
import { redactValue } from '../../core/redact.js';
import type { CodeHost, CodeHostEvent } from '../../evidence/code-host.js';
import {
  parseGitHubEvent,
  parseGitLabEvent,
  verifyGitHubSignature,
  verifyGitLabToken,
} from '../../evidence/code-host.js';
import type { AppDeps, TrailApp } from '../app.js';
import { orgOf } from '../auth.js';
import type { Queryable } from '../db/database.js';
import { ApiError, badRequest } from '../errors.js';
import { branchTipByHostPush } from '../host-pushes.js';
import { checkedRepoName, ZERO_SHA } from '../http.js';
import { ensureRepo } from '../repos.js';
import { coverReviews } from '../review-coverage.js';
import { refreshReviewStatus } from '../review-state.js';

/**
 * A string value under the key each host names a delivery's repository with (see repoNameIn):
 * JSON string characters (no quote, backslash or control character unescaped), 512 at most.
 */
const NAME_PATTERN: Record<CodeHost, RegExp> = {
  github: /"full_name"\s*:\s*"((?:[^"\\\u0000-\u001f]|\\.){1,512})"/g,
  gitlab: /"path_with_namespace"\s*:\s*"((?:[^"\\\u0000-\u001f]|\\.){1,512})"/g,
};

/** Repository names read from a raw body to choose the secrets to try; see namesIn. */
const MAX_NAME_HINTS = 8;

function repoNameIn(host: CodeHost, payload: unknown): string | undefined {
  const p = payload as {
    repository?: { full_name?: unknown };
    project?: { path_with_namespace?: unknown };
  } | null;
  const name = host === 'github' ? p?.repository?.full_name : p?.project?.path_with_namespace;
  return typeof name === 'string' && name.length > 0 ? name : undefined;
}

/**
 * The repository names a raw body may be about, found without parsing it: each string value
 * of the key repoNameIn reads, wherever it appears (a pull request's head and base carry one
 * too), the first MAX_NAME_HINTS distinct. They only choose which secrets to try: the
 * repository that decides is read from the parsed payload once a signature matched. Inside a
 * JSON string every quote is escaped, so a string value (a commit message, a review) cannot
 * add a name.
 */
function namesIn(host: CodeHost, text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(NAME_PATTERN[host])) {
    try {
      const name = JSON.parse(`"${match[1]}"`) as string;
      if (name.length > 0) names.add(name);
    } catch {
      // not a JSON string after all: no hint
    }
    if (names.size >= MAX_NAME_HINTS) break;
  }
  return [...names];
}

/** A secret an admin set, with the scope it was set for (`''` for a server-wide one). */
interface ScopedSecret {
  kind: 'repo' | 'org' | 'global';
  scope: string;
  secret: string;
}

/**
 * Every secret that could be in force for one of these repositories: the newest set for each
 * of them, for each one's organisation, and server-wide.
 */
async function candidateSecrets(
  db: Queryable,
  host: CodeHost,
  names: readonly string[],
): Promise<ScopedSecret[]> {
  const orgs = names.map(orgOf).filter((org) => org.length > 0);
  const result = await db.query<{ scope_kind: ScopedSecret['kind']; scope: string; secret: string }>(
    `SELECT DISTINCT ON (scope_kind, scope) scope_kind, scope, secret FROM webhook_secrets
     WHERE host = $1 AND ((scope_kind = 'repo' AND scope = ANY($2::text[]))
       OR (scope_kind = 'org' AND scope = ANY($3::text[])) OR scope_kind = 'global')
     ORDER BY scope_kind, scope, id DESC`,
    [host, names, orgs],
  );
  return result.rows.map((r) => ({ kind: r.scope_kind, scope: r.scope, secret: r.secret }));
}

/**
 * The secret in force for a repository, chosen among the candidates loaded for it: its own,
 * else its organisation's, else the server-wide one. `repoName` must be one of the names the
 * candidates were loaded for, or its own secret would be missing from them.
 */
function secretInForce(
  candidates: readonly ScopedSecret[],
  repoName: string | undefined,
): string | undefined {
  const find = (kind: ScopedSecret['kind'], scope: string) =>
    candidates.find((c) => c.kind === kind && c.scope === scope)?.secret;
  const org = repoName ? orgOf(repoName) : '';
  return (
    (repoName ? find('repo', repoName) : undefined) ??
    (org ? find('org', org) : undefined) ??
    find('global', '')
  );
}

/** GitHub's id of a submitted review (`review.id`); GitLab's approvals carry none. */
function hostReviewId(host: CodeHost, payload: unknown): string | null {
  if (host !== 'github') return null;
  const id = (payload as { review?: { id?: unknown } } | null)?.review?.id;
  return (typeof id === 'number' && Number.isSafeInteger(id)) || (typeof id === 'string' && id.length > 0)
    ? String(id).slice(0, 64)
    : null;
}

/** Thrown inside the storing transaction to undo it: what it held was already stored. */
class AlreadyStored extends Error {}

function commitsOf(event: Exclude<CodeHostEvent, { type: 'ignored' }>): string[] {
  const list: Array<string | undefined> = [];
  switch (event.type) {
    case 'review':
      list.push(event.headSha);
      break;
    case 'merged':
      list.push(event.headSha, event.mergeCommitSha);
      break;
    case 'deployment':
      list.push(event.sha);
      break;
    case 'push':
      list.push(...event.commits, event.after);
      break;
  }
  return [...new Set(list.filter((s): s is string => typeof s === 'string' && !ZERO_SHA.test(s)))];
}

async function receive(c: Context, deps: AppDeps, host: CodeHost): Promise<Response> {
  const { db } = deps;
  const signatureHeader = host === 'github' ? 'X-Hub-Signature-256' : 'X-Gitlab-Token';
  const signature = c.req.header(signatureHeader);
  // Anyone can send a delivery, so the check costs as little as it can: no signature, no
  // reading; then the secrets that could be in force are tried over the raw bytes, and only a
  // body one of them signed is parsed (parsing megabytes of JSON costs far more than an HMAC).
  if (!signature) throw new ApiError('unauthorized', `the ${signatureHeader} header is missing`);
  if (host === 'github' && !/^sha256=[0-9a-fA-F]{64}$/.test(signature.trim())) {
    throw new ApiError('unauthorized', 'X-Hub-Signature-256 is not sha256= and 64 hex digits');
  }
  const raw = Buffer.from(await c.req.arrayBuffer());
  const text = raw.toString('utf8');
  const named = namesIn(host, text);
  const candidates = await candidateSecrets(db, host, named);
  if (candidates.length === 0) {
    throw new ApiError(
      'unauthorized',
      `no ${host} webhook secret is configured for ${named.length > 0 ? named.join(', ') : 'this server'}`,
    );
  }
  const mismatch = () =>
    new ApiError(
      'unauthorized',
      host === 'github'
        ? 'X-Hub-Signature-256 does not match the body signed with the webhook secret'
        : 'X-Gitlab-Token does not match the webhook secret',
    );
  // A secret set for several scopes is tried once.
  const signedWith = [...new Set(candidates.map((c) => c.secret))].filter((secret) =>
    host === 'github' ? verifyGitHubSignature(secret, raw, signature) : verifyGitLabToken(secret, signature),
  );
  if (signedWith.length === 0) throw mismatch();
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    throw badRequest('the webhook body is not JSON');
  }
  // A matching secret is not enough: it must be the one in force for the repository the
  // payload is about (a repository's own secret overrides its organisation's). The candidates
  // already hold it when that repository is one of the names read from the raw body, as it
  // is in the deliveries code hosts send; a body that hides it from that reading (its key
  // written with escapes, or past the first MAX_NAME_HINTS names) never had its secret tried.
  const repoName = checkedRepoName(repoNameIn(host, payload));
  if (repoName !== undefined && !named.includes(repoName)) {
    throw new ApiError(
      'unauthorized',
      `the payload's repository ${repoName} is not among the repository names read from the raw body, so its webhook secret was not tried`,
    );
  }
  const secret = secretInForce(candidates, repoName);
  if (!secret) {
    throw new ApiError(
      'unauthorized',
      `no ${host} webhook secret is configured for ${repoName ?? 'this server'}`,
    );
  }
  if (!signedWith.includes(secret)) throw mismatch();
  const eventName = c.req.header(host === 'github' ? 'x-github-event' : 'x-gitlab-event') ?? '';
  if (!eventName)
    throw badRequest(`the ${host === 'github' ? 'X-GitHub-Event' : 'X-Gitlab-Event'} header is missing`);
  const event =
    host === 'github' ? parseGitHubEvent(eventName, payload) : parseGitLabEvent(eventName, payload);
  if (event.type === 'ignored') return c.json({ ignored: event.reason }, 202);

  const delivery =
    (host === 'github'
      ? c.req.header('x-github-delivery')
      : (c.req.header('x-gitlab-event-uuid') ?? c.req.header('x-gitlab-webhook-uuid'))) ?? null;
  const commits = commitsOf(event);
  const bodyHash = sha256Hex(raw);
  const stored = await db
    .transaction(async (tx) => {
      const repo = await ensureRepo(tx, event.repo, `webhook:${host}`);
      const inserted = await tx.query<{ id: number; checkpoints: string[] }>(
        `INSERT INTO external_events (repo_id, host, delivery_id, event_name, event_type, commits, checkpoints, event)
         SELECT $1, $2, $3, $4, $5, $6::text[],
           coalesce((SELECT array_agg(DISTINCT record_id) FROM checkpoints WHERE repo_id = $1 AND commit_sha = ANY($6::text[])), '{}'),
           $7::jsonb
         ON CONFLICT (host, delivery_id) DO NOTHING
         RETURNING id, checkpoints`,
        [
          repo.id,
          host,
          delivery?.slice(0, 256) ?? null,
          eventName.slice(0, 128),
          event.type,
          commits,
          // A review's body or a deployment URL may quote a secret: kept redacted, like everything stored.
          JSON.stringify(redactValue(event).value),
        ],
      );
      const row = inserted.rows[0];
      if (!row) throw new AlreadyStored();
      const first = await tx.query(
        `INSERT INTO webhook_deliveries (host, body_sha256, delivery_id, external_event_id)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING body_sha256`,
        [host, bodyHash, delivery?.slice(0, 256) ?? null, row.id],
      );
      // Under the body's primary key, a concurrent copy of this delivery waits for this
      // transaction and then finds the row.
      if (first.rows.length === 0) throw new AlreadyStored();
      if (event.type === 'review') {
        // A GitLab approval names its target branch, not a commit: the branch's tip by the
        // host's own latest push webhook stands for the base (trail import gitlab-approval
        // takes the merge-base with it in a clone), so the approval covers the merge request's
        // commits; with no push webhook received, its head alone, as before.
        const base =
          event.baseSha ??
          (event.baseRef ? await branchTipByHostPush(tx, repo.id, host, event.baseRef) : undefined);
        const review = await tx.query<{ id: string | number }>(
          `INSERT INTO reviews (repo_id, commit_sha, base_sha, reviewer, decision, time, source, external_event_id, host_review_id)
           VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7, $8, $9)
           ON CONFLICT (repo_id, source, host_review_id) WHERE host_review_id IS NOT NULL DO NOTHING
           RETURNING id`,
          [
            repo.id,
            event.headSha,
            base ?? null,
            event.reviewer,
            event.decision,
            event.at,
            host,
            row.id,
            hostReviewId(host, payload),
          ],
        );
        const reviewId = review.rows[0]?.id;
        if (reviewId === undefined) throw new AlreadyStored();
        // The review covers every commit of the pull request the server knows of, and more
        // as they are pushed (review-coverage.ts).
        const covered = await coverReviews(tx, repo.id, [reviewId]);
        await refreshReviewStatus(tx, repo.id, { commits: [event.headSha, ...covered], checkpoints: [] });
      }
      return { id: Number(row.id), checkpoints: row.checkpoints };
    })
    .catch((error: unknown) => {
      if (error instanceof AlreadyStored) return undefined;
      throw error;
    });
  if (!stored) return c.json({ duplicate: true, delivery }, 200);
  return c.json(
    { id: stored.id, type: event.type, repo: event.repo, commits, checkpoints: stored.checkpoints },
    201,
  );
}

export function register(app: TrailApp, deps: AppDeps): void {
  app.post('/webhooks/github', (c) => receive(c, deps, 'github'));
  app.post('/webhooks/gitlab', (c) => receive(c, deps, 'gitlab'));
}
