/**
 * The server's schema as numbered migrations, applied in order and recorded in
 * `schema_migrations`. A migration is never edited once released: a change is a new one.
 * All of them run in one transaction under an advisory lock, so two servers starting at once
 * on the same PostgreSQL database neither race nor apply anything twice.
 *
 * The audit tables are append-only in the database itself (migration 4): a trigger refuses
 * every UPDATE, DELETE and TRUNCATE, whoever sends it. The single exception is the logged
 * retention purge (src/server/db/purge.ts): it first inserts a `purge_log` row, then sets
 * the transaction-local setting `trail.purge` to that row's id; the trigger lets a DELETE
 * through only when that row exists and was written by the same transaction. Setting
 * `trail.purge` alone therefore deletes nothing, and every deletion leaves its log row.
 */
import { rebuildGenerations } from '../commit-generations.js';
import { rebuildReviewCoverage } from '../review-coverage.js';
import { rebuildReviewStatus, refreshStatusOfFutureRevocations } from '../review-state.js';
import type { Database, Queryable } from './database.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Run after `sql`, in the same transaction: a step SQL alone cannot take (a rebuild by a shared rule). */
  run?: (tx: Queryable) => Promise<void>;
}

/**
 * The tables migration 4 made append-only. A released migration never changes, so tables
 * added later get their triggers in their own migration (appendOnly) and join AUDIT_TABLES.
 */
const AUDIT_TABLES_OF_MIGRATION_4 = [
  'repos',
  'repo_keys',
  'writers',
  'ledger_entries',
  'tree_heads',
  'log_states',
  'ledger_alerts',
  'checkpoints',
  'sessions',
  'prompts',
  'reviews',
  'external_events',
  'access_log',
  'webhook_secrets',
  'purge_log',
] as const;

/** Tables holding audit data: append-only (and purgeable only by the logged purge). */
export const AUDIT_TABLES = [
  ...AUDIT_TABLES_OF_MIGRATION_4,
  'commits',
  'repo_policies',
  'repo_key_locks',
  'repo_key_approvals',
  'webhook_deliveries',
  'purged_checkpoints',
  'log_stamps',
] as const;

/** The triggers that refuse UPDATE, DELETE and TRUNCATE on each table (see migration 4). */
function appendOnly(tables: readonly string[]): string {
  return tables
    .map(
      (t) => `CREATE TRIGGER ${t}_append_only BEFORE UPDATE OR DELETE ON ${t}
  FOR EACH ROW EXECUTE FUNCTION trail_append_only();
CREATE TRIGGER ${t}_no_truncate BEFORE TRUNCATE ON ${t}
  FOR EACH STATEMENT EXECUTE FUNCTION trail_append_only();`,
    )
    .join('\n');
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'ledger',
    sql: `
CREATE TABLE repos (
  id serial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  org text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text
);

-- Trusted writer keys per repository. A row with revoked_at is a revocation; keys are never
-- edited, and the earliest revocation of a key wins.
CREATE TABLE repo_keys (
  id bigserial PRIMARY KEY,
  repo_id integer NOT NULL REFERENCES repos (id),
  key_id text NOT NULL,
  public_key text NOT NULL,
  name text,
  revoked_at text,
  revoked_reason text,
  added_by text,
  added_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX repo_keys_key ON repo_keys (repo_id, key_id, id);

CREATE TABLE writers (
  repo_id integer NOT NULL REFERENCES repos (id),
  writer_id text NOT NULL,
  name text,
  first_seen timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (repo_id, writer_id)
);

-- Every log entry exactly as the writer stored it (the line is what was hashed and signed),
-- with the few facts the read side looks entries up by.
CREATE TABLE ledger_entries (
  repo_id integer NOT NULL REFERENCES repos (id),
  writer_id text NOT NULL,
  seq bigint NOT NULL,
  leaf_hash text NOT NULL,
  prev text NOT NULL,
  record_id text NOT NULL,
  kind text NOT NULL,
  record_time timestamptz NOT NULL,
  session_id text,
  commit_sha text,
  ref_id text,
  line text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  pushed_by text,
  PRIMARY KEY (repo_id, writer_id, seq)
);
CREATE INDEX ledger_entries_session ON ledger_entries (repo_id, session_id) WHERE session_id IS NOT NULL;
CREATE INDEX ledger_entries_commit ON ledger_entries (repo_id, commit_sha) WHERE commit_sha IS NOT NULL;
CREATE INDEX ledger_entries_ref ON ledger_entries (repo_id, ref_id) WHERE ref_id IS NOT NULL;

-- Every signed tree head the server has seen, kept forever: the server's witness.
CREATE TABLE tree_heads (
  id bigserial PRIMARY KEY,
  repo_id integer NOT NULL REFERENCES repos (id),
  writer_id text NOT NULL,
  size bigint NOT NULL,
  root text NOT NULL,
  last text NOT NULL,
  head_time text NOT NULL,
  key_id text NOT NULL,
  sig text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  pushed_by text,
  UNIQUE (repo_id, writer_id, size, sig)
);

-- The log's Merkle state after each push that grew it: size, root, last leaf and the
-- RFC 9162 frontier, so the next push is checked without reading the log back.
CREATE TABLE log_states (
  repo_id integer NOT NULL REFERENCES repos (id),
  writer_id text NOT NULL,
  size bigint NOT NULL,
  root text NOT NULL,
  last text NOT NULL,
  frontier json NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  pushed_by text,
  PRIMARY KEY (repo_id, writer_id, size)
);

CREATE TABLE ledger_alerts (
  id bigserial PRIMARY KEY,
  repo_id integer NOT NULL REFERENCES repos (id),
  writer_id text,
  kind text NOT NULL,
  seq bigint,
  message text NOT NULL,
  detail jsonb,
  token_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_alerts_repo ON ledger_alerts (repo_id, created_at DESC);
`,
  },
  {
    version: 2,
    name: 'read-model',
    sql: `
-- One row per checkpoint record, with what search filters on.
CREATE TABLE checkpoints (
  repo_id integer NOT NULL REFERENCES repos (id),
  writer_id text NOT NULL,
  seq bigint NOT NULL,
  record_id text NOT NULL,
  commit_sha text NOT NULL,
  time timestamptz NOT NULL,
  author text,
  branch text,
  agent text,
  model text,
  agents text[] NOT NULL,
  models text[] NOT NULL,
  session_ids text[] NOT NULL,
  paths text[] NOT NULL,
  ai_lines integer NOT NULL,
  human_lines integer NOT NULL,
  unknown_lines integer NOT NULL,
  summary text,
  tsv tsvector NOT NULL,
  PRIMARY KEY (repo_id, writer_id, seq)
);
CREATE INDEX checkpoints_time ON checkpoints (time DESC, record_id DESC);
CREATE INDEX checkpoints_repo_time ON checkpoints (repo_id, time DESC, record_id DESC);
CREATE INDEX checkpoints_commit ON checkpoints (repo_id, commit_sha, time DESC);
CREATE INDEX checkpoints_record ON checkpoints (record_id);
CREATE INDEX checkpoints_agents ON checkpoints USING gin (agents);
CREATE INDEX checkpoints_models ON checkpoints USING gin (models);
CREATE INDEX checkpoints_paths ON checkpoints USING gin (paths);
CREATE INDEX checkpoints_sessions ON checkpoints USING gin (session_ids);
CREATE INDEX checkpoints_tsv ON checkpoints USING gin (tsv);

CREATE TABLE sessions (
  repo_id integer NOT NULL REFERENCES repos (id),
  writer_id text NOT NULL,
  seq bigint NOT NULL,
  record_id text NOT NULL,
  session_id text NOT NULL,
  agent text,
  model text,
  requester text,
  time timestamptz NOT NULL,
  PRIMARY KEY (repo_id, writer_id, seq)
);
CREATE INDEX sessions_id ON sessions (repo_id, session_id);
CREATE INDEX sessions_requester ON sessions (requester);

-- Prompt texts (and session request summaries) for free-text search.
CREATE TABLE prompts (
  repo_id integer NOT NULL REFERENCES repos (id),
  writer_id text NOT NULL,
  seq bigint NOT NULL,
  session_id text NOT NULL,
  time timestamptz NOT NULL,
  tsv tsvector NOT NULL,
  PRIMARY KEY (repo_id, writer_id, seq)
);
CREATE INDEX prompts_tsv ON prompts USING gin (tsv);

-- Review decisions from the ledger and from code-host webhooks: a checkpoint's status is
-- the latest approve / request-changes among them.
CREATE TABLE reviews (
  id bigserial PRIMARY KEY,
  repo_id integer NOT NULL REFERENCES repos (id),
  commit_sha text,
  checkpoint_id text,
  reviewer text NOT NULL,
  decision text NOT NULL,
  time timestamptz NOT NULL,
  source text NOT NULL,
  writer_id text,
  seq bigint,
  external_event_id bigint
);
CREATE INDEX reviews_commit ON reviews (repo_id, commit_sha, time DESC);
CREATE INDEX reviews_checkpoint ON reviews (repo_id, checkpoint_id, time DESC);
CREATE INDEX reviews_reviewer ON reviews (reviewer);

-- The newest approve / request-changes decision per commit (subject 'c:<sha>'), and per
-- checkpoint id for a review naming only a checkpoint the server had not seen ('k:<id>').
-- A derived cache of reviews, not audit data, so that a review status filter is two key
-- lookups per checkpoint: it is the one table whose rows change, and only ever to a newer
-- decision (an upsert guarded by time, race-free under concurrent pushes). Rebuildable
-- from reviews.
CREATE TABLE review_state (
  repo_id integer NOT NULL REFERENCES repos (id),
  subject text NOT NULL,
  decision text NOT NULL,
  time timestamptz NOT NULL,
  PRIMARY KEY (repo_id, subject)
);

-- What code hosts told the server (reviews, merges, deployments, pushes), as observed.
CREATE TABLE external_events (
  id bigserial PRIMARY KEY,
  repo_id integer NOT NULL REFERENCES repos (id),
  host text NOT NULL,
  delivery_id text,
  event_name text NOT NULL,
  event_type text NOT NULL,
  commits text[] NOT NULL,
  checkpoints text[] NOT NULL,
  event jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (host, delivery_id)
);
CREATE INDEX external_events_commits ON external_events USING gin (commits);
CREATE INDEX external_events_repo ON external_events (repo_id, received_at DESC);
`,
  },
  {
    version: 3,
    name: 'access',
    sql: `
CREATE TABLE api_tokens (
  id text PRIMARY KEY,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'auditor', 'reviewer', 'ingest')),
  orgs text[],
  repos text[],
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text,
  expires_at timestamptz,
  revoked_at timestamptz
);

-- Webhook secrets by code host and scope; the newest row for a scope is the one in force.
CREATE TABLE webhook_secrets (
  id bigserial PRIMARY KEY,
  host text NOT NULL CHECK (host IN ('github', 'gitlab')),
  scope_kind text NOT NULL CHECK (scope_kind IN ('global', 'org', 'repo')),
  scope text NOT NULL DEFAULT '',
  secret text NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_secrets_scope ON webhook_secrets (host, scope_kind, scope, id DESC);

-- Every authenticated request, reads of audit records included.
CREATE TABLE access_log (
  id bigserial PRIMARY KEY,
  token_id text,
  method text NOT NULL,
  route text NOT NULL,
  path text NOT NULL,
  repo text,
  status integer NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX access_log_at ON access_log (at DESC);
CREATE INDEX access_log_token ON access_log (token_id, at DESC);

CREATE TABLE purge_log (
  id bigserial PRIMARY KEY,
  repo_id integer NOT NULL REFERENCES repos (id),
  cutoff timestamptz NOT NULL,
  reason text NOT NULL,
  token_id text,
  counts jsonb NOT NULL,
  txid bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 4,
    name: 'append-only',
    sql: `
CREATE FUNCTION trail_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  purge_id text := current_setting('trail.purge', true);
BEGIN
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME <> 'purge_log' AND purge_id ~ '^[0-9]+$' AND EXISTS (
    SELECT 1 FROM purge_log p WHERE p.id = purge_id::bigint AND p.txid = txid_current()
  ) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'trail: % is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING HINT = 'audit records change only through the logged retention purge';
END
$$;

-- API tokens are configuration, not audit records, but their history is: a token is only
-- ever revoked (revoked_at set once), never edited or deleted.
CREATE FUNCTION trail_token_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
    AND (NEW.id, NEW.name, NEW.role, NEW.orgs, NEW.repos, NEW.token_hash, NEW.created_at, NEW.created_by, NEW.expires_at)
      IS NOT DISTINCT FROM
        (OLD.id, OLD.name, OLD.role, OLD.orgs, OLD.repos, OLD.token_hash, OLD.created_at, OLD.created_by, OLD.expires_at)
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'trail: api_tokens rows are only ever revoked: % refused', TG_OP;
END
$$;
CREATE TRIGGER api_tokens_guard BEFORE UPDATE OR DELETE ON api_tokens
  FOR EACH ROW EXECUTE FUNCTION trail_token_guard();
CREATE TRIGGER api_tokens_no_truncate BEFORE TRUNCATE ON api_tokens
  FOR EACH STATEMENT EXECUTE FUNCTION trail_token_guard();
${appendOnly(AUDIT_TABLES_OF_MIGRATION_4)}
`,
  },
  {
    version: 5,
    name: 'commits-and-policies',
    sql: `
-- The git history a clone pushes beside its ledger (trail push): every commit reachable from
-- the branch pushed, merges left out, so reports can list commits without a checkpoint.
-- Subjects are redacted by the clone before they are sent.
CREATE TABLE commits (
  repo_id integer NOT NULL REFERENCES repos (id),
  sha text NOT NULL,
  parents text[] NOT NULL,
  author text NOT NULL,
  author_email text NOT NULL,
  authored_at timestamptz NOT NULL,
  subject text NOT NULL,
  paths jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  token_id text,
  PRIMARY KEY (repo_id, sha)
);
CREATE INDEX commits_time ON commits (repo_id, authored_at);

-- The repository's .trail/policy.yml as pushed, one row each time it changes: the newest row
-- is the policy the server's reports judge by; the older rows say which applied before.
CREATE TABLE repo_policies (
  id bigserial PRIMARY KEY,
  repo_id integer NOT NULL REFERENCES repos (id),
  commit_sha text NOT NULL,
  policy text,
  received_at timestamptz NOT NULL DEFAULT now(),
  token_id text
);
CREATE INDEX repo_policies_repo ON repo_policies (repo_id, id DESC);
${appendOnly(['commits', 'repo_policies'])}
`,
  },
  {
    version: 6,
    name: 'key-approval',
    sql: `
-- An admin may lock a repository's key set (src/server/key-approval.ts): a key pushed after
-- that waits for an admin's approval before the server accepts heads it signed. The newest
-- row is in force; locking approves every key registered until then.
CREATE TABLE repo_key_locks (
  id bigserial PRIMARY KEY,
  repo_id integer NOT NULL REFERENCES repos (id),
  locked boolean NOT NULL,
  set_by text NOT NULL,
  set_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX repo_key_locks_repo ON repo_key_locks (repo_id, id DESC);

CREATE TABLE repo_key_approvals (
  id bigserial PRIMARY KEY,
  repo_id integer NOT NULL REFERENCES repos (id),
  key_id text NOT NULL,
  approved_by text NOT NULL,
  approved_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX repo_key_approvals_key ON repo_key_approvals (repo_id, key_id);
${appendOnly(['repo_key_locks', 'repo_key_approvals'])}
`,
  },
  {
    version: 7,
    name: 'signed-pushes',
    sql: `
-- The writer key that signed the push that sent each commit and policy (src/server/push-signatures.ts);
-- null for an unsigned push, which only a repository with an open key set accepts.
ALTER TABLE commits ADD COLUMN signed_by text;
ALTER TABLE repo_policies ADD COLUMN signed_by text;
`,
  },
  {
    version: 8,
    name: 'webhook-replays',
    sql: `
-- Each stored code-host delivery by what its host's check covers: the SHA-256 of the raw body
-- (GitHub signs the body alone, not X-GitHub-Delivery, so a captured delivery re-sent with a
-- new id or none would otherwise be stored again). src/server/routes/webhooks.ts answers a
-- replay as a duplicate. Never purged, like tree heads: a replay of a delivery whose event
-- the retention purge removed is still caught. No foreign key to external_events for that
-- reason.
CREATE TABLE webhook_deliveries (
  host text NOT NULL,
  body_sha256 text NOT NULL,
  delivery_id text,
  external_event_id bigint NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (host, body_sha256)
);

-- The code host's own id of a review (GitHub's review.id): one review is one row of the read
-- model, whichever signed body brought it (an organisation's and a repository's webhook each
-- deliver it, in different bodies). Rows from before this migration have none.
ALTER TABLE reviews ADD COLUMN host_review_id text;
CREATE UNIQUE INDEX reviews_host_review ON reviews (repo_id, source, host_review_id)
  WHERE host_review_id IS NOT NULL;
${appendOnly(['webhook_deliveries'])}
`,
  },
  {
    version: 9,
    name: 'access-log-repos',
    sql: `
-- The repositories a read ranged over when it named none (a search, stats, ledger status,
-- alerts, a report or a commit lookup without ?repo=): every one in the token's scope when it
-- was read (src/server/access-log.ts), so that an auditor scoped to one of them finds the read
-- under it. Null for a request that named one (repo) or read none; rows from before this
-- migration have none.
ALTER TABLE access_log ADD COLUMN repos text[];
`,
  },
  {
    version: 10,
    name: 'revoked-key-size',
    sql: `
-- The size of a revoked key's own log when it was revoked (revokedAtSize in the pushed key
-- file, written by trail keys revoke): ingest refuses a head the key signed for more records,
-- whatever time it claims, since a head's time is its signer's own word. A revocation pushed
-- again with a larger size is a new row; the largest stands. Null for a revocation that
-- recorded none, and for rows from before this migration.
ALTER TABLE repo_keys ADD COLUMN revoked_at_size bigint;
`,
  },
  {
    version: 11,
    name: 'review-status',
    sql: `
-- The review status of each checkpoint, by the rule trail show applies (each reviewer's latest
-- decision counts; any open request for changes wins: src/core/review-decision.ts), over the
-- ledger and code-host reviews of the checkpoint and of its commit. review_state kept only the
-- newest decision per commit, so one reviewer's approval hid another's open request for
-- changes. Like it, a derived cache of reviews and not audit data (no append-only trigger):
-- each refresh rewrites the rows of the checkpoints it touches (src/server/review-state.ts).
-- A row holds 'approve' or 'request-changes'; a checkpoint without one is pending. time is
-- the checkpoint's, which the retention purge goes by. Filled from reviews by run below.
CREATE TABLE review_status (
  repo_id integer NOT NULL REFERENCES repos (id),
  record_id text NOT NULL,
  decision text NOT NULL CHECK (decision IN ('approve', 'request-changes')),
  time timestamptz NOT NULL,
  PRIMARY KEY (repo_id, record_id)
);
DROP TABLE review_state;
`,
    run: rebuildReviewStatus,
  },
  {
    version: 12,
    name: 'review-status-trusted',
    sql: `
-- review_status again, now counting only the reviews the server counts (src/server/review-trust.ts):
-- a ledger review that no key in force for the repository vouches for is set aside, as trail
-- check and trail show set it aside. Filled from reviews by run below; no change of schema.
SELECT 1;
`,
    run: rebuildReviewStatus,
  },
  {
    version: 13,
    name: 'tracked-since',
    sql: `
-- When Trail began tracking the repository (trackedSince in .trail/config.json, written by the
-- first trail init), sent by trail push with the policy: a commit authored before it could not
-- have been recorded, and the server's gaps report says so as a clone's does. A row is added
-- when the policy or this changes; a push that does not send it (an older clone) carries the
-- newest one forward. Null where no push sent one.
ALTER TABLE repo_policies ADD COLUMN tracked_since timestamptz;
`,
  },
  {
    version: 14,
    name: 'purged-checkpoints',
    sql: `
-- The ids of the checkpoints each retention purge removed (src/server/db/purge.ts), kept
-- forever like the purge log: asked for one, the server answers 410 Gone, when and why it
-- was purged (src/server/purged-checkpoints.ts), rather than 404 as for an id it never held.
-- An id is a hash of the record, not its content. Purges from before this migration left none.
CREATE TABLE purged_checkpoints (
  purge_id bigint NOT NULL REFERENCES purge_log (id),
  repo_id integer NOT NULL REFERENCES repos (id),
  record_id text NOT NULL,
  commit_sha text NOT NULL,
  time timestamptz NOT NULL
);
CREATE INDEX purged_checkpoints_record ON purged_checkpoints (record_id);
CREATE INDEX purged_checkpoints_commit ON purged_checkpoints (repo_id, commit_sha);
${appendOnly(['purged_checkpoints'])}

-- A clone's retention purge leaves tombstones, which keep the purged record's id, and the
-- retention-purge record naming them: found by these, not by a scan of every entry.
CREATE INDEX ledger_entries_tombstones ON ledger_entries (record_id) WHERE kind = 'tombstone';
CREATE INDEX ledger_entries_purges ON ledger_entries (repo_id) WHERE kind = 'retention-purge';
`,
  },
  {
    version: 15,
    name: 'review-coverage',
    sql: `
-- The base commit of the pull request a code host's review was given on (GitHub's
-- pull_request.base.sha), as the delivery said: the review covers every commit of the pull
-- request, git's base..head, as trail import github-review records it. For a GitLab approval,
-- whose payload names the target branch and not a commit, the branch's tip by GitLab's latest
-- push webhook, else null. Null for ledger reviews and for rows from before this migration
-- (their base is read from the stored event).
ALTER TABLE reviews ADD COLUMN base_sha text;

-- The commits each code-host review covers: its head commit, and the pull request's other
-- commits found through the pushed commits' parents (src/server/review-coverage.ts). Like
-- review_status, a derived cache and not audit data (no append-only trigger): a review's rows
-- are written again when commits it was waiting for arrive. time is the review's, which the
-- retention purge goes by. Filled from reviews and commits by run below.
CREATE TABLE review_commits (
  repo_id integer NOT NULL REFERENCES repos (id),
  review_id bigint NOT NULL,
  commit_sha text NOT NULL,
  time timestamptz NOT NULL,
  PRIMARY KEY (review_id, commit_sha)
);
CREATE INDEX review_commits_commit ON review_commits (repo_id, commit_sha);

-- The commits a review's walk reached but the server does not hold yet: a push that brings
-- one of them walks that review again, and no other. Derived, like review_commits.
CREATE TABLE review_commit_waits (
  repo_id integer NOT NULL REFERENCES repos (id),
  review_id bigint NOT NULL,
  sha text NOT NULL,
  time timestamptz NOT NULL,
  PRIMARY KEY (repo_id, sha, review_id)
);
CREATE INDEX review_commit_waits_review ON review_commit_waits (review_id);
`,
    run: async (tx) => {
      await rebuildReviewCoverage(tx);
      await rebuildReviewStatus(tx);
    },
  },
  {
    version: 16,
    name: 'review-status-due',
    sql: `
-- The server judges key revocations as of its clock, as a clone does (src/server/review-trust.ts):
-- a revocation dated later (trail keys revoke --at) leaves the key in force until then. So a
-- repository's review_status goes stale by the clock alone when such a revocation comes into
-- force; due_at is the earliest one among its keys after its status was last written in full,
-- and a read of the status refreshes the repositories whose due_at has passed
-- (src/server/review-state.ts). Like review_status, bookkeeping of a derived cache, not audit
-- data: rewritten at each full refresh, and empty unless a revocation waits. Filled by run below,
-- which also counts again the reviews such keys vouch for until then.
CREATE TABLE review_status_due (
  repo_id integer PRIMARY KEY REFERENCES repos (id),
  due_at timestamptz NOT NULL
);
`,
    run: refreshStatusOfFutureRevocations,
  },
  {
    version: 17,
    name: 'sessions-time',
    sql: `
-- The sessions list (GET /api/v1/sessions, src/server/routes/sessions.ts) walks session records
-- newest first and keeps each session's newest one, so a page reads about as many rows as it
-- shows instead of grouping every session in scope before it can sort them.
CREATE INDEX sessions_time ON sessions (time DESC);
-- Which checkpoints carried a session is asked once per listed session (and per candidate with
-- carried=none). A GIN index with fast update keeps new entries in a pending list that every
-- probe reads whole until a vacuum merges it, and PGlite never vacuums on its own: 1.5 ms a
-- probe after 20,000 sessions were pushed, against 0.003 ms merged. Session ids are one or two
-- per checkpoint, so writing them straight into the index costs ingest little.
ALTER INDEX checkpoints_sessions SET (fastupdate = off);
SELECT gin_clean_pending_list('checkpoints_sessions'::regclass);
`,
  },
  {
    version: 18,
    name: 'commit-generations',
    sql: `
-- The generation number of each pushed commit whose whole history the server holds (1 for a
-- root, else 1 + its parents' largest; src/server/commit-generations.ts): a pull request's walk
-- stops where generations fall below its commits' (src/server/commit-graph.ts) instead of
-- reading the base's whole history. Derived from commits, like review_commits: no append-only
-- trigger. authored_at is the commit's, so the retention purge takes the row with it.
CREATE TABLE commit_generations (
  repo_id integer NOT NULL REFERENCES repos (id),
  sha text NOT NULL,
  generation integer NOT NULL,
  authored_at timestamptz NOT NULL,
  PRIMARY KEY (repo_id, sha)
);

-- A commit held whose parent has no generation yet (not pushed yet, or waiting in turn): the
-- push that gives the parent one gives it to the commits that waited for it. Derived as well.
CREATE TABLE commit_generation_waits (
  repo_id integer NOT NULL REFERENCES repos (id),
  parent_sha text NOT NULL,
  sha text NOT NULL,
  authored_at timestamptz NOT NULL,
  PRIMARY KEY (repo_id, parent_sha, sha)
);
CREATE INDEX commit_generation_waits_sha ON commit_generation_waits (repo_id, sha);
`,
    run: rebuildGenerations,
  },
  {
    version: 19,
    name: 'log-stamps',
    sql: `
-- RFC 3161 timestamp tokens over pushed tree heads (src/server/log-stamps.ts): one per head
-- size, kept only once it vouched for the head the server holds, under an authority the
-- server's operator trusts (trail serve --timestamp-authority). gen_time is the authority's
-- time; latest_ms the latest it allows (genTime plus accuracy plus a second), which is what a
-- revocation is weighed against. Evidence like the heads it stamps: append-only.
CREATE TABLE log_stamps (
  id bigserial PRIMARY KEY,
  repo_id integer NOT NULL REFERENCES repos (id),
  writer_id text NOT NULL,
  size bigint NOT NULL,
  token bytea NOT NULL,
  gen_time text NOT NULL,
  latest_ms bigint NOT NULL,
  authority text NOT NULL,
  added_by text,
  added_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (repo_id, writer_id, size)
);
${appendOnly(['log_stamps'])}
`,
  },
];

/** Lock key for migrations (any fixed 64-bit number; "trail" in ASCII). */
const MIGRATION_LOCK = 0x747261696c;

/** Applies every migration not yet recorded; returns the versions applied now. */
export async function migrate(
  db: Database,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(done.rows.map((r) => Number(r.version)));
    const now: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      await tx.exec(migration.sql);
      if (migration.run) await migration.run(tx);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      now.push(migration.version);
    }
    return now;
  });
}

export async function schemaVersion(db: Database): Promise<number> {
  const result = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return Number(result.rows[0]?.v ?? 0);
}
