/**
 * Code-host webhook payloads in Trail's terms. Used by `trail import github-review|gitlab-approval
 * FILE` and by the server's live webhooks, so everything here is pure: event name and parsed
 * JSON in, a `CodeHostEvent` out. Deliveries Trail does not record come back as `ignored`
 * with a reason; payloads that are not what their event name promises throw INPUT_INVALID
 * naming the field.
 *
 * Payload shapes: GitHub "Webhook events and payloads" (pull_request_review, pull_request,
 * deployment_status, push) and the examples in octokit/webhooks; GitLab "Webhook events"
 * (Merge request events, Deployment events, Push events).
 *
 * The two signature checks use node:crypto; they take the raw request body because the
 * signature covers bytes, not the JSON they parse to.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { TrailError } from '../core/errors.js';
import type { RecordOf } from '../core/records.js';

export type CodeHost = 'github' | 'gitlab';
export type ReviewDecision = RecordOf<'review'>['decision'];
export type DeploymentStatus = NonNullable<RecordOf<'deployment'>['status']>;

export type CodeHostEvent =
  | {
      type: 'review';
      host: CodeHost;
      repo: string;
      number: number;
      /** The commit the review was given on. */
      headSha: string;
      baseSha?: string;
      baseRef?: string;
      headRef?: string;
      reviewer: string;
      decision: ReviewDecision;
      at: string;
      url?: string;
      body?: string;
      /** Who opened the pull request, to tell self-review apart. */
      author?: string;
    }
  | {
      type: 'merged';
      host: CodeHost;
      repo: string;
      number: number;
      mergeCommitSha?: string;
      headSha: string;
      at: string;
    }
  | {
      type: 'deployment';
      host: CodeHost;
      repo: string;
      env: string;
      sha: string;
      status: DeploymentStatus;
      url?: string;
      at: string;
    }
  | {
      type: 'push';
      host: CodeHost;
      repo: string;
      ref: string;
      before: string;
      after: string;
      commits: string[];
      /**
       * The repository's default branch as the host names it (`main`), when the payload
       * says: a push to it is what the server's gaps report holds `trail push` to.
       */
      defaultBranch?: string;
      /** GitHub's `forced`: the push rewrote the branch (GitLab does not say). */
      forced?: boolean;
      /** How many commits the push carried, when the host lists fewer (GitLab lists 20). */
      totalCommits?: number;
    }
  | { type: 'ignored'; reason: string };

/** `{ [key]: value }` when the payload had the value, else nothing: absent stays absent. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

// --- GitHub --------------------------------------------------------------------------------

/** Maps one GitHub delivery; `eventName` is the `X-GitHub-Event` header. */
export function parseGitHubEvent(eventName: string, payload: unknown): CodeHostEvent {
  switch (eventName) {
    case 'pull_request_review':
      return githubReview(new Payload(eventName, payload));
    case 'pull_request':
      return githubPullRequest(new Payload(eventName, payload));
    case 'deployment_status':
      return githubDeploymentStatus(new Payload(eventName, payload));
    case 'push':
      return githubPush(new Payload(eventName, payload));
    case 'ping':
      return ignored('GitHub ping: the webhook is configured');
    default:
      return ignored(`GitHub event "${eventName}" is not one Trail records`);
  }
}

const GITHUB_REVIEW_STATES: Record<string, ReviewDecision> = {
  approved: 'approve',
  changes_requested: 'request-changes',
  commented: 'comment',
};

function githubReview(p: Payload): CodeHostEvent {
  const action = p.string('action');
  if (action !== 'submitted') {
    return ignored(`pull_request_review action "${action}" is not recorded (only submitted)`);
  }
  const state = p.string('review.state').toLowerCase();
  if (state === 'dismissed' || state === 'pending') {
    return ignored(`pull_request_review in state "${state}" is not a decision`);
  }
  const decision = lookup(GITHUB_REVIEW_STATES, state);
  if (!decision) throw p.fail(`review.state "${state}" is not one of approved, changes_requested, commented`);
  // review.commit_id is the commit the reviewer saw; the pull request's head may have moved on.
  const headSha = p.optionalSha('review.commit_id') ?? p.sha('pull_request.head.sha');
  return compact({
    type: 'review',
    host: 'github',
    repo: p.string('repository.full_name'),
    number: p.integer('pull_request.number'),
    headSha,
    baseSha: p.optionalSha('pull_request.base.sha'),
    baseRef: p.optionalString('pull_request.base.ref'),
    headRef: p.optionalString('pull_request.head.ref'),
    reviewer: p.string('review.user.login'),
    decision,
    at: p.time('review.submitted_at'),
    url: p.optionalString('review.html_url'),
    body: p.optionalString('review.body'),
    author: p.optionalString('pull_request.user.login'),
  });
}

function githubPullRequest(p: Payload): CodeHostEvent {
  const action = p.string('action');
  if (action !== 'closed') {
    return ignored(`pull_request action "${action}" is not recorded (only closed and merged)`);
  }
  if (p.optionalBoolean('pull_request.merged') !== true) {
    return ignored('pull request closed without merging');
  }
  return compact({
    type: 'merged',
    host: 'github',
    repo: p.string('repository.full_name'),
    number: p.integer('pull_request.number'),
    mergeCommitSha: p.optionalSha('pull_request.merge_commit_sha'),
    headSha: p.sha('pull_request.head.sha'),
    at: p.time('pull_request.merged_at'),
  });
}

const GITHUB_DEPLOYMENT_STATES: Record<string, DeploymentStatus> = {
  success: 'success',
  failure: 'failure',
  error: 'error',
  inactive: 'inactive',
  in_progress: 'in-progress',
  pending: 'pending',
  queued: 'pending',
  waiting: 'pending',
};

function githubDeploymentStatus(p: Payload): CodeHostEvent {
  const state = p.string('deployment_status.state').toLowerCase();
  const status = lookup(GITHUB_DEPLOYMENT_STATES, state);
  if (!status) throw p.fail(`deployment_status.state "${state}" is not a deployment state`);
  return compact({
    type: 'deployment',
    host: 'github',
    repo: p.string('repository.full_name'),
    env: p.string('deployment.environment'),
    sha: p.sha('deployment.sha'),
    status,
    url:
      p.optionalString('deployment_status.target_url') ??
      p.optionalString('deployment_status.log_url') ??
      p.optionalString('deployment_status.environment_url'),
    at: p.time('deployment_status.created_at'),
  });
}

function githubPush(p: Payload): CodeHostEvent {
  return {
    type: 'push',
    host: 'github',
    repo: p.string('repository.full_name'),
    ref: p.string('ref'),
    before: p.sha('before'),
    after: p.sha('after'),
    commits: p.commitIds('commits'),
    // Push payloads also carry the older name, `master_branch`: a delivery without the
    // newer one still names its default branch by it.
    ...optional(
      'defaultBranch',
      p.optionalString('repository.default_branch') ?? p.optionalString('repository.master_branch'),
    ),
    ...optional('forced', p.optionalBoolean('forced')),
  };
}

// --- GitLab --------------------------------------------------------------------------------

/**
 * Maps one GitLab delivery; `eventName` is the `X-Gitlab-Event` header ("Merge Request
 * Hook", "Deployment Hook", "Push Hook"). Without a header (a payload saved to a file), or
 * for a "System Hook", the payload's `object_kind` decides.
 */
export function parseGitLabEvent(eventName: string, payload: unknown): CodeHostEvent {
  const kind = gitlabKind(eventName, payload);
  switch (kind) {
    case 'merge_request':
      return gitlabMergeRequest(new Payload('Merge Request Hook', payload));
    case 'deployment':
      return gitlabDeployment(new Payload('Deployment Hook', payload));
    case 'push':
      return gitlabPush(new Payload('Push Hook', payload));
    default:
      return ignored(`GitLab event "${eventName || kind || '(unnamed)'}" is not one Trail records`);
  }
}

const GITLAB_HEADERS: Record<string, string> = {
  'Merge Request Hook': 'merge_request',
  'Deployment Hook': 'deployment',
  'Push Hook': 'push',
};

function gitlabKind(eventName: string, payload: unknown): string {
  const fromHeader = lookup(GITLAB_HEADERS, eventName);
  if (fromHeader) return fromHeader;
  if (eventName !== '' && eventName !== 'System Hook') return eventName;
  const kind = isObject(payload) ? payload.object_kind : undefined;
  return typeof kind === 'string' ? kind : '';
}

function gitlabMergeRequest(p: Payload): CodeHostEvent {
  const action = p.optionalString('object_attributes.action');
  if (action === undefined) return ignored('merge request event without object_attributes.action');
  switch (action) {
    // `approval`: one user approved; `approved`: the approval rules are now all met. Both
    // name the user who approved in `user`.
    case 'approval':
    case 'approved':
      return compact({
        type: 'review',
        host: 'gitlab',
        repo: p.string('project.path_with_namespace'),
        number: p.integer('object_attributes.iid'),
        headSha: p.sha('object_attributes.last_commit.id'),
        baseRef: p.optionalString('object_attributes.target_branch'),
        headRef: p.optionalString('object_attributes.source_branch'),
        reviewer:
          p.optionalString('user.username') ?? p.optionalString('user.email') ?? p.string('user.username'),
        decision: 'approve',
        at: p.time('object_attributes.updated_at'),
        url: p.optionalString('object_attributes.url'),
      });
    case 'unapproval':
    case 'unapproved':
      // A review record has no "withdrawn" decision; the ignore reason says what happened.
      return ignored(
        `merge request approval withdrawn (${action}); Trail records approvals, not their withdrawal`,
      );
    case 'merge':
      return compact({
        type: 'merged',
        host: 'gitlab',
        repo: p.string('project.path_with_namespace'),
        number: p.integer('object_attributes.iid'),
        mergeCommitSha: p.optionalSha('object_attributes.merge_commit_sha'),
        headSha: p.sha('object_attributes.last_commit.id'),
        at: p.time('object_attributes.updated_at'),
      });
    default:
      return ignored(`merge request action "${action}" is not recorded`);
  }
}

const GITLAB_DEPLOYMENT_STATES: Record<string, DeploymentStatus> = {
  created: 'pending',
  blocked: 'pending',
  running: 'in-progress',
  success: 'success',
  failed: 'failure',
  // A canceled deployment did not reach the environment; "error" is the nearest record status.
  canceled: 'error',
  skipped: 'inactive',
};

function gitlabDeployment(p: Payload): CodeHostEvent {
  const state = p.string('status').toLowerCase();
  const status = lookup(GITLAB_DEPLOYMENT_STATES, state);
  if (!status) throw p.fail(`status "${state}" is not a deployment status`);
  return compact({
    type: 'deployment',
    host: 'gitlab',
    repo: p.string('project.path_with_namespace'),
    env: p.string('environment'),
    sha: gitlabDeploymentSha(p),
    status,
    url: p.optionalString('deployable_url') ?? p.optionalString('environment_external_url'),
    at: p.time('status_changed_at'),
  });
}

/**
 * The deployment hook carries only `short_sha`; the full commit id is the last segment of
 * `commit_url` (".../-/commit/<sha>"), checked against `short_sha`.
 */
function gitlabDeploymentSha(p: Payload): string {
  const explicit = p.optionalSha('sha');
  if (explicit) return explicit;
  const url = p.string('commit_url');
  const last =
    url
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .split('/')
      .pop() ?? '';
  const short = p.optionalString('short_sha');
  if (!FULL_SHA.test(last)) {
    throw p.fail(`commit_url does not end in a full commit id ("${truncate(url, 120)}")`);
  }
  if (short && !last.startsWith(short.toLowerCase())) {
    throw p.fail(`commit_url ${last} does not match short_sha ${short}`);
  }
  return last;
}

function gitlabPush(p: Payload): CodeHostEvent {
  const commits = p.commitIds('commits');
  const total = p.optionalInteger('total_commits_count');
  return {
    type: 'push',
    host: 'gitlab',
    repo: p.string('project.path_with_namespace'),
    ref: p.string('ref'),
    before: p.sha('before'),
    after: p.sha('after'),
    commits,
    ...optional('defaultBranch', p.optionalString('project.default_branch')),
    ...optional('totalCommits', total !== undefined && total > commits.length ? total : undefined),
  };
}

// --- signatures ----------------------------------------------------------------------------

/**
 * Checks GitHub's `X-Hub-Signature-256` header: `sha256=` and the hex HMAC-SHA256 of the raw
 * body keyed with the webhook secret ("Validating webhook deliveries"). Compared in constant
 * time. False for an empty secret and for a missing or garbled header.
 */
export function verifyGitHubSignature(
  secret: string,
  rawBody: Uint8Array | string,
  header: string | undefined,
): boolean {
  if (!secret || typeof header !== 'string') return false;
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(match[1]!, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Checks GitLab's `X-Gitlab-Token` header, which carries the secret token itself. Both
 * sides are hashed first so the comparison is constant-time whatever their lengths.
 */
export function verifyGitLabToken(secret: string, header: string | undefined): boolean {
  if (!secret || typeof header !== 'string') return false;
  const a = createHash('sha256').update(secret).digest();
  const b = createHash('sha256').update(header).digest();
  return timingSafeEqual(a, b);
}

// --- payload access ------------------------------------------------------------------------

const FULL_SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** Typed reads of dotted paths, each failing with "<event> payload: missing <path>". */
class Payload {
  private readonly root: Record<string, unknown>;

  constructor(
    private readonly event: string,
    payload: unknown,
  ) {
    if (!isObject(payload)) throw new TrailError('INPUT_INVALID', `${event} payload: not a JSON object`);
    this.root = payload;
  }

  fail(what: string): TrailError {
    return new TrailError('INPUT_INVALID', `${this.event} payload: ${what}`);
  }

  /** Reads a path such as `review.user.login` or `commits[2].id`. */
  private get(path: string): unknown {
    let node: unknown = this.root;
    for (const key of path.replace(/\[(\d+)\]/g, '.$1').split('.')) {
      if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
      else if (isObject(node) && Object.hasOwn(node, key)) node = node[key];
      else return undefined;
    }
    return node;
  }

  string(path: string): string {
    const value = this.optionalString(path);
    if (value === undefined) throw this.fail(`missing ${path}`);
    return value;
  }

  /** Absent, null and "" all read as undefined (GitHub sends `"target_url": ""`). */
  optionalString(path: string): string | undefined {
    const value = this.get(path);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw this.fail(`${path} must be a string, not ${typeName(value)}`);
    return value;
  }

  optionalBoolean(path: string): boolean | undefined {
    const value = this.get(path);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw this.fail(`${path} must be a boolean, not ${typeName(value)}`);
    return value;
  }

  integer(path: string): number {
    const value = this.optionalInteger(path);
    if (value === undefined) throw this.fail(`missing ${path}`);
    return value;
  }

  optionalInteger(path: string): number | undefined {
    const value = this.get(path);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw this.fail(`${path} must be a non-negative integer, not ${typeName(value)}`);
    }
    return value;
  }

  sha(path: string): string {
    const value = this.optionalSha(path);
    if (value === undefined) throw this.fail(`missing ${path}`);
    return value;
  }

  optionalSha(path: string): string | undefined {
    const value = this.optionalString(path);
    if (value === undefined) return undefined;
    const sha = value.toLowerCase();
    if (!FULL_SHA.test(sha)) throw this.fail(`${path} is not a full commit id ("${truncate(value, 80)}")`);
    return sha;
  }

  /** An ISO 8601 time with offset; GitLab's "2021-04-28 21:50:00 +0200" and "... UTC" forms are converted. */
  time(path: string): string {
    const value = this.string(path);
    const at = normalizeTime(value);
    if (at === undefined) throw this.fail(`${path} is not a timestamp ("${truncate(value, 80)}")`);
    return at;
  }

  commitIds(path: string): string[] {
    const value = this.get(path);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw this.fail(`${path} must be an array, not ${typeName(value)}`);
    return value.map((_, i) => this.sha(`${path}[${i}].id`));
  }
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const GITLAB_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) (UTC|[+-]\d{4})$/;

function normalizeTime(value: string): string | undefined {
  let iso: string | undefined;
  if (ISO_TIME.test(value)) iso = value;
  else {
    const m = GITLAB_TIME.exec(value);
    if (m) {
      const zone = m[3] === 'UTC' ? 'Z' : `${m[3]!.slice(0, 3)}:${m[3]!.slice(3)}`;
      iso = `${m[1]}T${m[2]}${zone}`;
    }
  }
  return iso !== undefined && !Number.isNaN(Date.parse(iso)) ? iso : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${truncate(JSON.stringify(value), 40)}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A table entry by key, never an inherited property ("constructor" is not a review state). */
function lookup<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function ignored(reason: string): CodeHostEvent {
  return { type: 'ignored', reason };
}

/** Drops keys whose value is undefined, so optional fields are absent rather than undefined. */
function compact<T extends object>(event: T): T {
  return Object.fromEntries(Object.entries(event).filter(([, v]) => v !== undefined)) as T;
}
