/**
 * Scripted repositories for the policy, checklist and report tests: real git commits, and
 * for each one the records Trail would hold (session, events, checkpoint bound to the real
 * commit id, reviews, test results, deployments, rollbacks) appended to a real ledger.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWriterKey } from '../../src/ledger/keys.js';
import { appendRecords } from '../../src/ledger/log-store.js';
import type { Repo } from '../../src/ledger/repo.js';
import { findRepo } from '../../src/ledger/repo.js';
import { trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

export const AUTHOR = 'Test Author <author@example.com>';
export const T0 = Date.parse('2026-03-01T10:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const APPROVED_MODEL = 'claude-sonnet-4-5-20250929';

export const SCENARIO_POLICY = `# Trail policy for the scripted payments repository
version: 1
allowCommitsWithoutCheckpoint: false
required: [request.tickets, request.acceptanceCriteria, review, tests]
prompts:
  minWords: 8
review:
  twoPerson: true
  requireExaminedReasoning: true
tests:
  minCoverage: 80
models:
  approved:
    - name: claude-sonnet-4-5
      released: 2025-09-29
      versions: ["20250929"]
    - name: claude-opus-4-6
      released: 2026-02-05
highRisk:
  - name: payments ledger
    paths: ["src/payments/ledger/**"]
    approvals: 2
commands:
  allowed: ["npm test*", "npm run *", "git status", "git diff*"]
retention:
  days: 2555
  legalHolds:
    - path: "src/billing/**"
      reason: 2026 billing dispute
`;

export interface ReviewSpec {
  reviewer: string;
  decision?: 'approve' | 'request-changes' | 'comment';
  examinedReasoning?: boolean;
  reviewerIsAuthor?: boolean;
}

export interface ChangeSpec {
  name: string;
  /** Days after T0. */
  day: number;
  files?: Record<string, string>;
  /** false: a hand-written commit with no records at all. */
  checkpoint?: boolean;
  model?: string;
  requester?: string;
  tickets?: string[];
  acceptanceCriteria?: string[];
  prompt?: string;
  commands?: string[];
  reviews?: ReviewSpec[];
  tests?: { passed: number; failed?: number; coverage?: number } | false;
  deploy?: string[];
  rollback?: { env: string; to: string; reason: string };
}

export interface Change {
  name: string;
  sha: string;
  checkpointId?: string;
  key?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const header = (time: number, actor: { type: string; id: string }, provenance = 'observed') => ({
  v: 1,
  time: iso(time),
  actor,
  provenance,
});

export class ScriptedRepo {
  readonly changes = new Map<string, Change>();
  private last?: string;

  private constructor(
    readonly repo: TempRepo,
    readonly ledger: Repo,
  ) {}

  /** A repository with Trail set up (hooks off, so only the scripted records exist) and a base commit. */
  static async create(policy: string | undefined = SCENARIO_POLICY): Promise<ScriptedRepo> {
    const repo = tempRepo();
    const init = await trail(repo.dir, 'init', '--yes');
    if (init.code !== 0) throw new Error(init.stderr);
    const noHooks = join(repo.dir, '.git', 'no-hooks');
    mkdirSync(noHooks, { recursive: true });
    repo.git('config', 'core.hooksPath', noHooks);
    if (policy !== undefined) repo.write('.trail/policy.yml', policy);
    // The scripted history is dated from T0: Trail tracked the repository from just before it,
    // as if `trail init` had run then, so a commit without a checkpoint is a hand-written one.
    const configPath = join(repo.dir, '.trail', 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      configPath,
      `${JSON.stringify({ ...config, trackedSince: new Date(T0 - 2 * HOUR).toISOString() }, null, 2)}\n`,
    );
    const scripted = new ScriptedRepo(repo, await findRepo(repo.dir));
    scripted.commitAt('Trail: trust this clone’s key and set the policy', T0 - HOUR);
    scripted.changes.set('base', { name: 'base', sha: scripted.last! });
    return scripted;
  }

  get dir(): string {
    return this.repo.dir;
  }

  sha(name: string): string {
    return this.changes.get(name)!.sha;
  }

  /** Starts a branch at an earlier change and continues on it. */
  branch(name: string, from: string): void {
    this.repo.git('checkout', '-q', '-b', name, this.sha(from));
    this.last = this.sha(from);
  }

  private commitAt(message: string, time: number): string {
    this.repo.git('add', '-A');
    this.repo.git('commit', '-q', '--allow-empty', '-m', message, '--date', iso(time));
    this.last = this.repo.git('rev-parse', 'HEAD');
    return this.last;
  }

  async append(records: unknown[]): Promise<string[]> {
    return (await appendRecords(this.ledger, loadWriterKey(this.ledger), records)).ids;
  }

  /** Commits the change and appends its records; returns the commit. */
  async change(spec: ChangeSpec): Promise<Change> {
    const start = T0 + spec.day * DAY;
    const files = spec.files ?? {
      [`src/${spec.name}.ts`]: `export const ${spec.name.replace(/\W/g, '_')} = 1;\n`,
    };
    for (const [path, content] of Object.entries(files)) this.repo.write(path, content);
    const parent = this.last!;
    const sha = this.commitAt(`${spec.name}: change`, start + 10 * MINUTE);
    const change: Change = { name: spec.name, sha };
    this.changes.set(spec.name, change);
    if (spec.checkpoint === false) return change;

    const sessionId = `sess-${spec.name}`;
    const agent = { type: 'agent', id: 'claude-code' };
    const requester = spec.requester ?? 'alice@example.com';
    const model = spec.model ?? APPROVED_MODEL;
    const prompt =
      spec.prompt ??
      `Implement ${spec.name} for the payments service: validate the amount, reject negative values, and log each rejection with the request id.`;
    const sessionAndEvents: unknown[] = [
      {
        kind: 'session',
        ...header(start, { type: 'human', id: requester }),
        sessionId,
        agent: { name: 'claude-code', version: '2.0.14' },
        model,
        request: {
          tickets: (spec.tickets ?? [`PAY-${spec.day}0${spec.day}`]).map((id) => ({
            id,
            url: `https://jira.example.com/browse/${id}`,
            system: 'jira',
          })),
          requester,
          acceptanceCriteria: spec.acceptanceCriteria ?? ['negative amounts are rejected with 400'],
        },
        boundary: { mode: 'local', permissionMode: 'acceptEdits', credentialNames: ['NPM_TOKEN'] },
        startedAt: iso(start),
        endedAt: iso(start + 8 * MINUTE),
      },
      {
        kind: 'event',
        ...header(start + MINUTE, agent, 'transcript'),
        sessionId,
        event: { type: 'prompt', text: prompt },
      },
      {
        kind: 'event',
        ...header(start + 2 * MINUTE, agent, 'agent-reported'),
        sessionId,
        event: { type: 'constraint', text: 'amounts are integers in minor units' },
      },
      {
        kind: 'event',
        ...header(start + 2 * MINUTE, agent, 'agent-reported'),
        sessionId,
        event: { type: 'reasoning', text: 'validation belongs at the API boundary' },
      },
      {
        kind: 'event',
        ...header(start + 3 * MINUTE, agent, 'agent-reported'),
        sessionId,
        event: {
          type: 'alternative',
          approach: 'validate in the database',
          rejectedBecause: 'errors surface too late',
        },
      },
      {
        kind: 'event',
        ...header(start + 3 * MINUTE, agent, 'agent-reported'),
        sessionId,
        event: { type: 'risk', text: 'existing clients may send negative refunds', severity: 'medium' },
      },
      ...Object.keys(files).map((path) => ({
        kind: 'event',
        ...header(start + 5 * MINUTE, agent),
        sessionId,
        event: { type: 'file-edit', path, change: 'created', ranges: [{ start: 1, end: 1 }] },
      })),
      ...(spec.commands ?? ['npm test']).map((command) => ({
        kind: 'event',
        ...header(start + 6 * MINUTE, agent),
        sessionId,
        event: { type: 'command', command, exitCode: 0, durationMs: 1200 },
      })),
      {
        kind: 'event',
        ...header(start + 7 * MINUTE, agent, 'transcript'),
        sessionId,
        event: { type: 'usage', model, inputTokens: 12000, outputTokens: 3400, costUsd: 0.42 },
      },
    ];
    const [, ...eventIds] = await this.append(sessionAndEvents);
    const key = `ckpt_${createHash('sha256').update(spec.name).digest('hex').slice(0, 16)}`;
    const [checkpointId] = await this.append([
      {
        kind: 'checkpoint',
        ...header(start + 10 * MINUTE, { type: 'service', id: 'trail' }),
        commit: sha,
        key,
        parents: [parent],
        branch: 'main',
        author: AUTHOR,
        message: `${spec.name}: change`,
        sessions: [{ sessionId, agent: 'claude-code', model }],
        events: eventIds,
        files: Object.keys(files).map((path) => ({
          path,
          status: 'added',
          added: 1,
          removed: 0,
          aiLines: 1,
          humanLines: 0,
          unknownLines: 0,
        })),
        summary: `${spec.name}`,
      },
    ]);
    change.checkpointId = checkpointId;
    change.key = key;

    const later: unknown[] = [];
    for (const [i, r] of (spec.reviews ?? []).entries()) {
      later.push({
        kind: 'review',
        ...header(start + 2 * HOUR + i * MINUTE, { type: 'human', id: r.reviewer }, 'human'),
        commit: sha,
        checkpoint: checkpointId,
        reviewer: r.reviewer,
        decision: r.decision ?? 'approve',
        examinedReasoning: r.examinedReasoning ?? true,
        ...(r.reviewerIsAuthor === undefined ? {} : { reviewerIsAuthor: r.reviewerIsAuthor }),
      });
    }
    if (spec.tests) {
      const failed = spec.tests.failed ?? 0;
      const tests = spec.tests.passed + failed;
      later.push({
        kind: 'test-result',
        ...header(start + HOUR, { type: 'ci', id: 'github-actions' }),
        commit: sha,
        checkpoints: [checkpointId],
        tool: 'node:test',
        suites: [{ name: 'payments', tests, passed: spec.tests.passed, failed, skipped: 0, errored: 0 }],
        totals: { tests, passed: spec.tests.passed, failed, skipped: 0, errored: 0 },
        failing: Array.from({ length: failed }, (_, i) => ({
          suite: 'payments',
          name: `case ${i}`,
          message: 'expected 400',
        })),
        ...(spec.tests.coverage === undefined
          ? {}
          : {
              coverage: {
                format: 'lcov',
                lines: {
                  covered: Math.round(spec.tests.coverage * 10),
                  total: 1000,
                  pct: spec.tests.coverage,
                },
              },
            }),
      });
    }
    for (const [i, env] of (spec.deploy ?? []).entries()) {
      later.push({
        kind: 'deployment',
        ...header(start + 4 * HOUR + i * MINUTE, { type: 'ci', id: 'deploy-bot' }),
        env,
        commit: sha,
        status: 'success',
      });
    }
    if (spec.rollback) {
      later.push({
        kind: 'rollback',
        ...header(start + 6 * HOUR, { type: 'human', id: 'oncall@example.com' }, 'human'),
        env: spec.rollback.env,
        from: sha,
        to: spec.rollback.to,
        reason: spec.rollback.reason,
      });
    }
    if (later.length > 0) await this.append(later);
    return change;
  }

  cleanup(): void {
    this.repo.cleanup();
  }
}

/**
 * The report scenario: six changes on main after the base commit.
 *  c1-approved   approved, tested, deployed to prod: compliant
 *  c2-unapproved no approving review
 *  c3-failing    2 of 12 tests fail; approved without examining the reasoning
 *  c4-gpt        an unapproved model, and no ticket
 *  c5-reverted   approved, tested, deployed, then rolled back
 *  c6-by-hand    a commit with no checkpoint
 * plus one capture gap recorded between c3 and c4.
 */
export async function reportScenario(): Promise<ScriptedRepo> {
  const s = await ScriptedRepo.create();
  const bob: ReviewSpec = { reviewer: 'bob@example.com' };
  await s.change({
    name: 'c1-approved',
    day: 1,
    reviews: [bob],
    tests: { passed: 12, coverage: 91.5 },
    deploy: ['prod'],
  });
  await s.change({ name: 'c2-unapproved', day: 2, tests: { passed: 8, coverage: 88 } });
  await s.change({
    name: 'c3-failing',
    day: 3,
    reviews: [{ reviewer: 'bob@example.com', examinedReasoning: false }],
    tests: { passed: 10, failed: 2, coverage: 85 },
  });
  await s.append([
    {
      kind: 'capture-gap',
      ...header(T0 + 3.5 * DAY, { type: 'service', id: 'trail' }),
      what: 'claude-code PostToolUse',
      why: 'the transcript could not be read',
      agent: 'claude-code',
      hook: 'PostToolUse',
      sessionId: 'sess-lost',
    },
  ]);
  await s.change({
    name: 'c4-gpt',
    day: 4,
    model: 'gpt-4o-2024-08-06',
    tickets: [],
    reviews: [{ reviewer: 'carol@example.com' }],
    tests: { passed: 9, coverage: 90 },
    deploy: ['staging'],
  });
  await s.change({
    name: 'c5-reverted',
    day: 5,
    reviews: [bob],
    tests: { passed: 14, coverage: 93 },
    deploy: ['prod'],
    rollback: { env: 'prod', to: s.sha('c4-gpt'), reason: 'error rate rose after the deploy' },
  });
  await s.change({
    name: 'c6-by-hand',
    day: 6,
    checkpoint: false,
    files: { 'src/hotfix.ts': 'export const hotfix = 2;\n' },
  });
  return s;
}

export function writePolicy(dir: string, text: string): void {
  writeFileSync(join(dir, '.trail', 'policy.yml'), text);
}
