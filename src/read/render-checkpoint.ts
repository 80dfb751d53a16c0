/**
 * A checkpoint view as Markdown (`trail show --md`, PR comments) or terminal text, and the parts
 * of it a session view shows too (render-session.ts).
 */
import type { RecordOf } from '../core/records.js';
import type { CheckpointView, EventsByType } from './checkpoint-view.js';

function clip(text: string, max = 400): string {
  // Lines become one: a line that ends without punctuation ends its sentence there, so a
  // decision and the "Why: …" under it read "… too-large. Why: …", not "… too-large Why: …".
  const one = text
    .trim()
    .replace(/([^\s.!?:;,…])[ \t]*\r?\n\s*/g, '$1. ')
    .replace(/\s+/g, ' ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** Markdown-safe inline text: records hold anything, including markup. */
export function mdText(text: string): string {
  return escapeMd(clip(text));
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`);
}

/**
 * A command as it was recorded, every character of it: a command is evidence, and `a  b` is
 * not `a b`. The lines after its first are indented under the list item that holds it.
 */
function mdCommand(command: string): string {
  return command.split('\n').map(escapeMd).join('\n    ');
}

interface ContextUsed {
  source: string;
  ref: string;
  /** The distinct digests of what was read, in the order first seen. */
  digests: string[];
  notes: string[];
}

/**
 * The context entries, one per source and file: a file attached to a prompt and then read by
 * the agent (Cursor records both), or read again, is one line that keeps every distinct
 * digest (a file that changed between two reads) and note. `--json` keeps each entry.
 */
function contextUsed(context: CheckpointView['context']): ContextUsed[] {
  const byRef = new Map<string, ContextUsed>();
  for (const { source, ref, digest, note } of context) {
    const key = `${source}\0${ref}`;
    let used = byRef.get(key);
    if (!used) {
      used = { source, ref, digests: [], notes: [] };
      byRef.set(key, used);
    }
    if (digest !== undefined && !used.digests.includes(digest)) used.digests.push(digest);
    if (note !== undefined && !used.notes.includes(note)) used.notes.push(note);
  }
  return [...byRef.values()];
}

/** `### title` and a bullet per item, appended to `out`; nothing for no items. */
export function sectionsInto(out: string[]): (title: string, items: string[]) => void {
  return (title, items) => {
    if (items.length === 0) return;
    out.push('', `### ${title}`, ...items.map((i) => `- ${i}`));
  };
}

type SessionRecord = RecordOf<'session'>;

export function sessionTitle(s: SessionRecord): string {
  return `Session ${mdText(s.sessionId)} (${mdText(s.agent.name)}${s.agent.version ? ` ${mdText(s.agent.version)}` : ''})`;
}

/** Its model, request and where it ran, as list items. */
export function sessionFacts(s: SessionRecord): string[] {
  const out = [`- **Model:** ${mdText(s.model ?? 'not recorded')}`];
  const tickets = s.request.tickets
    .map((t) => (t.url ? `[${mdText(t.id)}](${t.url})` : mdText(t.id)))
    .join(', ');
  out.push(
    `- **Request:** ${tickets || 'no ticket recorded'}; requester ${mdText(s.request.requester ?? 'unknown')}`,
  );
  if (s.request.acceptanceCriteria.length > 0) {
    out.push(`- **Acceptance criteria:** ${s.request.acceptanceCriteria.map(mdText).join('; ')}`);
  }
  if (s.boundary) {
    const b = s.boundary;
    out.push(
      `- **Where:** ${b.mode}${b.host ? ` on ${mdText(b.host)}` : ''}${b.user ? ` as ${mdText(b.user)}` : ''}${b.permissionMode ? `, permission mode ${mdText(b.permissionMode)}` : ''}${b.credentialNames.length ? `, credentials present: ${b.credentialNames.map(mdText).join(', ')}` : ''}`,
    );
  }
  return out;
}

/** What a checkpoint's or a session's events tell, a section each, in the order an auditor reads them. */
export function eventSections(
  v: EventsByType & Pick<CheckpointView, 'captureGaps'>,
  section: (title: string, items: string[]) => void,
): void {
  section(
    'Capture gaps',
    v.captureGaps.map((g) => `${g.time}: ${mdText(g.what)}: ${mdText(g.why)}`),
  );
  section(
    'Prompts',
    v.prompts.map((p) => mdText(p.text)),
  );
  section(
    'Reasoning',
    v.reasoning.slice(0, 20).map((r) => mdText(r.text)),
  );
  section(
    'Decisions',
    v.decisions.map((d) => `${mdText(d.text)} _(${d.provenance})_`),
  );
  section(
    'Constraints',
    v.constraints.map((d) => `${mdText(d.text)} _(${d.provenance})_`),
  );
  section(
    'Alternatives rejected',
    v.alternatives.map((a) => `${mdText(a.approach)} — rejected because ${mdText(a.rejectedBecause)}`),
  );
  section(
    'Risks',
    v.risks.map((r) => `${r.severity ? `**${r.severity}** ` : ''}${mdText(r.text)}`),
  );
  section(
    'Context used',
    contextUsed(v.context).map(
      (x) =>
        `${x.source}: ${mdText(x.ref)}${x.digests.map((d) => ` (${d.slice(0, 19)})`).join('')}${
          x.notes.length > 0 ? ` — ${x.notes.map(mdText).join('; ')}` : ''
        }`,
    ),
  );
  section(
    'Checks',
    v.validations.map(
      (x) =>
        `${x.status === 'passed' ? '✅' : x.status === 'failed' ? '❌' : '⚠️ skipped'} ${mdText(x.check)} (attempt ${x.attempt})${x.exitCode !== undefined ? `, exit ${x.exitCode}` : ''}${x.reason ? ` — ${mdText(x.reason)}` : ''}`,
    ),
  );
  section(
    'Repairs',
    v.repairs.map(
      (r) =>
        `${mdText(r.check)} attempt ${r.attempt}: ${r.outcome}${r.files.length ? ` after editing ${r.files.map(mdText).join(', ')}` : ''}`,
    ),
  );
  section(
    'Commands',
    v.commands
      .slice(0, 50)
      .map(
        (x) =>
          `\`${mdCommand(x.command)}\` → ${x.exitCode ?? '?'}${x.durationMs !== undefined ? ` in ${Math.round(x.durationMs)} ms` : ''}`,
      ),
  );
}

export function renderCheckpointMarkdown(v: CheckpointView): string {
  const c = v.checkpoint;
  const out: string[] = [];
  out.push(`## Checkpoint ${v.id.slice(0, 12)} — commit ${c.commit.slice(0, 12)}`);
  out.push('');
  out.push(`- **Message:** ${mdText(c.message ?? '')}`);
  out.push(`- **Author:** ${mdText(c.author ?? '')}${c.branch ? ` on \`${mdText(c.branch)}\`` : ''}`);
  out.push(`- **Review:** ${mdText(v.approval.detail)}`);
  out.push(
    `- **Lines added:** ${v.lines.added} (${v.lines.ai} AI, ${v.lines.human} human, ${v.lines.unknown} unknown), removed ${v.lines.removed}`,
  );
  if (c.rewrittenFrom)
    out.push(`- **Rewritten from:** ${c.rewrittenFrom.commit.slice(0, 12)} (${mdText(c.rewrittenFrom.how)})`);
  for (const s of v.sessions) {
    out.push('', `### ${sessionTitle(s)}`, ...sessionFacts(s));
  }
  const section = sectionsInto(out);
  eventSections(v, section);
  section(
    'Files',
    c.files.map(
      (f) =>
        `${mdText(f.path)} (${f.status}): +${f.added} −${f.removed}; ${f.aiLines} AI, ${f.humanLines} human, ${f.unknownLines} unknown`,
    ),
  );
  // A usage record holds its session's running total: this commit's share is given beside it.
  section(
    'Usage (added by this commit; session total so far)',
    v.usage.map(
      (u) =>
        `${mdText(u.model ?? 'model?')}${v.sessions.length > 1 ? ` (session ${mdText(u.sessionId)})` : ''}: this commit +${u.added.inputTokens} in, +${u.added.outputTokens} out, +${u.added.cacheReadTokens} cache read${u.costUsd !== undefined ? `, ≈ $${u.added.costUsd.toFixed(4)}` : ''}; session so far ${u.inputTokens} in, ${u.outputTokens} out, ${u.cacheReadTokens} cache read${u.costUsd !== undefined ? `, ≈ $${u.costUsd.toFixed(4)}` : ''}`,
    ),
  );
  section(
    'Reviews',
    v.reviews.map(
      (r) =>
        `${mdText(r.reviewer)}: ${r.decision}${r.examinedReasoning ? ' (examined the reasoning)' : ''}${r.message ? ` — ${mdText(r.message)}` : ''} at ${r.time}${r.countedOnTimestamp ? ` (counted: ${mdText(r.countedOnTimestamp)})` : ''}`,
    ),
  );
  section(
    'Reviews not counted',
    v.reviewsNotCounted.map(
      (r) => `${mdText(r.reviewer)}: ${r.decision} at ${r.time}, not counted: ${mdText(r.why)}`,
    ),
  );
  section(
    'Review thread',
    reviewThread(v.reviews).map(
      (t) =>
        `#${t.n} ${mdText(t.by)} (${t.decision}): ${mdText(t.text)}${t.responses.map((r) => ` ↳ ${mdText(r.by)}: ${mdText(r.text)}`).join('')}`,
    ),
  );
  section('Changed after approval', changedAfterApproval(v));
  section(
    'Tests',
    v.tests.map(
      (t) =>
        `${t.totals.passed}/${t.totals.tests} passed, ${t.totals.failed} failed, ${t.totals.skipped} skipped${t.coverage ? `; line coverage ${t.coverage.lines.pct}%` : ''}`,
    ),
  );
  section('Deployments', [
    ...v.deployments.map((d) => `${mdText(d.env)}: ${d.status} at ${d.time}${d.url ? ` (${d.url})` : ''}`),
    ...v.rollbacks.map(
      (r) =>
        `rolled back in ${mdText(r.env)} from ${r.from.slice(0, 12)} to ${r.to.slice(0, 12)}: ${mdText(r.reason)}`,
    ),
  ]);
  return `${out.join('\n')}\n`;
}

/** Terminal text: the Markdown without its markup. */
export function renderCheckpointText(v: CheckpointView): string {
  return markdownAsText(renderCheckpointMarkdown(v));
}

/** What the Markdown renderers write, without its markup, for a terminal. */
export function markdownAsText(markdown: string): string {
  return markdown
    .replace(/^#+ /gm, '')
    .replace(/\*\*/g, '')
    .replace(/\\([\\`*_[\]<>|#])/g, '$1');
}

export interface ThreadItem {
  /** Numbered from 1 in time order; `trail review --respond-to N` answers item N. */
  n: number;
  by: string;
  decision: RecordOf<'review'>['decision'];
  text: string;
  at: string;
  responses: Array<{ by: string; text: string; at: string }>;
}

/**
 * A checkpoint's review thread: every review message and comment, in time order, each with
 * the responses recorded to it. Records are immutable, so a response is a later review whose
 * `comments[]` repeats the comment (and who wrote it) beside the response.
 */
export function reviewThread(reviews: ReadonlyArray<RecordOf<'review'>>): ThreadItem[] {
  const items: ThreadItem[] = [];
  const sorted = [...reviews].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  for (const r of sorted) {
    if (r.message) {
      items.push({
        n: items.length + 1,
        by: r.reviewer,
        decision: r.decision,
        text: r.message,
        at: r.time,
        responses: [],
      });
    }
    for (const c of r.comments) {
      const answered = items.find(
        (i) => i.text.slice(0, 4096) === c.comment && (c.by === undefined || c.by === i.by),
      );
      if (answered && c.response !== undefined) {
        answered.responses.push({ by: r.reviewer, text: c.response, at: r.time });
      } else if (!answered) {
        items.push({
          n: items.length + 1,
          by: c.by ?? r.reviewer,
          decision: r.decision,
          text: c.comment,
          at: r.time,
          responses: c.response === undefined ? [] : [{ by: r.reviewer, text: c.response, at: r.time }],
        });
      }
    }
  }
  return items;
}

/** What was recorded about an approved checkpoint after its approval: corrections and newer checkpoints. */
function changedAfterApproval(v: CheckpointView): string[] {
  const approvals = v.reviews.filter((r) => r.decision === 'approve');
  if (approvals.length === 0) return [];
  const approvedAt = approvals.map((r) => r.time).sort()[0]!;
  const out = v.corrections
    .filter((x) => x.time > approvedAt)
    .map((x) => `correction ${x.id.slice(0, 12)} at ${x.time}: ${mdText(x.reason)}`);
  if (v.approval.unchangedSinceApproval === false) {
    out.push(
      ...(v.history.length > 0
        ? v.history.map(
            (h) =>
              `another checkpoint ${h.id.slice(0, 12)} for commit ${h.commit.slice(0, 12)}${h.how ? ` (${mdText(h.how)})` : ''}`,
          )
        : ['the approval is bound to another checkpoint of this commit']),
    );
  }
  return out;
}
