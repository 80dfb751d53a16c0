/** A session view as Markdown (`trail show <session> --md`) or terminal text. */
import {
  eventSections,
  markdownAsText,
  mdText,
  sectionsInto,
  sessionFacts,
  sessionTitle,
} from './render-checkpoint.js';
import type { SessionView } from './session-view.js';

export function renderSessionMarkdown(v: SessionView): string {
  const s = v.session;
  const out = [`## ${sessionTitle(s)}`, '', ...sessionFacts(s)];
  if (s.request.summary) out.push(`- **Asked:** ${mdText(s.request.summary)}`);
  out.push(`- **Started:** ${s.startedAt}${s.endedAt ? `; ended ${s.endedAt}` : '; no end recorded'}`);
  out.push(
    `- **Carried by:** ${
      v.checkpoints.length === 0
        ? 'no commit: no checkpoint names it (a session that changed nothing is sealed alone)'
        : v.checkpoints
            .map((c) => `commit ${c.commit.slice(0, 12)} (checkpoint ${c.id.slice(0, 12)})`)
            .join(', ')
    }`,
  );
  const section = sectionsInto(out);
  eventSections(v, section);
  section('Files edited', [...new Set(v.edits.map((e) => e.path))].map(mdText));
  // A usage record holds the session's running total: the latest of each model is all of it.
  section(
    'Usage (session total)',
    v.usage.map(
      (u) =>
        `${mdText(u.model ?? 'model?')}: ${u.inputTokens} in, ${u.outputTokens} out, ${u.cacheReadTokens} cache read${u.costUsd !== undefined ? `, ≈ $${u.costUsd.toFixed(4)}` : ''}`,
    ),
  );
  return `${out.join('\n')}\n`;
}

export function renderSessionText(v: SessionView): string {
  return markdownAsText(renderSessionMarkdown(v));
}
