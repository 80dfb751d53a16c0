/**
 * `trail pr-summary`: what a reviewer needs on the pull request itself, built from the
 * ledger for the commits of the current branch: the source ticket and acceptance criteria,
 * a run summary (agents, models, sessions, cost), a validation summary, the known gaps,
 * where to look hardest, and where the full evidence is.
 *
 * Two rules shape it. A summary never hides a failed or skipped check: every check of every
 * commit is listed with its attempts, and one that failed and then passed after a repair
 * says so. And nothing is filled in: a missing ticket, model, approval or test report is a
 * known gap, named.
 *
 * `buildPrSummary` and `renderPrSummaryMarkdown` are pure; `loadPrSummary` reads git and
 * the ledger.
 */
import { isPersonsChecks } from '../core/day-session.js';
import { noCommitsYet, TrailError } from '../core/errors.js';
import { matchesPattern } from '../core/policy.js';
import type { RecordOf } from '../core/records.js';
import type { StoredRecord, TrailIndex } from '../core/trail-index.js';
import { gitTextOrUndefined, runGit } from '../git/run.js';
import { loadPolicy } from '../ledger/policy-file.js';
import { indexForCommits, loadCheckpointsFirst } from '../ledger/read.js';
import type { Repo } from '../ledger/repo.js';
import { countReviewsOf } from '../ledger/review-timestamps.js';
import { unfetchedLogs } from '../ledger/unfetched-logs.js';
import type { CheckpointView } from '../read/checkpoint-view.js';
import { buildCheckpointView } from '../read/checkpoint-view.js';
import { mdText } from '../read/render-checkpoint.js';
import { mergeBase, resolveCommit } from './code-host-mapping.js';
import { notCountedLine } from './review-trust.js';

/** Paths a reviewer should read closely when no policy names its own. */
export const BUILT_IN_HIGH_RISK: ReadonlyArray<{ name: string; paths: string[] }> = [
  { name: 'authentication', paths: ['**/auth/**', '**/authn/**', '**/authz/**'] },
  { name: 'security', paths: ['**/security/**', '**/crypto/**', '**/secrets/**'] },
  { name: 'database migrations', paths: ['**/migrations/**', '**/migrate/**', '*.sql'] },
  { name: 'payments', paths: ['**/payments/**', '**/billing/**'] },
  { name: 'infrastructure', paths: ['**/infra/**', '*.tf', '**/terraform/**', '**/k8s/**', '**/helm/**'] },
  { name: 'containers', paths: ['Dockerfile', '*.Dockerfile', 'Dockerfile.*', 'docker-compose*.yml'] },
  { name: 'CI workflows', paths: ['.github/workflows/**', '.gitlab-ci.yml', '.gitlab/**'] },
  { name: 'Trail keys and policy', paths: ['.trail/keys/**', '.trail/policy.yml'] },
];

export interface PrCommit {
  sha: string;
  subject: string;
  author: string;
}

export interface PrSummaryInput {
  index: TrailIndex;
  branch?: string;
  base: { ref: string; sha: string };
  head: string;
  /** The branch's commits, oldest first, without merges. */
  commits: readonly PrCommit[];
  /** Paths changed between the merge-base and the head. */
  changedPaths: readonly string[];
  highRisk: ReadonlyArray<{ name: string; paths: readonly string[] }>;
  highRiskSource: 'policy' | 'built-in';
  /** Problems met while gathering (an unreadable policy), reported as gaps. */
  notes?: readonly string[];
  /** Reviews nothing trusted vouches for (review-trust.ts): named as gaps, not counted. */
  reviewsNotCounted?: readonly string[];
  /** This clone holds no log while other writers are trusted (unfetched-logs.ts): first of all. */
  unfetchedLogs?: string;
}

export type CheckOutcome = 'passed' | 'failed' | 'skipped' | 'repaired';

export interface CheckRow {
  commit: string;
  check: string;
  outcome: CheckOutcome;
  attempts: Array<{
    attempt: number;
    status: 'passed' | 'failed' | 'skipped';
    exitCode?: number;
    reason?: string;
  }>;
  /** Files edited between the failure and the pass, for a repaired check. */
  repairedFiles?: string[];
}

export interface TestRow {
  commit: string;
  tool?: string;
  time: string;
  totals: RecordOf<'test-result'>['totals'];
  failing: RecordOf<'test-result'>['failing'];
  coverage?: { format: string; lines: number; branches?: number };
}

export type GapKind =
  | 'no-checkpoint'
  | 'no-approval'
  | 'no-tests'
  | 'failing-tests'
  | 'missing-field'
  | 'no-checks'
  | 'capture-gap'
  | 'review-not-counted'
  | 'policy'
  | 'ledger-not-fetched';

export interface Gap {
  kind: GapKind;
  commit?: string;
  message: string;
}

export interface PrSummary {
  branch?: string;
  base: { ref: string; sha: string };
  head: string;
  commits: Array<
    PrCommit & {
      checkpoint?: string;
      key?: string;
      approval: string;
      lines?: { ai: number; human: number; unknown: number };
    }
  >;
  source: {
    tickets: Array<{ id: string; url?: string; system?: string }>;
    requesters: string[];
    approvalStates: string[];
    acceptanceCriteria: string[];
    summaries: string[];
  };
  run: {
    agents: string[];
    models: string[];
    sessions: number;
    costUsd: number;
    inputTokens: number;
    outputTokens: number;
    commits: number;
    withCheckpoint: number;
    lines: { ai: number; human: number; unknown: number; added: number; removed: number };
  };
  validation: {
    checks: CheckRow[];
    tests: TestRow[];
    counts: Record<CheckOutcome, number>;
  };
  gaps: Gap[];
  focus: {
    highRisk: Array<{ path: string; area: string }>;
    highRiskSource: 'policy' | 'built-in';
    aiFiles: Array<{ path: string; aiLines: number; humanLines: number }>;
    repairedChecks: CheckRow[];
    constraints: Array<{ commit: string; text: string; provenance: string }>;
    risks: Array<{ commit: string; text: string; severity?: string; provenance: string }>;
  };
  evidence: Array<{ commit: string; checkpoint: string; key?: string; show: string }>;
}

const short = (sha: string) => sha.slice(0, 12);

function checkRows(view: CheckpointView): CheckRow[] {
  const byCheck = new Map<string, CheckpointView['validations']>();
  for (const v of view.validations) {
    const list = byCheck.get(v.check);
    if (list) list.push(v);
    else byCheck.set(v.check, [v]);
  }
  const rows: CheckRow[] = [];
  for (const [check, list] of byCheck) {
    const attempts = list.map((v) => ({
      attempt: v.attempt,
      status: v.status,
      ...(v.exitCode !== undefined ? { exitCode: v.exitCode } : {}),
      ...(v.reason ? { reason: v.reason } : {}),
    }));
    const runs = attempts.filter((a) => a.status !== 'skipped');
    const last = runs[runs.length - 1];
    const outcome: CheckOutcome = !last
      ? 'skipped'
      : last.status === 'failed'
        ? 'failed'
        : runs.some((a) => a.status === 'failed')
          ? 'repaired'
          : 'passed';
    const repairedFiles = [
      ...new Set(
        view.repairs.filter((r) => r.check === check && r.outcome === 'fixed').flatMap((r) => r.files),
      ),
    ];
    rows.push({
      commit: view.checkpoint.commit,
      check,
      outcome,
      attempts,
      ...(outcome === 'repaired' && repairedFiles.length > 0 ? { repairedFiles } : {}),
    });
  }
  return rows;
}

/** Capture gaps sealed with a checkpoint: same writer, logged since its previous checkpoint, or naming its sessions. */
function captureGapsOf(
  index: TrailIndex,
  stored: StoredRecord<RecordOf<'checkpoint'>>,
): Array<RecordOf<'capture-gap'>> {
  const sameWriter = index.checkpoints
    .filter((c) => c.writerId === stored.writerId && c.seq < stored.seq)
    .map((c) => c.seq);
  const after = sameWriter.length > 0 ? Math.max(...sameWriter) : -1;
  const sessions = new Set(stored.record.sessions.map((s) => s.sessionId));
  return index.gaps
    .filter(
      (g) =>
        (g.writerId === stored.writerId && g.seq > after && g.seq < stored.seq) ||
        (g.record.sessionId !== undefined && sessions.has(g.record.sessionId)),
    )
    .map((g) => g.record);
}

function uniq<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

export function buildPrSummary(input: PrSummaryInput): PrSummary {
  const { index } = input;
  const views: CheckpointView[] = [];
  const gaps: Gap[] = [
    ...(input.unfetchedLogs ? [{ kind: 'ledger-not-fetched' as const, message: input.unfetchedLogs }] : []),
    ...(input.notes ?? []).map((message) => ({ kind: 'policy' as const, message })),
    ...(input.reviewsNotCounted ?? []).map((message) => ({ kind: 'review-not-counted' as const, message })),
  ];
  const commits: PrSummary['commits'] = [];
  for (const commit of input.commits) {
    const stored = index.checkpointByCommit.get(commit.sha);
    if (!stored) {
      commits.push({ ...commit, approval: 'no checkpoint' });
      gaps.push({
        kind: 'no-checkpoint',
        commit: commit.sha,
        message: `${short(commit.sha)} “${commit.subject}” has no checkpoint: written by hand, or the capture missed it`,
      });
      continue;
    }
    const view = buildCheckpointView(index, stored);
    views.push(view);
    commits.push({
      ...commit,
      checkpoint: stored.id,
      ...(stored.record.key ? { key: stored.record.key } : {}),
      approval: view.approval.detail,
      lines: { ai: view.lines.ai, human: view.lines.human, unknown: view.lines.unknown },
    });
    if (view.approval.state !== 'approved') {
      gaps.push({
        kind: 'no-approval',
        commit: commit.sha,
        message: `${short(commit.sha)}: ${view.approval.detail}`,
      });
    } else if (view.approval.unchangedSinceApproval === false) {
      gaps.push({
        kind: 'no-approval',
        commit: commit.sha,
        message: `${short(commit.sha)}: ${view.approval.detail}; the approval does not cover the current checkpoint`,
      });
    }
    if (view.validations.length === 0 && view.lines.ai > 0) {
      gaps.push({
        kind: 'no-checks',
        commit: commit.sha,
        message: `${short(commit.sha)}: no checks (tests, lint, type check, build) were seen in its agent sessions`,
      });
    }
    for (const g of captureGapsOf(index, stored)) {
      gaps.push({
        kind: 'capture-gap',
        commit: commit.sha,
        message: `${short(commit.sha)}: capture gap${g.agent ? ` (${g.agent}${g.hook ? ` ${g.hook}` : ''})` : ''}: ${g.what}: ${g.why}`,
      });
    }
  }

  // Sessions, once each, however many commits they span. A person's checks (trail exec outside
  // any session) are not an agent's session: their checks count below, but they ask no ticket
  // or model and run no agent.
  const sessions = new Map<string, CheckpointView['sessions'][number]>();
  const recorded = new Set<string>();
  // Each view names the model its session ran on at that commit: a session that switched
  // models between commits used both.
  const models: string[] = [];
  for (const v of views) {
    for (const s of v.sessions) {
      recorded.add(s.sessionId);
      if (isPersonsChecks(s.sessionId, s.agent.name)) continue;
      sessions.set(s.sessionId, s);
      if (s.model) models.push(s.model);
    }
  }
  for (const v of views) {
    for (const s of v.checkpoint.sessions) {
      if (!recorded.has(s.sessionId)) {
        gaps.push({
          kind: 'missing-field',
          commit: v.checkpoint.commit,
          message: `${short(v.checkpoint.commit)}: session ${s.sessionId} (${s.agent}) is referenced but its session record is not in the ledger`,
        });
      }
    }
  }
  for (const s of sessions.values()) {
    const missing = [
      s.request.tickets.length === 0 ? 'ticket' : '',
      s.request.acceptanceCriteria.length === 0 ? 'acceptance criteria' : '',
      s.model ? '' : 'model',
      s.request.requester ? '' : 'requester',
    ].filter(Boolean);
    if (missing.length > 0) {
      gaps.push({
        kind: 'missing-field',
        message: `session ${s.sessionId} (${s.agent.name}): no ${missing.join(', no ')} recorded`,
      });
    }
  }

  const tickets = new Map<string, { id: string; url?: string; system?: string }>();
  for (const s of sessions.values())
    for (const t of s.request.tickets) if (!tickets.has(t.id)) tickets.set(t.id, t);

  // Validation: every check of every commit, and the latest test report of each commit.
  const checks = views.flatMap(checkRows);
  const counts: Record<CheckOutcome, number> = { passed: 0, failed: 0, skipped: 0, repaired: 0 };
  for (const c of checks) counts[c.outcome]++;
  const tests: TestRow[] = [];
  for (const commit of input.commits) {
    const results = index.testsByCommit.get(commit.sha) ?? [];
    const latest = results[results.length - 1]?.record;
    if (!latest) continue;
    tests.push({
      commit: commit.sha,
      ...(latest.tool ? { tool: latest.tool } : {}),
      time: latest.time,
      totals: latest.totals,
      failing: latest.failing,
      ...(latest.coverage
        ? {
            coverage: {
              format: latest.coverage.format,
              lines: latest.coverage.lines.pct,
              ...(latest.coverage.branches ? { branches: latest.coverage.branches.pct } : {}),
            },
          }
        : {}),
    });
    if (latest.totals.failed + latest.totals.errored > 0) {
      gaps.push({
        kind: 'failing-tests',
        commit: commit.sha,
        message: `${short(commit.sha)}: the attached test report has ${latest.totals.failed} failed and ${latest.totals.errored} errored ${latest.totals.failed + latest.totals.errored === 1 ? 'test' : 'tests'}`,
      });
    }
  }
  const head = input.commits[input.commits.length - 1];
  if (head && !(index.testsByCommit.get(head.sha)?.length ?? 0)) {
    gaps.push({
      kind: 'no-tests',
      commit: head.sha,
      message: `${short(head.sha)} (the head): no test report attached (trail tests attach)`,
    });
  }

  // Where to look hardest.
  const highRisk: PrSummary['focus']['highRisk'] = [];
  for (const path of input.changedPaths) {
    const area = input.highRisk.find((h) => h.paths.some((p) => matchesPattern(path, p, 'path')));
    if (area) highRisk.push({ path, area: area.name });
  }
  const files = new Map<string, { path: string; aiLines: number; humanLines: number }>();
  for (const v of views) {
    for (const f of v.checkpoint.files) {
      const entry = files.get(f.path) ?? { path: f.path, aiLines: 0, humanLines: 0 };
      entry.aiLines += f.aiLines;
      entry.humanLines += f.humanLines;
      files.set(f.path, entry);
    }
  }
  const aiFiles = [...files.values()]
    .filter((f) => f.aiLines > 0)
    .sort((a, b) => b.aiLines - a.aiLines || (a.path < b.path ? -1 : 1))
    .slice(0, 5);
  const seen = new Set<string>();
  const once = (key: string) => {
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  const constraints = views.flatMap((v) =>
    v.constraints
      .filter((c) => once(`c\u0000${c.text}`))
      .map((c) => ({ commit: v.checkpoint.commit, text: c.text, provenance: c.provenance })),
  );
  const risks = views.flatMap((v) =>
    v.risks
      .filter((r) => once(`r\u0000${r.text}`))
      .map((r) => ({
        commit: v.checkpoint.commit,
        text: r.text,
        ...(r.severity ? { severity: r.severity } : {}),
        provenance: r.provenance,
      })),
  );

  const total = (f: (v: CheckpointView) => number) => views.reduce((sum, v) => sum + f(v), 0);
  return {
    ...(input.branch ? { branch: input.branch } : {}),
    base: input.base,
    head: input.head,
    commits,
    source: {
      tickets: [...tickets.values()],
      requesters: uniq(
        [...sessions.values()].flatMap((s) => (s.request.requester ? [s.request.requester] : [])),
      ),
      approvalStates: uniq(
        [...sessions.values()].flatMap((s) => (s.request.approvalState ? [s.request.approvalState] : [])),
      ),
      acceptanceCriteria: uniq([...sessions.values()].flatMap((s) => s.request.acceptanceCriteria)),
      summaries: uniq([...sessions.values()].flatMap((s) => (s.request.summary ? [s.request.summary] : []))),
    },
    run: {
      agents: uniq(
        [...sessions.values()].map((s) => `${s.agent.name}${s.agent.version ? ` ${s.agent.version}` : ''}`),
      ),
      models: uniq(models),
      sessions: sessions.size,
      // What each commit added: a usage record's own figures are its session's total so far.
      costUsd: Math.round(total((v) => v.costUsd) * 1e6) / 1e6,
      inputTokens: total((v) => v.usage.reduce((n, u) => n + u.added.inputTokens, 0)),
      outputTokens: total((v) => v.usage.reduce((n, u) => n + u.added.outputTokens, 0)),
      commits: input.commits.length,
      withCheckpoint: views.length,
      lines: {
        ai: total((v) => v.lines.ai),
        human: total((v) => v.lines.human),
        unknown: total((v) => v.lines.unknown),
        added: total((v) => v.lines.added),
        removed: total((v) => v.lines.removed),
      },
    },
    validation: { checks, tests, counts },
    gaps,
    focus: {
      highRisk,
      highRiskSource: input.highRiskSource,
      aiFiles,
      repairedChecks: checks.filter((c) => c.outcome === 'repaired' || c.outcome === 'failed'),
      constraints,
      risks,
    },
    evidence: views.map((v) => ({
      commit: v.checkpoint.commit,
      checkpoint: v.id,
      ...(v.checkpoint.key ? { key: v.checkpoint.key } : {}),
      show: `trail show ${short(v.checkpoint.commit)}`,
    })),
  };
}

// --- Markdown ------------------------------------------------------------------------------

const OUTCOME_LABEL: Record<CheckOutcome, string> = {
  passed: '✅ passed',
  failed: '❌ failed',
  skipped: '⚠️ skipped',
  repaired: '🔧 failed, then passed after repair',
};

function attemptText(a: CheckRow['attempts'][number]): string {
  if (a.status === 'skipped') return `skipped${a.reason ? `: ${mdText(a.reason)}` : ''}`;
  return `#${a.attempt} ${a.status}${a.exitCode !== undefined ? ` (exit ${a.exitCode})` : ''}`;
}

/** An http(s) URL made safe inside `(...)` of a Markdown link; anything else is not linked. */
function linkTarget(url: string): string | undefined {
  if (!/^https?:\/\/[^\s]+$/i.test(url)) return undefined;
  return encodeURI(decodeURISafe(url)).replace(
    /[()<>]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function decodeURISafe(url: string): string {
  try {
    return decodeURI(url);
  } catch {
    return url;
  }
}

/** A PR/MR comment. Every piece of record text is escaped: records hold anything. */
export function renderPrSummaryMarkdown(s: PrSummary): string {
  const out: string[] = [];
  const line = (text = '') => out.push(text);
  const list = (items: string[], empty: string) => {
    if (items.length === 0) line(`- ${empty}`);
    for (const item of items) line(`- ${item}`);
  };
  line(
    `## Trail summary: ${s.branch ? `\`${mdText(s.branch)}\`` : short(s.head)} → \`${mdText(s.base.ref)}\` (${s.run.commits} commit${s.run.commits === 1 ? '' : 's'})`,
  );
  line();
  // Nothing to warn about: "no ticket", "no checks" would read as findings on work not there.
  if (s.run.commits === 0) {
    line(`No commits on top of \`${mdText(s.base.ref)}\`: nothing to summarise.`);
    return `${out.join('\n')}\n`;
  }
  const c = s.validation.counts;
  line(
    `**Checks:** ${c.passed} passed, ${c.repaired} repaired, ${c.failed} failed, ${c.skipped} skipped · **Known gaps:** ${s.gaps.length} · **AI lines:** ${s.run.lines.ai} of ${s.run.lines.added} added`,
  );

  line();
  line('### Source');
  list(
    s.source.tickets.map((t) => {
      const url = t.url ? linkTarget(t.url) : undefined;
      return url ? `Ticket: [${mdText(t.id)}](${url})` : `Ticket: ${mdText(t.id)}`;
    }),
    '⚠️ no ticket recorded',
  );
  if (s.source.requesters.length > 0) line(`- Requested by: ${s.source.requesters.map(mdText).join(', ')}`);
  if (s.source.approvalStates.length > 0)
    line(`- Request approval: ${s.source.approvalStates.map(mdText).join(', ')}`);
  // One request per line: joined, "…in integer cents.; PAY-150: …" read as one garbled sentence.
  if (s.source.summaries.length === 1) line(`- Request: ${mdText(s.source.summaries[0]!)}`);
  else if (s.source.summaries.length > 1) {
    line('- Requests:');
    for (const summary of s.source.summaries) line(`  - ${mdText(summary)}`);
  }
  if (s.source.acceptanceCriteria.length > 0) {
    line('- Acceptance criteria:');
    for (const a of s.source.acceptanceCriteria) line(`  - ${mdText(a)}`);
  } else line('- ⚠️ no acceptance criteria recorded');

  line();
  line('### Run');
  line(`- Agents: ${s.run.agents.map(mdText).join(', ') || 'none recorded'}`);
  line(`- Models: ${s.run.models.map((m) => `\`${mdText(m)}\``).join(', ') || '⚠️ not recorded'}`);
  line(
    `- Sessions: ${s.run.sessions}; commits with a checkpoint: ${s.run.withCheckpoint} of ${s.run.commits}`,
  );
  line(
    `- Lines added: ${s.run.lines.added} (${s.run.lines.ai} AI, ${s.run.lines.human} human, ${s.run.lines.unknown} unknown), removed ${s.run.lines.removed}`,
  );
  line(
    `- Cost: ${s.run.costUsd > 0 ? `≈ $${s.run.costUsd.toFixed(4)}` : 'not recorded'} (${s.run.inputTokens} tokens in, ${s.run.outputTokens} out)`,
  );

  line();
  line('### Validation');
  if (s.validation.checks.length === 0) line('⚠️ No checks were recorded for these commits.');
  else {
    line('| Result | Check | Commit | Attempts |');
    line('| --- | --- | --- | --- |');
    for (const r of s.validation.checks) {
      const repaired = r.repairedFiles?.length
        ? `; repaired in ${r.repairedFiles.map(mdText).join(', ')}`
        : '';
      line(
        `| ${OUTCOME_LABEL[r.outcome]} | ${mdText(r.check)} | \`${short(r.commit)}\` | ${r.attempts.map(attemptText).join(' → ')}${repaired} |`,
      );
    }
  }
  if (s.validation.tests.length > 0) {
    line();
    line('Test reports:');
    for (const t of s.validation.tests) {
      const x = t.totals;
      const coverage = t.coverage
        ? `; line coverage ${t.coverage.lines}%${t.coverage.branches !== undefined ? `, branches ${t.coverage.branches}%` : ''}`
        : '';
      line(
        `- \`${short(t.commit)}\`${t.tool ? ` (${mdText(t.tool)})` : ''}: ${x.passed}/${x.tests} passed, ${x.failed} failed, ${x.errored} errored, ${x.skipped} skipped${coverage}`,
      );
      for (const f of t.failing.slice(0, 10)) {
        line(
          `  - ❌ ${mdText(f.suite ? `${f.suite} › ${f.name}` : f.name)}${f.message ? `: ${mdText(f.message)}` : ''}`,
        );
      }
      if (t.failing.length > 10) line(`  - … and ${t.failing.length - 10} more`);
    }
  }

  line();
  line('### Known gaps');
  list(
    s.gaps.map((g) => mdText(g.message)),
    'none found',
  );

  line();
  line('### Reviewer focus');
  line(
    `- High-risk paths touched${s.focus.highRiskSource === 'policy' ? ' (from .trail/policy.yml)' : ''}: ${
      s.focus.highRisk.length > 0
        ? s.focus.highRisk.map((h) => `\`${mdText(h.path)}\` (${mdText(h.area)})`).join(', ')
        : 'none'
    }`,
  );
  if (s.focus.aiFiles.length > 0) {
    line(
      `- Most AI-written files: ${s.focus.aiFiles.map((f) => `\`${mdText(f.path)}\` (${f.aiLines} AI, ${f.humanLines} human)`).join(', ')}`,
    );
  }
  for (const r of s.focus.repairedChecks) {
    line(
      `- Check ${mdText(r.check)} in \`${short(r.commit)}\` ${r.outcome === 'repaired' ? 'failed before it passed' : 'still fails'}: ${r.attempts.map(attemptText).join(' → ')}`,
    );
  }
  for (const x of s.focus.constraints) line(`- Constraint noted (${x.provenance}): ${mdText(x.text)}`);
  for (const x of s.focus.risks) {
    line(`- Risk noted${x.severity ? ` (**${x.severity}**)` : ''} (${x.provenance}): ${mdText(x.text)}`);
  }

  line();
  line('### Evidence');
  for (const e of s.evidence) {
    line(
      `- \`${short(e.commit)}\`: checkpoint \`${e.key ?? short(e.checkpoint)}\` (${short(e.checkpoint)}) — \`${e.show}\``,
    );
  }
  if (s.evidence.length === 0) line('- no checkpoints on this branch');
  line(
    '- The ledger travels with the repository (`refs/trail/logs/*`); `trail verify` checks it end to end.',
  );
  return `${out.join('\n')}\n`;
}

// --- loading -------------------------------------------------------------------------------

async function refExists(workTree: string, ref: string): Promise<string | undefined> {
  return resolveCommit(workTree, ref);
}

/**
 * The base a branch's PR is compared with: `--base`; else the branch's upstream when it is
 * another branch (a branch that tracks `origin/main`); else the remote's default branch
 * (`origin/HEAD`), `origin/main`, `origin/master`, `main`, `master`. A branch that tracks
 * its own remote copy is not its own base.
 */
export async function resolvePrBase(
  workTree: string,
  base: string | undefined,
): Promise<{ ref: string; tip: string; branch?: string }> {
  const branch = await gitTextOrUndefined(workTree, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
  if (base !== undefined) {
    const tip = await refExists(workTree, base);
    if (!tip) throw new TrailError('NOT_FOUND', `--base ${base}: not a branch or commit in this repository`);
    return { ref: base, tip, ...(branch ? { branch } : {}) };
  }
  const candidates: string[] = [];
  const upstream = await gitTextOrUndefined(workTree, [
    'rev-parse',
    '--abbrev-ref',
    '--symbolic-full-name',
    '@{upstream}',
  ]);
  if (upstream && branch && upstream.replace(/^[^/]+\//, '') !== branch) candidates.push(upstream);
  const originHead = await gitTextOrUndefined(workTree, [
    'symbolic-ref',
    '--quiet',
    '--short',
    'refs/remotes/origin/HEAD',
  ]);
  if (originHead) candidates.push(originHead);
  candidates.push('origin/main', 'origin/master', 'main', 'master');
  for (const ref of candidates) {
    if (ref === branch) continue;
    const tip = await refExists(workTree, ref);
    if (tip) return { ref, tip, ...(branch ? { branch } : {}) };
  }
  if (branch && candidates.includes(branch)) {
    // Said apart: "no base branch found" reads as a fault when the branch is right there.
    throw new TrailError(
      'USAGE',
      `${branch} is the base branch itself, so there is no pull request to summarise: pass --base REF (HEAD~3, say)`,
    );
  }
  throw new TrailError(
    'USAGE',
    'no base branch found (no upstream, origin/HEAD, main or master): pass --base REF',
  );
}

export async function loadPrSummary(repo: Repo, options: { base?: string } = {}): Promise<PrSummary> {
  const head = await resolveCommit(repo.workTree, 'HEAD');
  if (!head) throw noCommitsYet();
  const base = await resolvePrBase(repo.workTree, options.base);
  const fork = await mergeBase(repo.workTree, base.tip, head);
  if (!fork) throw new TrailError('NOT_FOUND', `${base.ref} and HEAD share no history`);
  const log = await runGit(repo.workTree, [
    'log',
    '--reverse',
    '--no-merges',
    '--format=%H%x1f%an <%ae>%x1f%s',
    `${fork}..${head}`,
    '--',
  ]);
  const commits: PrCommit[] = log.stdout
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [sha, author, subject] = l.split('\u001f');
      return { sha: sha!, author: author ?? '', subject: subject ?? '' };
    });
  const diff = await runGit(repo.workTree, [
    '-c',
    'core.quotePath=false',
    'diff',
    '--name-only',
    '-z',
    fork,
    head,
    '--',
  ]);
  const changedPaths = diff.stdout.toString('utf8').split('\0').filter(Boolean);
  const notes: string[] = [];
  let highRisk: PrSummaryInput['highRisk'] = BUILT_IN_HIGH_RISK;
  let highRiskSource: PrSummaryInput['highRiskSource'] = 'built-in';
  try {
    const { policy, source } = loadPolicy(repo);
    const named = policy.highRisk.map((h, i) => ({
      name: h.name ?? `high-risk area ${i + 1}`,
      paths: h.paths,
    }));
    if (source && named.length > 0) {
      highRisk = named;
      highRiskSource = 'policy';
    }
  } catch (error) {
    if (!(error instanceof TrailError)) throw error;
    notes.push(`${error.message} (the built-in high-risk paths were used)`);
  }
  // The branch's checkpoints are found first; then only what names them is decoded. Reviews
  // count as trail check counts them: one nothing trusted vouches for is named, not counted.
  const { index, setAside } = await countReviewsOf(
    repo,
    await indexForCommits(
      await loadCheckpointsFirst(repo),
      commits.map((c) => c.sha),
    ),
  );
  const reviewsNotCounted = setAside.map(notCountedLine);
  const unfetched = index.checkpoints.length === 0 ? await unfetchedLogs(repo) : undefined;
  return buildPrSummary({
    index,
    ...(base.branch ? { branch: base.branch } : {}),
    base: { ref: base.ref, sha: fork },
    head,
    commits,
    changedPaths,
    highRisk,
    highRiskSource,
    notes,
    reviewsNotCounted,
    ...(unfetched ? { unfetchedLogs: unfetched } : {}),
  });
}
