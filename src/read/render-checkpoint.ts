/** A checkpoint view as Markdown (`trail show --md`, PR comments) or terminal text. */
import type { CheckpointView } from './checkpoint-view.js';

function clip(text: string, max = 400): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** Markdown-safe inline text: records hold anything, including markup. */
export function mdText(text: string): string {
  return clip(text).replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`);
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
    out.push('');
    out.push(
      `### Session ${mdText(s.sessionId)} (${mdText(s.agent.name)}${s.agent.version ? ` ${mdText(s.agent.version)}` : ''})`,
    );
    out.push(`- **Model:** ${mdText(s.model ?? 'not recorded')}`);
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
  }
  const section = (title: string, items: string[]) => {
    if (items.length === 0) return;
    out.push('', `### ${title}`, ...items.map((i) => `- ${i}`));
  };
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
    v.context.map((x) => `${x.source}: ${mdText(x.ref)}${x.digest ? ` (${x.digest.slice(0, 19)})` : ''}`),
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
          `\`${mdText(x.command)}\` → ${x.exitCode ?? '?'}${x.durationMs !== undefined ? ` in ${Math.round(x.durationMs)} ms` : ''}`,
      ),
  );
  section(
    'Files',
    c.files.map(
      (f) =>
        `${mdText(f.path)} (${f.status}): +${f.added} −${f.removed}; ${f.aiLines} AI, ${f.humanLines} human, ${f.unknownLines} unknown`,
    ),
  );
  section(
    'Usage',
    v.usage.map(
      (u) =>
        `${mdText(u.model ?? 'model?')}: ${u.inputTokens} in, ${u.outputTokens} out, ${u.cacheReadTokens} cache read${u.costUsd !== undefined ? `, ≈ $${u.costUsd.toFixed(4)}` : ''}`,
    ),
  );
  section(
    'Reviews',
    v.reviews.map(
      (r) =>
        `${mdText(r.reviewer)}: ${r.decision}${r.examinedReasoning ? ' (examined the reasoning)' : ''}${r.message ? ` — ${mdText(r.message)}` : ''} at ${r.time}`,
    ),
  );
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
  return renderCheckpointMarkdown(v)
    .replace(/^#+ /gm, '')
    .replace(/\*\*/g, '')
    .replace(/\\([\\`*_[\]<>|#])/g, '$1');
}
