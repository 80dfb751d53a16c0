/**
 * One checkpoint, everything an auditor asks of it: the ticket and requester, the prompt,
 * the agent's reasoning, constraints, rejected alternatives and risks, the context it used,
 * every command and check with exit codes and repairs, which lines of which files it wrote
 * (the recorded attribution spans: the server holds records, not file contents), the
 * review, tests, deployments, and whether the ledger entry holding it verifies.
 *
 * The page is built from the API's detail answer through the same read model as
 * `trail show` (buildIndex + buildCheckpointView), so the two always say the same thing.
 */

import type { SetAsideReview } from '../../../chain/review-trust.js';
import { deployState } from '../../../core/deploy-state.js';
import type { RecordOf } from '../../../core/records.js';
import type { StoredRecord } from '../../../core/trail-index.js';
import { buildIndex } from '../../../core/trail-index.js';
import { countsOf, usageTokens } from '../../../core/usage-share.js';
import type { CheckpointView, EventsByType } from '../../../read/checkpoint-view.js';
import { buildCheckpointView } from '../../../read/checkpoint-view.js';
import { reviewThread } from '../../../read/render-checkpoint.js';
import type { CheckpointSummary, LedgerRepo } from '../api.js';
import { originBar, rangeStrip } from '../charts.js';
import type { PageContext } from '../context.js';
import { may } from '../context.js';
import { count, duration, firstLine, plural, short, time, usd, utc } from '../format.js';
import type { Html, Value } from '../html.js';
import { externalLink, html, join } from '../html.js';
import { BASE, badge, copyButton, empty, page, panel, provenance, statusBadge } from '../layout.js';

export interface CheckpointDetail {
  checkpoint: StoredRecord & { repo?: string };
  summary: CheckpointSummary;
  sessions: StoredRecord[];
  events: StoredRecord[];
  gaps: StoredRecord[];
  /** The ledger's reviews the server counts. */
  reviews: StoredRecord[];
  /** The code hosts' webhook reviews, as review records in no writer's log (server/review-trust.ts). */
  webhookReviews?: StoredRecord[];
  /** The ledger's reviews the server set aside, with why: shown, not counted. */
  reviewsNotCounted?: SetAsideReview[];
  /** Reviews counted only on a timestamp over their log, by id, with why. */
  reviewsOnTimestamp?: Record<string, string>;
  tests: StoredRecord[];
  deployments: StoredRecord[];
  rollbacks: StoredRecord[];
  corrections: StoredRecord[];
  codeHost: Record<string, Array<{ id: number; host: string; receivedAt: string; event: unknown }>>;
}

type Tone = 'pass' | 'fail' | 'skip' | 'none' | 'ai';

interface Fact {
  label: string;
  tone: Tone;
  value: Value;
  note?: Value;
}

export function viewOf(detail: CheckpointDetail): CheckpointView {
  const { repo: _repo, ...checkpoint } = detail.checkpoint;
  const records = [
    checkpoint,
    ...detail.sessions,
    ...detail.events,
    ...detail.gaps,
    ...detail.reviews,
    ...(detail.webhookReviews ?? []),
    ...detail.tests,
    ...detail.deployments,
    ...detail.rollbacks,
    ...detail.corrections,
  ];
  const index = buildIndex(records);
  return buildCheckpointView(
    index,
    checkpoint as StoredRecord<RecordOf<'checkpoint'>>,
    detail.reviewsNotCounted ?? [],
    new Map(Object.entries(detail.reviewsOnTimestamp ?? {})),
  );
}

// --- facts strip -------------------------------------------------------------------------------

function reviewFact(v: CheckpointView): Fact {
  const a = v.approval;
  const examined = v.reviews.some((r) => r.decision === 'approve' && r.examinedReasoning);
  switch (a.state) {
    case 'approved':
      return {
        label: 'Review',
        tone: a.unchangedSinceApproval ? 'pass' : 'skip',
        value: a.unchangedSinceApproval ? 'Approved' : 'Approved, then changed',
        // Each approver once: a second approval by the same person adds no one.
        note: `by ${[...new Set(v.reviews.filter((r) => r.decision === 'approve').map((r) => r.reviewer))].join(', ')}${examined ? ', who read the reasoning' : '; reasoning not examined'}`,
      };
    case 'changes-requested':
      return { label: 'Review', tone: 'fail', value: 'Changes requested', note: a.detail };
    case 'commented':
      return { label: 'Review', tone: 'skip', value: 'Commented', note: 'no approval yet' };
    default:
      return { label: 'Review', tone: 'skip', value: 'Awaiting review', note: 'no review recorded' };
  }
}

/** The last attempt of each check decides: any failing is a failure, any skipped is a warning. */
export function finalChecks(
  v: CheckpointView,
): Map<string, RecordOf<'event'>['event'] & { type: 'validation' }> {
  const last = new Map<string, RecordOf<'event'>['event'] & { type: 'validation' }>();
  for (const x of v.validations) {
    const seen = last.get(x.check);
    if (!seen || x.attempt >= seen.attempt) last.set(x.check, x);
  }
  return last;
}

function checksFact(v: CheckpointView): Fact {
  const last = [...finalChecks(v).values()];
  if (last.length === 0)
    return { label: 'Agent checks', tone: 'none', value: 'None run', note: 'no check recorded' };
  const failed = last.filter((x) => x.status === 'failed');
  const skipped = last.filter((x) => x.status === 'skipped');
  const repairs = v.repairs.length;
  const note = last
    .filter((x) => x.status !== 'skipped')
    .map((x) => `${x.check} ${x.status}${x.attempt > 1 ? ` on attempt ${x.attempt}` : ''}`)
    .join(', ');
  const names = (list: typeof last) => list.map((x) => x.check).join(', ');
  if (failed.length > 0)
    return { label: 'Agent checks', tone: 'fail', value: `${names(failed)} failing`, note };
  if (skipped.length > 0) {
    return {
      label: 'Agent checks',
      tone: 'skip',
      value: `${names(skipped)} skipped`,
      note: note || 'nothing else ran',
    };
  }
  return {
    label: 'Agent checks',
    tone: 'pass',
    value: repairs > 0 ? `Passed after ${plural(repairs, 'repair')}` : 'All passed',
    note,
  };
}

function testsFact(v: CheckpointView): Fact {
  if (v.tests.length === 0)
    return { label: 'Tests', tone: 'none', value: 'None attached', note: 'no CI result for this commit' };
  const t = v.tests[v.tests.length - 1]!.totals;
  const bad = t.failed + t.errored;
  return {
    label: 'Tests',
    tone: bad > 0 ? 'fail' : 'pass',
    value: bad > 0 ? `${count(bad)} failing` : `${count(t.passed)}/${count(t.tests)} passed`,
    note: `${plural(v.tests.length, 'run')} attached${t.skipped ? `; ${t.skipped} skipped` : ''}`,
  };
}

export function deployFact(v: CheckpointView): Fact {
  // Where it runs now, by the rule log and the reports use: deployed again after a rollback
  // is deployed; rolled back after its last deployment is not.
  const where = deployState(v.checkpoint.commit, v.deployments, v.rollbacks);
  if (where.live.length === 0 && where.rolledBack.length > 0) {
    const r = where.rollbacks.at(-1)!;
    return {
      label: 'Deployed',
      tone: 'fail',
      value: `Rolled back in ${where.rolledBack.join(', ')}`,
      note: r.reason,
    };
  }
  if (where.live.length > 0) {
    const last = where.deployments.filter((d) => where.live.includes(d.env)).at(-1)!;
    return {
      label: 'Deployed',
      tone: 'pass',
      value: where.live.join(', '),
      note: `last ${utc(last.time)}${where.rolledBack.length > 0 ? `; rolled back in ${where.rolledBack.join(', ')}` : ''}`,
    };
  }
  if (v.deployments.length > 0) {
    const d = v.deployments[v.deployments.length - 1]!;
    return {
      label: 'Deployed',
      tone: d.status === 'failure' || d.status === 'error' ? 'fail' : 'skip',
      value: `${d.env}: ${d.status}`,
    };
  }
  return { label: 'Deployed', tone: 'none', value: 'Not deployed', note: 'no deployment recorded' };
}

export interface Verification {
  tone: Tone;
  value: string;
  /** One line for the facts strip. */
  note: string;
  /** The full statement, for the evidence panel. */
  detail: string;
}

/** What the server witnessed of the log that holds this checkpoint. */
export function verification(summary: CheckpointSummary, ledger: LedgerRepo[] | undefined): Verification {
  const plain = (tone: Tone, value: string, note: string): Verification => ({
    tone,
    value,
    note,
    detail: note,
  });
  if (!ledger) return plain('none', 'Not shown', 'ledger status needs an auditor or admin token');
  const writer = ledger
    .find((r) => r.repo === summary.repo)
    ?.writers.find((w) => w.writerId === summary.writerId);
  if (!writer) return plain('none', 'Unknown log', `the server holds no log ${short(summary.writerId)}`);
  if (writer.alerts > 0) {
    return {
      tone: 'fail',
      value: plural(writer.alerts, 'alert'),
      note: 'pushes of this log were refused',
      detail: `pushes of log ${summary.writerId} were refused because they would rewrite or alter what the server had witnessed: see the Ledger page`,
    };
  }
  const head = writer.latestHead;
  if (head && head.size > summary.seq) {
    return {
      tone: 'pass',
      value: 'Verified',
      note: `signed head covers entry ${summary.seq} of ${count(head.size)}`,
      detail: `entry ${summary.seq} of log ${summary.writerId} is under a tree head of ${count(head.size)} entries signed ${utc(head.time)} by key ${short(head.keyId)}; the server checked its hash chain, Merkle root and Ed25519 signature, and that the log extends every head seen before`,
    };
  }
  return plain('skip', 'Not yet signed', 'no signed tree head covers this entry yet');
}

function factsStrip(facts: Fact[]): Html {
  return html`<div class="facts">${facts.map(
    (f) =>
      html`<div class="fact ${f.tone}"><div class="label">${f.label}</div><div class="value">${f.value}</div>${f.note ? html`<div class="note">${f.note}</div>` : ''}</div>`,
  )}</div>`;
}

// --- sections ----------------------------------------------------------------------------------

export function kv(rows: Array<[string, Value]>): Html {
  const shown = rows.filter(
    ([, v]) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0),
  );
  return html`<dl class="kv">${shown.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

function requestPanel(v: CheckpointView): Html {
  const blocks = v.sessions.map((s) => {
    const r = s.request;
    const tickets = r.tickets.map(
      (t, i) =>
        html`${i > 0 ? ', ' : ''}${externalLink(t.url, t.id)}${t.system ? html` <span class="faint">(${t.system})</span>` : ''}`,
    );
    const approval =
      r.approvalState === 'approved'
        ? badge('pass', 'approved')
        : r.approvalState === 'rejected'
          ? badge('fail', 'rejected')
          : r.approvalState === 'pending'
            ? badge('skip', 'pending')
            : html`<span class="faint">not recorded</span>`;
    return kv([
      ['Ticket', tickets.length > 0 ? tickets : html`<span class="faint">none recorded</span>`],
      ['Requester', r.requester ?? html`<span class="faint">unknown</span>`],
      ['Request approval', approval],
      [
        'Acceptance criteria',
        r.acceptanceCriteria.length > 0
          ? html`<ul class="items">${r.acceptanceCriteria.map((c) => html`<li>${c}</li>`)}</ul>`
          : html`<span class="faint">none recorded</span>`,
      ],
    ]);
  });
  return panel(
    'Request',
    blocks.length > 0 ? join(blocks) : empty('No session was sealed into this checkpoint.'),
    {
      id: 'request',
    },
  );
}

type SessionRecord = RecordOf<'session'>;

/** A session's agent, its version faint: the Run card's and the session page's. */
export function sessionAgent(s: SessionRecord): Html {
  return html`${s.agent.name}${s.agent.version ? html` <span class="faint">${s.agent.version}</span>` : ''}`;
}

/** When a session started, and for how long it ran where its end is recorded. */
export function sessionRan(s: SessionRecord): Html {
  return html`${utc(s.startedAt)} <span class="faint">${s.endedAt ? `for ${duration(Date.parse(s.endedAt) - Date.parse(s.startedAt))}` : '(no end recorded)'}</span>`;
}

/** Where a session ran: its mode, host and user, as its boundary says. */
export function sessionWhere(s: SessionRecord): string | undefined {
  const b = s.boundary;
  return b
    ? [b.mode, b.host ? `on ${b.host}` : '', b.user ? `as ${b.user}` : ''].filter(Boolean).join(' ')
    : undefined;
}

function runPanel(v: CheckpointView, repo: string | undefined): Html {
  const blocks = v.sessions.map((s) => {
    const b = s.boundary;
    // Each usage record is the session's running total for a model; what this commit added
    // is its share (usageShare), so the two are shown apart.
    const usage = v.usage.filter((u) => u.sessionId === s.sessionId);
    const tokens = usage.reduce((n, u) => n + usageTokens(u.added), 0);
    const cost = usage.reduce((n, u) => n + u.added.costUsd, 0);
    const sessionTokens = usage.reduce((n, u) => n + usageTokens(countsOf(u)), 0);
    const sessionCost = usage.reduce((n, u) => n + (u.costUsd ?? 0), 0);
    return kv([
      ['Agent', sessionAgent(s)],
      [
        'Model',
        s.model
          ? html`<code>${s.model}</code> ${provenance(s.sources?.model ?? s.provenance)}`
          : html`<span class="faint">not recorded</span>`,
      ],
      [
        'Session',
        html`<a href="${BASE}/sessions/${encodeURIComponent(s.sessionId)}${repo ? `?repo=${encodeURIComponent(repo)}` : ''}"><code>${s.sessionId}</code></a>`,
      ],
      ['Ran', sessionRan(s)],
      ['Where', sessionWhere(s)],
      ['Branch', b?.branch],
      ['Permission mode', b?.permissionMode],
      ['Allowed tools', b?.allowedTools?.join(', ')],
      ['Sandbox', b?.sandbox],
      ['Network', b?.network],
      [
        'Credentials present',
        b && b.credentialNames.length > 0
          ? html`${b.credentialNames.join(', ')} <span class="faint">(names only)</span>`
          : undefined,
      ],
      [
        'Usage',
        usage.length > 0
          ? html`${count(tokens)} tokens${cost > 0 ? html` · <b>${usd(cost)}</b>` : ''} added by this commit <span class="faint">(${usage.map((u) => u.model ?? 'model?').join(', ')}; session so far ${count(sessionTokens)} tokens${sessionCost > 0 ? html` · ${usd(sessionCost)}` : ''})</span>`
          : undefined,
      ],
    ]);
  });
  return panel(
    'Agent run',
    blocks.length > 0 ? join(blocks, html`<hr>`) : empty('No agent session recorded.'),
    {
      id: 'run',
      hint: v.costUsd > 0 ? `this commit's cost ${usd(v.costUsd)}` : undefined,
    },
  );
}

/** The prompts of a checkpoint's sessions, or of one session (pages/session.ts). */
export function promptPanel(v: Pick<EventsByType, 'prompts'>): Html {
  if (v.prompts.length === 0) return panel('Prompt', empty('No prompt was captured.'), { id: 'prompt' });
  return panel(
    v.prompts.length === 1 ? 'Prompt' : `Prompts (${v.prompts.length})`,
    join(
      v.prompts.map(
        (p) =>
          html`<div class="quote"><p class="prose">${p.text}</p><div class="by">${utc(p.at)} · ${provenance(p.provenance)}</div></div>`,
      ),
    ),
    { id: 'prompt' },
  );
}

function reasoningPanel(v: CheckpointView): Html {
  const steps = v.reasoning;
  const body =
    steps.length > 0
      ? html`<ol class="trace">${steps.map(
          (r) =>
            html`<li><p class="prose">${r.text}</p><span class="when">${utc(r.at)}</span> ${provenance(r.provenance)}</li>`,
        )}</ol>`
      : empty('No reasoning was captured (the agent transcript was not available).');
  const decisions =
    v.decisions.length > 0
      ? html`<h3>Decisions</h3><ul class="items">${v.decisions.map((d) => html`<li><span class="prose">${d.text}</span> ${provenance(d.provenance)}</li>`)}</ul>`
      : '';
  return panel('Reasoning trace', html`${body}${decisions}`, {
    id: 'reasoning',
    hint: plural(steps.length, 'step'),
  });
}

function constraintsPanel(v: CheckpointView): Html {
  const constraints =
    v.constraints.length > 0
      ? html`<ul class="items">${v.constraints.map((c) => html`<li><span class="prose">${c.text}</span> ${provenance(c.provenance)}</li>`)}</ul>`
      : empty('None recorded.');
  const risks =
    v.risks.length > 0
      ? html`<ul class="items">${v.risks.map(
          (r) =>
            html`<li>${r.severity ? html`<span class="badge plain sev-${r.severity}">${r.severity}</span> ` : ''}<span class="prose">${r.text}</span> ${provenance(r.provenance)}</li>`,
        )}</ul>`
      : empty('None recorded.');
  const alternatives =
    v.alternatives.length > 0
      ? html`<div class="table-wrap"><table><thead><tr><th>Approach considered</th><th>Rejected because</th><th></th></tr></thead><tbody>${v.alternatives.map(
          (a) =>
            html`<tr><td>${a.approach}</td><td>${a.rejectedBecause}</td><td>${provenance(a.provenance)}</td></tr>`,
        )}</tbody></table></div>`
      : empty('None recorded.');
  if (v.constraints.length + v.risks.length + v.alternatives.length === 0) {
    return panel(
      'Constraints, alternatives and risks',
      empty(
        html`None recorded: the agent reported no constraint, rejected alternative or risk (agents report them through <code>trail mcp</code> or the SDK).`,
      ),
      { id: 'constraints' },
    );
  }
  return html`<div class="grid two" id="constraints">${panel('Constraints', constraints)}${panel('Risks', risks)}</div>
<div class="stack-gap"></div>${panel('Alternatives rejected', alternatives, { flush: v.alternatives.length > 0 })}`;
}

function contextPanel(v: CheckpointView): Html {
  if (v.context.length === 0)
    return panel('Context used', empty('No context source recorded.'), { id: 'context' });
  return panel(
    'Context used',
    html`<div class="table-wrap"><table><thead><tr><th>Source</th><th>Reference</th><th>Note</th><th>Digest</th><th></th></tr></thead><tbody>${v.context.map(
      (c) =>
        html`<tr><td><span class="tag">${c.source}</span></td><td class="mono">${c.ref}</td><td>${c.note ?? ''}</td><td class="mono faint">${c.digest ? short(c.digest, 19) : ''}</td><td>${provenance(c.provenance)}</td></tr>`,
    )}</tbody></table></div>`,
    { id: 'context', flush: true },
  );
}

function exitBadge(code: number | undefined): Html {
  if (code === undefined) return html`<span class="faint">—</span>`;
  return badge(code === 0 ? 'pass' : 'fail', `exit ${code}`);
}

function output(text: string | undefined): Html {
  return text ? html`<details><summary>output</summary><pre class="out">${text}</pre></details>` : html``;
}

/** The checks, repairs and commands of a checkpoint's sessions, or of one session. */
export function checksPanel(v: Pick<EventsByType, 'validations' | 'repairs' | 'commands'>): Html {
  const validations =
    v.validations.length > 0
      ? html`<div class="table-wrap"><table><thead><tr><th>Check</th><th>Attempt</th><th>Result</th><th>Exit code</th><th>Duration</th><th>Detail</th></tr></thead><tbody>${v.validations.map(
          (x) =>
            html`<tr><td><b>${x.check}</b>${x.command ? html`<div class="mono faint">${x.command}</div>` : ''}</td><td class="num">${x.attempt}</td><td>${badge(x.status === 'passed' ? 'pass' : x.status === 'failed' ? 'fail' : 'skip', x.status)}</td><td>${x.exitCode === undefined ? html`<span class="faint">—</span>` : html`<code>${x.exitCode}</code>`}</td><td class="nowrap">${duration(x.durationMs)}</td><td>${x.reason ?? ''}${output(x.outputTail)}</td></tr>`,
        )}</tbody></table></div>`
      : empty('No check was recorded.');
  const repairs =
    v.repairs.length > 0
      ? html`<h3>Repairs</h3><ul class="items">${v.repairs.map(
          (r) =>
            html`<li><b>${r.check}</b>, attempt ${r.attempt}: ${badge(r.outcome === 'fixed' ? 'pass' : r.outcome === 'abandoned' ? 'fail' : 'skip', r.outcome)}${r.files.length > 0 ? html` after editing <span class="mono">${r.files.join(', ')}</span>` : ''}</li>`,
        )}</ul>`
      : '';
  const commands =
    v.commands.length > 0
      ? html`<h3>Commands run</h3><div class="table-wrap"><table><thead><tr><th>Command</th><th>Exit</th><th>Duration</th><th>Output</th><th></th></tr></thead><tbody>${v.commands
          .slice(0, 200)
          .map(
            (x) =>
              html`<tr><td class="mono">${x.command}</td><td>${exitBadge(x.exitCode)}</td><td class="nowrap">${duration(x.durationMs)}</td><td>${output(x.outputTail)}</td><td>${provenance(x.provenance)}</td></tr>`,
          )}</tbody></table></div>${v.commands.length > 200 ? html`<p class="muted">${count(v.commands.length - 200)} more commands not shown.</p>` : ''}`
      : '';
  return panel('Checks and commands', html`${validations}${repairs}${commands}`, {
    id: 'checks',
    hint: `${plural(v.validations.length, 'check run')}, ${plural(v.commands.length, 'command')}`,
  });
}

function originLabel(origin: 'ai' | 'human' | 'unknown', overrode: boolean): Html {
  if (origin === 'ai') return badge('ai', 'AI');
  if (origin === 'human') return badge('human', overrode ? 'human*' : 'human');
  return badge('unknown', 'unknown');
}

function filesPanel(v: CheckpointView): Html {
  const c = v.checkpoint;
  const sessions = new Map(c.sessions.map((s) => [s.sessionId, s]));
  const paths = [...new Set([...c.files.map((f) => f.path), ...Object.keys(c.attribution)])];
  if (paths.length === 0)
    return panel('Files and line origins', empty('This checkpoint records no files.'), { id: 'files' });
  const blocks = paths.map((path) => {
    const f = c.files.find((x) => x.path === path);
    const spans = [...(c.attribution[path] ?? [])].sort((a, b) => a.start - b.start);
    const rows = spans.map((s) => {
      const session = s.sessionId ? sessions.get(s.sessionId) : undefined;
      const overrode = s.overrodeSessionId ? sessions.get(s.overrodeSessionId) : undefined;
      const lines = s.start === s.end ? `${s.start}` : `${s.start}–${s.end}`;
      const who =
        s.origin === 'ai'
          ? html`${session?.agent ?? 'agent'} · <code>${session?.model ?? 'model not recorded'}</code> · session <code>${short(s.sessionId, 8)}</code>`
          : s.origin === 'human'
            ? s.overrodeSessionId
              ? html`a person changed a line the agent wrote (session <code>${short(s.overrodeSessionId, 8)}</code>${overrode?.model ? html`, <code>${overrode.model}</code>` : ''})`
              : html`written by a person`
            : html`<span class="faint">origin not known (before capture, or no counterpart after a rewrite)</span>`;
      return html`<tr class="${s.origin}"><td class="lines">${lines}</td><td class="num">${s.end - s.start + 1}</td><td>${originLabel(s.origin, Boolean(s.overrodeSessionId))}</td><td>${who}</td></tr>`;
    });
    const status = f
      ? html`<span class="tag">${f.from ? `${f.status} from ${f.from}` : f.status}</span>`
      : '';
    return html`<div class="file"><div class="file-head"><span class="path">${path}</span><span class="stats">${status}${f ? html`<span class="added">+${count(f.added)}</span><span class="removed">−${count(f.removed)}</span>${originBar(f.aiLines, f.humanLines, f.unknownLines)}` : ''}</span></div>${
      spans.length > 0
        ? html`${rangeStrip(spans)}<div class="table-wrap"><table class="ranges"><thead><tr><th>Lines</th><th class="num">Count</th><th>Origin</th><th>Written by</th></tr></thead><tbody>${rows}</tbody></table></div>`
        : html`<p class="muted">No added lines recorded for this file${f?.status === 'deleted' ? ' (deleted)' : ''}.</p>`
    }</div>`;
  });
  return html`<section class="panel" id="files"><header><h2>Files and line origins</h2><span class="legend"><span class="ai">AI</span><span class="human">human</span><span class="unknown">unknown</span></span></header><div class="body flush">${blocks}<p class="muted file">Line numbers are in the committed file. Only lines this commit added are attributed; the server keeps these ranges, never the code. <b>human*</b>: a person changed a line the agent wrote.</p></div></section>`;
}

function reviewPanel(v: CheckpointView, detail: CheckpointDetail): Html {
  const viaWebhook = new Set((detail.webhookReviews ?? []).map((r) => r.id));
  const reviews = v.reviews.map((r) => {
    const decision =
      r.decision === 'approve'
        ? badge('pass', 'approved')
        : r.decision === 'request-changes'
          ? badge('fail', 'changes requested')
          : badge('none', 'commented');
    const duties = [
      r.reviewerIsAuthor ? badge('fail', 'reviewer is the author') : '',
      r.reviewerIsRequester ? badge('skip', 'reviewer is the requester') : '',
    ];
    // A webhook review is the code host's word, authenticated by the webhook secret: no
    // writer's log holds it, so "unsigned" would say the wrong thing about it.
    const how = viaWebhook.has(r.id)
      ? ` · from the ${r.source} webhook`
      : r.signature
        ? html` · signed with key <code>${short(r.signature.keyId)}</code>`
        : ' · unsigned';
    return html`<li><div><b>${r.reviewer}</b> ${decision} ${r.examinedReasoning ? badge('pass', 'read the reasoning') : badge('skip', 'diff only: reasoning not examined')} ${duties}</div><div class="muted">${utc(r.time)} · ${r.source}${how}${r.checkpoint ? html` · bound to checkpoint <code>${short(r.checkpoint)}</code>` : ''}${r.externalUrl ? html` · ${externalLink(r.externalUrl, 'on the code host')}` : ''}</div>${r.countedOnTimestamp ? html`<div class="muted">counted: ${r.countedOnTimestamp}</div>` : ''}</li>`;
  });
  const setAside = v.reviewsNotCounted.map(
    (r) =>
      html`<li><div><b>${r.reviewer}</b> ${badge('skip', `${r.decision}: not counted`)}</div><div class="muted">${utc(r.time)} · ${r.why}</div></li>`,
  );
  const thread = reviewThread(v.reviews);
  const threadHtml =
    thread.length > 0
      ? html`<h3>Thread</h3>${thread.map(
          (t) =>
            html`<div class="quote"><p class="prose">${t.text}</p><div class="by">#${t.n} · ${t.by} · ${utc(t.at)}</div>${t.responses.map(
              (r) =>
                html`<div class="quote"><p class="prose">${r.text}</p><div class="by">↳ ${r.by} · ${utc(r.at)}</div></div>`,
            )}</div>`,
        )}`
      : '';
  const all = [...reviews, ...setAside];
  return panel(
    'Review',
    all.length > 0
      ? html`<ul class="items">${all}</ul>${threadHtml}`
      : empty('Nobody has reviewed this checkpoint yet.'),
    { id: 'review', hint: v.approval.detail },
  );
}

function testsPanel(v: CheckpointView): Html {
  if (v.tests.length === 0)
    return panel('Tests', empty('No test results are attached to this commit.'), { id: 'tests' });
  const runs = v.tests.map((t) => {
    const bad = t.totals.failed + t.totals.errored;
    return html`<div class="file"><div class="file-head"><span><b>${t.tool ?? 'tests'}</b> <span class="muted">${utc(t.time)}${t.durationMs !== undefined ? ` · ${duration(t.durationMs)}` : ''}</span></span><span class="stats">${badge(bad > 0 ? 'fail' : 'pass', `${count(t.totals.passed)}/${count(t.totals.tests)} passed`)}${t.totals.skipped ? badge('skip', `${t.totals.skipped} skipped`) : ''}${t.coverage ? html`<span>line coverage <b>${t.coverage.lines.pct}%</b></span>` : ''}</span></div>${
      t.suites.length > 0
        ? html`<div class="table-wrap"><table><thead><tr><th>Suite</th><th class="num">Tests</th><th class="num">Passed</th><th class="num">Failed</th><th class="num">Skipped</th></tr></thead><tbody>${t.suites.map(
            (s) =>
              html`<tr><td>${s.name} <span class="faint">${duration(s.durationMs)}</span></td><td class="num">${s.tests}</td><td class="num">${s.passed}</td><td class="num">${s.failed + s.errored}</td><td class="num">${s.skipped}</td></tr>`,
          )}</tbody></table></div>`
        : ''
    }${t.failing.length > 0 ? html`<ul class="items">${t.failing.map((f) => html`<li>${badge('fail', 'failing')} ${f.suite} › ${f.name}${f.message ? html`<div class="muted">${f.message}</div>` : ''}</li>`)}</ul>` : ''}</div>`;
  });
  return html`<section class="panel" id="tests"><header><h2>Tests</h2><span class="hint">${plural(v.tests.length, 'result')} attached</span></header><div class="body flush">${runs}</div></section>`;
}

function deploymentsPanel(v: CheckpointView, detail: CheckpointDetail): Html {
  const rows: Html[] = v.deployments.map(
    (d) =>
      html`<tr><td><b>${d.env}</b></td><td>${badge(d.status === 'success' ? 'pass' : d.status === 'failure' || d.status === 'error' ? 'fail' : 'skip', d.status)}</td><td>${time(d.time)}</td><td>${d.url ? externalLink(d.url, d.url) : ''}</td><td>${provenance(d.provenance)}</td></tr>`,
  );
  for (const e of detail.codeHost.deployments ?? []) {
    const ev = e.event as { env?: string; status?: string; url?: string; at?: string };
    rows.push(
      html`<tr><td><b>${ev.env ?? '?'}</b></td><td>${badge(ev.status === 'success' ? 'pass' : ev.status === 'failure' || ev.status === 'error' ? 'fail' : 'skip', ev.status ?? '?')}</td><td>${time(ev.at ?? e.receivedAt)}</td><td>${ev.url ? externalLink(ev.url, ev.url) : ''}</td><td><span class="prov">${e.host}</span></td></tr>`,
    );
  }
  for (const r of v.rollbacks) {
    rows.push(
      html`<tr><td><b>${r.env}</b></td><td>${badge('fail', 'rolled back')}</td><td>${time(r.time)}</td><td>from <code>${short(r.from)}</code> to <code>${short(r.to)}</code>: ${r.reason}</td><td>${provenance(r.provenance)}</td></tr>`,
    );
  }
  if (rows.length === 0)
    return panel('Deployments', empty('This commit has no recorded deployment.'), { id: 'deployments' });
  return panel(
    'Deployments and rollbacks',
    html`<div class="table-wrap"><table><thead><tr><th>Environment</th><th>Status</th><th>When</th><th>Where</th><th></th></tr></thead><tbody>${rows}</tbody></table></div>`,
    { id: 'deployments', flush: true },
  );
}

function evidencePanel(v: CheckpointView, detail: CheckpointDetail, ver: Verification): Html {
  const c = v.checkpoint;
  const gaps = detail.gaps.map((g) => g.record as RecordOf<'capture-gap'>);
  return panel(
    'Ledger evidence',
    html`${kv([
      [
        'Verification',
        html`${badge(ver.tone === 'ai' ? 'none' : ver.tone, ver.value)} <span class="muted">${ver.detail}</span>`,
      ],
      ['Checkpoint record', html`<code>${v.id}</code> ${copyButton(v.id)}`],
      ['Trailer key', c.key ? html`<code>${c.key}</code>` : undefined],
      ['Log (writer)', html`<code>${v.writerId}</code>, entry ${detail.summary.seq}`],
      ['Events sealed', `${count(c.events.length)} event records, each by its SHA-256`],
      ['Provenance', html`${provenance(c.provenance)} <span class="muted">recorded by ${c.actor.id}</span>`],
      ['Parents', c.parents.map((p) => html`<code>${short(p)}</code> `)],
      [
        'Rewritten from',
        c.rewrittenFrom
          ? html`<code>${short(c.rewrittenFrom.commit)}</code> (${c.rewrittenFrom.how})`
          : undefined,
      ],
      [
        'Corrections',
        v.corrections.length > 0
          ? v.corrections.map((x) => html`<div>${utc(x.time)}: ${x.reason}</div>`)
          : undefined,
      ],
      [
        'Capture gaps',
        gaps.length > 0
          ? gaps.map(
              (g) =>
                html`<div>${badge('skip', g.what)} ${g.why}${g.hook ? html` <span class="faint">(${g.agent ?? ''} ${g.hook})</span>` : ''}</div>`,
            )
          : html`<span class="faint">none in these sessions</span>`,
      ],
    ])}`,
    { id: 'evidence' },
  );
}

export async function checkpointPage(ctx: PageContext, id: string): Promise<string> {
  const detail = await ctx.api.get<CheckpointDetail>(`/api/v1/checkpoints/${id}`);
  const summary = detail.summary;
  const ledger = may(ctx, 'ledger')
    ? await ctx.api.get<{ repos: LedgerRepo[] }>('/api/v1/ledger', { repo: summary.repo })
    : undefined;
  const v = viewOf(detail);
  const c = v.checkpoint;
  const ver = verification(summary, ledger?.repos);
  const facts: Fact[] = [
    reviewFact(v),
    checksFact(v),
    testsFact(v),
    deployFact(v),
    { label: 'Ledger', tone: ver.tone, value: ver.value, note: ver.note },
  ];
  const title = firstLine(c.message) || firstLine(c.summary) || `Checkpoint ${short(v.id)}`;
  const idline = html`<div class="idline"><span>commit <code>${c.commit}</code> ${copyButton(c.commit)}</span><span>${summary.repo}${c.branch ? html` · ${c.branch}` : ''}</span><span>${c.author ?? ''}</span><span>${time(summary.time)}</span></div>`;
  const nav = html`<nav class="section-nav" aria-label="On this page">${[
    ['request', 'Request'],
    ['prompt', 'Prompt'],
    ['reasoning', 'Reasoning'],
    ['constraints', 'Constraints & risks'],
    ['context', 'Context'],
    ['checks', 'Checks'],
    ['files', 'Files & lines'],
    ['review', 'Review'],
    ['tests', 'Tests'],
    ['deployments', 'Deployments'],
    ['evidence', 'Evidence'],
  ].map(([a, label]) => html`<a href="#${a!}">${label!}</a>`)}</nav>`;
  const body = html`${factsStrip(facts)}${nav}
<div class="grid two">${requestPanel(v)}${runPanel(v, summary.repo)}</div><div class="stack-gap"></div>
${promptPanel(v)}${reasoningPanel(v)}${constraintsPanel(v)}${contextPanel(v)}${checksPanel(v)}${filesPanel(v)}
<div class="grid two">${reviewPanel(v, detail)}${testsPanel(v)}</div><div class="stack-gap"></div>
${deploymentsPanel(v, detail)}${evidencePanel(v, detail, ver)}`;
  return page({
    title,
    section: 'checkpoints',
    session: ctx.session,
    assets: ctx.assets,
    crumbs: html`<a href="${BASE}/checkpoints">Checkpoints</a> / <a href="${BASE}/checkpoints?repo=${encodeURIComponent(summary.repo)}">${summary.repo}</a> / <code>${short(v.id)}</code>`,
    subtitle: idline,
    actions: html`${statusBadge(summary.status)}<a class="btn" href="${BASE}/checkpoints/${v.id}/evidence.json" download>Evidence JSON</a>`,
    body,
  });
}
