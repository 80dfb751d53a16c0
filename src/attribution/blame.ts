/**
 * Each line's origin at a commit: `git blame --porcelain` says which commit introduced the
 * line and where it was in that commit; that commit's checkpoint says who wrote it. A commit
 * without a checkpoint made while Trail was tracking the repository is human work (no AI
 * session touched it); one from before that, or one whose trailer names a checkpoint that
 * cannot be found, is `unknown`: never a guess.
 */
import { originWithoutCheckpoint } from '../core/before-tracking.js';
import type { TrailIndex } from '../core/trail-index.js';
import { unquoteGitPath } from '../git/quoted-path.js';
import { runGit } from '../git/run.js';
import { lineTurns } from './line-turn.js';

export interface BlameLine {
  line: number;
  commit: string;
  /** The line's number in the commit that introduced it. */
  originalLine: number;
  /** The file's path in that commit (differs after a rename). */
  originalPath: string;
  author: string;
  authorTime: string;
  committerTime: number;
  summary: string;
  text: string;
}

export interface LineOrigin extends BlameLine {
  origin: 'ai' | 'human' | 'unknown';
  checkpoint?: string;
  sessionId?: string;
  agent?: string;
  model?: string;
  /** The prompt of the turn that wrote the line, or where that is not known, the session's first. */
  prompt?: string;
  /** Which prompt `prompt` is: the line's own turn's, or the session's first (line-turn.ts). */
  promptOf?: 'turn' | 'session';
  overrodeSessionId?: string;
  reason: string;
}

/** Parses `git blame --porcelain` output. */
export function parseBlamePorcelain(text: string): BlameLine[] {
  const lines: BlameLine[] = [];
  const commits = new Map<
    string,
    { author: string; authorTime: string; committerTime: number; summary: string; originalPath: string }
  >();
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const head = /^([0-9a-f]{40,64}) (\d+) (\d+)/.exec(rows[i]!);
    if (!head) continue;
    const commit = head[1]!;
    const meta = commits.get(commit) ?? {
      author: '',
      authorTime: '',
      committerTime: 0,
      summary: '',
      originalPath: '',
    };
    let j = i + 1;
    for (; j < rows.length && !rows[j]!.startsWith('\t'); j++) {
      const row = rows[j]!;
      if (row.startsWith('author ')) meta.author = row.slice(7);
      else if (row.startsWith('author-mail ')) meta.author = `${meta.author} ${row.slice(12)}`;
      else if (row.startsWith('author-time '))
        meta.authorTime = new Date(Number(row.slice(12)) * 1000).toISOString();
      else if (row.startsWith('committer-time ')) meta.committerTime = Number(row.slice(15));
      else if (row.startsWith('summary ')) meta.summary = row.slice(8);
      // Quoted when it holds `"`, a control character or non-ASCII: the checkpoint keys files by
      // the path itself.
      else if (row.startsWith('filename ')) meta.originalPath = unquoteGitPath(row.slice(9));
    }
    commits.set(commit, meta);
    lines.push({
      line: Number(head[3]),
      commit,
      originalLine: Number(head[2]),
      ...meta,
      text: (rows[j] ?? '\t').slice(1),
    });
    i = j;
  }
  return lines;
}

export async function blameFile(workTree: string, path: string, rev = 'HEAD'): Promise<BlameLine[]> {
  const result = await runGit(workTree, ['blame', '--porcelain', rev, '--', path]);
  return parseBlamePorcelain(result.stdout.toString('utf8'));
}

/**
 * Origins for blamed lines, from the checkpoints in the index. `trackedSince` is in seconds
 * (`trackedSinceSeconds`).
 */
export function originsOf(
  lines: readonly BlameLine[],
  index: TrailIndex,
  trackedSince?: number,
): LineOrigin[] {
  const firstPrompt = new Map<string, string | undefined>();
  const promptOf = (sessionId: string) => {
    if (!firstPrompt.has(sessionId)) {
      const prompt = index.eventsBySession.get(sessionId)?.find((e) => e.record.event.type === 'prompt');
      firstPrompt.set(
        sessionId,
        prompt && prompt.record.event.type === 'prompt' ? prompt.record.event.text : undefined,
      );
    }
    return firstPrompt.get(sessionId);
  };
  const turnOf = lineTurns(index);
  return lines.map((line) => {
    const checkpoint = index.checkpointByCommit.get(line.commit);
    if (!checkpoint) return { ...line, ...originWithoutCheckpoint(line.committerTime, trackedSince) };
    const spans = checkpoint.record.attribution[line.originalPath];
    const span = spans?.find((s) => s.start <= line.originalLine && line.originalLine <= s.end);
    if (!span) {
      return {
        ...line,
        origin: 'unknown',
        checkpoint: checkpoint.id,
        reason: 'the checkpoint has no attribution for this line',
      };
    }
    const session = span.sessionId
      ? checkpoint.record.sessions.find((s) => s.sessionId === span.sessionId)
      : undefined;
    const turn =
      span.sessionId && span.origin === 'ai'
        ? turnOf(checkpoint.record, span.sessionId, line.originalPath, line.text)
        : undefined;
    const prompt = turn?.prompt ?? (span.sessionId ? promptOf(span.sessionId) : undefined);
    const model = turn?.model ?? session?.model;
    return {
      ...line,
      origin: span.origin,
      checkpoint: checkpoint.id,
      ...(span.sessionId ? { sessionId: span.sessionId } : {}),
      ...(prompt !== undefined ? { prompt, promptOf: turn?.prompt !== undefined ? 'turn' : 'session' } : {}),
      ...(session ? { agent: session.agent } : {}),
      ...(model !== undefined ? { model } : {}),
      ...(span.overrodeSessionId ? { overrodeSessionId: span.overrodeSessionId } : {}),
      reason:
        span.origin === 'ai'
          ? 'written by an agent'
          : span.origin === 'human'
            ? 'written by a person'
            : 'origin unknown',
    };
  });
}

export async function blameWithOrigins(
  workTree: string,
  path: string,
  index: TrailIndex,
  options: { rev?: string; trackedSince?: number } = {},
): Promise<LineOrigin[]> {
  const lines = await blameFile(workTree, path, options.rev);
  return originsOf(lines, index, options.trackedSince);
}
