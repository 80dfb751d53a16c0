/**
 * git-ai authorship notes, `authorship/3.0.0` (git-ai-project/git-ai,
 * specs/git_ai_standard_v3.0.0.md): per commit, an attestation section (a file path, then
 * two-space-indented `<key> <ranges>` lines), a `---` line, then JSON metadata. AI lines are
 * keyed `s_<sha256("<tool>:<session id>")[0..14]>::t_<trace>`, human lines
 * `h_<sha256("Name <email>")[0..14]>`; unknown lines are left out (untracked, as the spec
 * distinguishes untracked from known-human).
 */
import { sha256Hex } from '../core/hash.js';
import type { RecordOf } from '../core/records.js';
import type { StoredRecord } from '../core/trail-index.js';

export const GIT_AI_SCHEMA = 'authorship/3.0.0';

function ranges(spans: ReadonlyArray<{ start: number; end: number }>): string {
  return [...spans]
    .sort((a, b) => a.start - b.start)
    .map((s) => (s.start === s.end ? `${s.start}` : `${s.start}-${s.end}`))
    .join(',');
}

function quotePath(path: string): string {
  return /[\s"]/.test(path) ? JSON.stringify(path) : path;
}

export function gitAiNote(stored: StoredRecord<RecordOf<'checkpoint'>>, version: string): string {
  const c = stored.record;
  const trace = `t_${stored.id.slice(0, 14)}`;
  const sessions: Record<string, unknown> = {};
  const humans: Record<string, unknown> = {};
  const lines: string[] = [];
  const author = c.author ?? 'unknown <unknown>';
  const humanKey = `h_${sha256Hex(author).slice(0, 14)}`;
  for (const [path, spans] of Object.entries(c.attribution).sort(([a], [b]) => a.localeCompare(b))) {
    const byKey = new Map<string, Array<{ start: number; end: number }>>();
    for (const span of spans) {
      let key: string | undefined;
      if (span.origin === 'ai' && span.sessionId) {
        const session = c.sessions.find((s) => s.sessionId === span.sessionId);
        const tool = session?.agent ?? 'unknown';
        const s = `s_${sha256Hex(`${tool}:${span.sessionId}`).slice(0, 14)}`;
        key = `${s}::${trace}`;
        sessions[s] = {
          agent_id: { tool, id: span.sessionId, model: session?.model ?? 'unknown' },
          human_author: author,
        };
      } else if (span.origin === 'human') {
        key = humanKey;
        humans[humanKey] = { author };
      }
      if (!key) continue;
      byKey.set(key, [...(byKey.get(key) ?? []), span]);
    }
    if (byKey.size === 0) continue;
    lines.push(quotePath(path));
    for (const [key, list] of [...byKey].sort(([a], [b]) => a.localeCompare(b)))
      lines.push(`  ${key} ${ranges(list)}`);
  }
  const metadata = {
    schema_version: GIT_AI_SCHEMA,
    git_ai_version: `trail-${version}`,
    base_commit_sha: c.commit,
    prompts: {},
    sessions,
    humans,
  };
  return `${lines.join('\n')}${lines.length ? '\n' : ''}---\n${JSON.stringify(metadata, null, 2)}\n`;
}
