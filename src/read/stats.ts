/**
 * AI share of added lines, from checkpoints: by file, directory, author, agent, model and
 * month. Lines from commits without a checkpoint count as the caller says, by the rule blame
 * uses (`originWithoutCheckpoint`): human when no agent was recorded touching them, unknown
 * when they were committed before Trail tracked the repository.
 */
import type { TrailIndex } from '../core/trail-index.js';

export interface Share {
  key: string;
  ai: number;
  human: number;
  unknown: number;
  /** Percent of added lines that are AI, one decimal; null when no line's origin is known. */
  share: number | null;
}

export interface Stats {
  totals: Share;
  byFile: Share[];
  byDirectory: Share[];
  byAuthor: Share[];
  byAgent: Share[];
  byModel: Share[];
  byMonth: Share[];
}

class Tally {
  private readonly rows = new Map<string, { ai: number; human: number; unknown: number }>();

  add(key: string, ai: number, human: number, unknown: number): void {
    const row = this.rows.get(key) ?? { ai: 0, human: 0, unknown: 0 };
    row.ai += ai;
    row.human += human;
    row.unknown += unknown;
    this.rows.set(key, row);
  }

  list(): Share[] {
    return [...this.rows]
      .map(([key, r]) => ({ key, ...r, share: share(r) }))
      .sort(
        (a, b) => b.ai + b.human + b.unknown - (a.ai + a.human + a.unknown) || a.key.localeCompare(b.key),
      );
  }
}

/**
 * Unknown lines stay in the denominator, so a share is the least AI part the record allows.
 * With no line of known origin there is no such figure: 0% would read as "no AI" for a
 * repository whose history predates Trail.
 */
function share(r: { ai: number; human: number; unknown: number }): number | null {
  if (r.ai + r.human === 0) return null;
  return Math.round((r.ai / (r.ai + r.human + r.unknown)) * 1000) / 10;
}

/** A commit without a checkpoint: its added lines, all of one origin. */
export interface UncheckpointedCommit {
  author: string;
  month: string;
  origin: 'human' | 'unknown';
  files: Array<{ path: string; added: number }>;
}

export function computeStats(
  index: TrailIndex,
  uncheckpointed: readonly UncheckpointedCommit[] = [],
  /**
   * The commits in the range asked for: only their checkpoints count. A rewrite's original
   * (amended, rebased, squashed) has left the history and is not counted beside its
   * replacement. Absent: every commit with a checkpoint.
   */
  inRange?: ReadonlySet<string>,
): Stats {
  const t = {
    file: new Tally(),
    dir: new Tally(),
    author: new Tally(),
    agent: new Tally(),
    model: new Tally(),
    month: new Tally(),
  };
  const totals = { ai: 0, human: 0, unknown: 0 };
  const seen = new Set<string>();
  // The newest checkpoint per commit counts (a rewrite supersedes the original).
  for (const c of index.checkpointByCommit.values()) {
    if (seen.has(c.record.commit) || (inRange && !inRange.has(c.record.commit))) continue;
    seen.add(c.record.commit);
    const month = c.record.time.slice(0, 7);
    const author = c.record.author ?? 'unknown';
    for (const f of c.record.files) {
      t.file.add(f.path, f.aiLines, f.humanLines, f.unknownLines);
      t.dir.add(
        f.path.includes('/') ? f.path.slice(0, f.path.lastIndexOf('/')) : '.',
        f.aiLines,
        f.humanLines,
        f.unknownLines,
      );
      t.author.add(author, f.aiLines, f.humanLines, f.unknownLines);
      t.month.add(month, f.aiLines, f.humanLines, f.unknownLines);
      totals.ai += f.aiLines;
      totals.human += f.humanLines;
      totals.unknown += f.unknownLines;
    }
    // Per agent and model: AI lines by the session that wrote them.
    for (const [, spans] of Object.entries(c.record.attribution)) {
      for (const s of spans) {
        if (s.origin !== 'ai') continue;
        const session = c.record.sessions.find((x) => x.sessionId === s.sessionId);
        t.agent.add(session?.agent ?? 'unknown', s.end - s.start + 1, 0, 0);
        t.model.add(session?.model ?? 'unknown', s.end - s.start + 1, 0, 0);
      }
    }
  }
  for (const h of uncheckpointed) {
    for (const f of h.files) {
      const human = h.origin === 'human' ? f.added : 0;
      const unknown = h.origin === 'unknown' ? f.added : 0;
      t.file.add(f.path, 0, human, unknown);
      t.dir.add(f.path.includes('/') ? f.path.slice(0, f.path.lastIndexOf('/')) : '.', 0, human, unknown);
      t.author.add(h.author, 0, human, unknown);
      t.month.add(h.month, 0, human, unknown);
      totals.human += human;
      totals.unknown += unknown;
    }
  }
  return {
    totals: { key: 'all', ...totals, share: share(totals) },
    byFile: t.file.list(),
    byDirectory: t.dir.list(),
    byAuthor: t.author.list(),
    byAgent: t.agent.list(),
    byModel: t.model.list(),
    byMonth: t.month.list().sort((a, b) => a.key.localeCompare(b.key)),
  };
}
