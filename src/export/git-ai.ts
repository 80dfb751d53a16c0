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

/** What Trail puts before its version in `git_ai_version`: how it knows a note is its own. */
const TRAIL_VERSION_PREFIX = 'trail-';

/**
 * A path as the attestation section carries it, or undefined when it cannot. git-ai's parser
 * takes a path a line and strips the double quotes around one, unescaping nothing: so a path
 * with whitespace (or one that reads as the `---` divider) goes in quotes as it is, and one
 * holding a double quote or a newline has no form it would read back.
 */
function quotePath(path: string): string | undefined {
  if (/["\n]/.test(path)) return undefined;
  return /\s/.test(path) || path === '---' ? `"${path}"` : path;
}

export interface GitAiNote {
  text: string;
  /** Paths the format cannot carry (a double quote or a newline in the name), left out of `text`. */
  leftOut: string[];
}

/**
 * The tool names git-ai's own presets write in `agent_id.tool` (git-ai-project/git-ai,
 * src/commands/checkpoint_agent/presets/*.rs: "claude", "gemini", "codex", "cursor"), where
 * Trail's agent names differ. The session key hashes the tool name (`s_` = SHA-256 of
 * "<tool>:<conversation id>"), so only the same name gives the same key for one
 * conversation in both tools' notes.
 */
const GIT_AI_TOOL_NAMES: Readonly<Record<string, string>> = {
  'claude-code': 'claude',
  'gemini-cli': 'gemini',
};

export function gitAiToolName(agent: string): string {
  return GIT_AI_TOOL_NAMES[agent] ?? agent;
}

export function gitAiNote(stored: StoredRecord<RecordOf<'checkpoint'>>, version: string): GitAiNote {
  const c = stored.record;
  const trace = `t_${stored.id.slice(0, 14)}`;
  const sessions: Record<string, unknown> = {};
  const humans: Record<string, unknown> = {};
  const lines: string[] = [];
  const leftOut: string[] = [];
  const author = c.author ?? 'unknown <unknown>';
  const humanKey = `h_${sha256Hex(author).slice(0, 14)}`;
  for (const [path, spans] of Object.entries(c.attribution).sort(([a], [b]) => a.localeCompare(b))) {
    const byKey = new Map<string, Array<{ start: number; end: number }>>();
    // Kept apart until the path is known to go in: a path left out names no one.
    const fileSessions: Record<string, unknown> = {};
    const fileHumans: Record<string, unknown> = {};
    for (const span of spans) {
      let key: string | undefined;
      if (span.origin === 'ai' && span.sessionId) {
        const session = c.sessions.find((s) => s.sessionId === span.sessionId);
        const tool = gitAiToolName(session?.agent ?? 'unknown');
        const s = `s_${sha256Hex(`${tool}:${span.sessionId}`).slice(0, 14)}`;
        key = `${s}::${trace}`;
        fileSessions[s] = {
          agent_id: { tool, id: span.sessionId, model: session?.model ?? 'unknown' },
          human_author: author,
        };
      } else if (span.origin === 'human') {
        key = humanKey;
        fileHumans[humanKey] = { author };
      }
      if (!key) continue;
      byKey.set(key, [...(byKey.get(key) ?? []), span]);
    }
    if (byKey.size === 0) continue;
    const quoted = quotePath(path);
    if (quoted === undefined) {
      leftOut.push(path);
      continue;
    }
    Object.assign(sessions, fileSessions);
    Object.assign(humans, fileHumans);
    lines.push(quoted);
    for (const [key, list] of [...byKey].sort(([a], [b]) => a.localeCompare(b)))
      lines.push(`  ${key} ${ranges(list)}`);
  }
  const metadata = {
    schema_version: GIT_AI_SCHEMA,
    git_ai_version: `${TRAIL_VERSION_PREFIX}${version}`,
    base_commit_sha: c.commit,
    prompts: {},
    sessions,
    humans,
  };
  return {
    text: `${lines.join('\n')}${lines.length ? '\n' : ''}---\n${JSON.stringify(metadata, null, 2)}\n`,
    leftOut,
  };
}

/**
 * Whether a note is one Trail wrote (its metadata's `git_ai_version` is `trail-<version>`),
 * and so one Trail may replace. Anything else, git-ai's own notes first, is someone's record.
 */
export function isTrailNote(text: string): boolean {
  const lines = text.split('\n');
  const divider = lines.indexOf('---');
  if (divider < 0) return false;
  try {
    const metadata = JSON.parse(lines.slice(divider + 1).join('\n')) as { git_ai_version?: unknown };
    return (
      typeof metadata?.git_ai_version === 'string' && metadata.git_ai_version.startsWith(TRAIL_VERSION_PREFIX)
    );
  } catch {
    return false;
  }
}
