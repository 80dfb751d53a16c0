/**
 * `trail check [RANGE]`: the policy gate for pre-push and CI. Judges each commit in the
 * range against .trail/policy.yml and prints one line per violation,
 * `<short sha> <rule>: <what is wrong> — <what to do>`, exiting 1 when there is any.
 */
import type { Command } from 'commander';
import type { SetAsideReview } from '../../chain/review-trust.js';
import { notCountedLine } from '../../chain/review-trust.js';
import { checkpointLabelOf, factsForCommits } from '../../core/change-facts.js';
import type { RuleId, Violation } from '../../core/check.js';
import { checkChanges, RULES } from '../../core/check.js';
import { TrailError } from '../../core/errors.js';
import type { RecordOf } from '../../core/records.js';
import type { StoredRecord, TrailIndex } from '../../core/trail-index.js';
import { defaultCheckRange, listCommits, revisionsFor } from '../../git/commit-range.js';
import { loadPolicy } from '../../ledger/policy-file.js';
import { indexForCommits, loadCheckpointsFirst } from '../../ledger/read.js';
import { findRepo } from '../../ledger/repo.js';
import { countReviewsOf } from '../../ledger/review-timestamps.js';
import { nothingFoundNote } from '../../ledger/unfetched-logs.js';
import type { CommandContext } from '../context.js';
import { ExitCode, printJson, say } from '../output.js';

function line(v: Violation): string {
  const sha = v.commit.slice(0, 7);
  return v.level === 'notice'
    ? `${sha} note: ${v.message} (${v.fix})`
    : `${sha} ${v.rule}: ${v.message} — ${v.fix}`;
}

/** A review the gate did not count, as a notice on its commit: visible, never a pass. */
function setAsideNotices(
  index: TrailIndex,
  setAside: readonly SetAsideReview[],
  inRange: ReadonlySet<string>,
): Violation[] {
  const notices: Violation[] = [];
  for (const { review, why } of setAside) {
    const r = review.record;
    const bound = r.checkpoint ? index.byId.get(r.checkpoint) : undefined;
    const checkpoint =
      bound?.record.kind === 'checkpoint' ? (bound as StoredRecord<RecordOf<'checkpoint'>>) : undefined;
    const commit = r.commit ?? checkpoint?.record.commit;
    if (!commit || !inRange.has(commit)) continue;
    notices.push({
      commit,
      checkpoint: checkpointLabelOf(checkpoint),
      rule: 'review',
      message: notCountedLine({ review, why }),
      fix: 'trail verify shows it too; trust the key only if it is the reviewer’s (trail keys trust)',
      level: 'notice',
    });
  }
  return notices;
}

function parseSkip(values: readonly string[] | undefined): Set<RuleId> {
  const skip = new Set<RuleId>();
  for (const value of values ?? []) {
    for (const rule of value
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean)) {
      if (!(RULES as readonly string[]).includes(rule)) {
        throw new TrailError('USAGE', `--skip: unknown rule "${rule}" (rules: ${RULES.join(', ')})`);
      }
      skip.add(rule as RuleId);
    }
  }
  return skip;
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('check')
    .description('check commits against .trail/policy.yml (the pre-push and CI gate)')
    .argument(
      '[range]',
      'commits to check, e.g. main..HEAD, or one commit (default: the commits this branch adds)',
    )
    .option('--skip <rules...>', `rules not to enforce here (comma-separated): ${RULES.join(', ')}`)
    .option('--json', 'machine output on stdout')
    .action(async (range: string | undefined, options: { skip?: string[]; json?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      const skip = parseSkip(options.skip);
      const { policy, source } = loadPolicy(repo);
      const selected = range
        ? { revisions: revisionsFor(range), description: range }
        : await defaultCheckRange(repo.workTree);
      const commits = await listCommits(repo.workTree, selected.revisions, range);
      // The commits' checkpoints are found first; then only what names them is decoded.
      const ledger = await loadCheckpointsFirst(repo);
      const { index, setAside } = await countReviewsOf(
        repo,
        await indexForCommits(
          ledger,
          commits.map((c) => c.sha),
        ),
      );
      const result = checkChanges(factsForCommits(index, commits), policy);
      for (const notice of setAsideNotices(index, setAside, new Set(commits.map((c) => c.sha)))) {
        result.notices.push(notice);
        result.commits.find((c) => c.commit === notice.commit)?.notices.push(notice);
      }
      const violations = result.violations.filter((v) => !skip.has(v.rule));
      const ok = violations.length === 0;
      const withCheckpoint = result.commits.filter((c) => c.checkpoint).length;
      const checksOnly = result.commits.filter((c) => c.personsChecksCheckpoint).length;
      if (options.json) {
        printJson(ctx.io, {
          ok,
          range: selected.description,
          policy: source ?? null,
          skipped: [...skip],
          commits: result.commits.map((c) => ({
            ...c,
            violations: c.violations.filter((v) => !skip.has(v.rule)),
          })),
          violations,
          notices: result.notices,
        });
      } else {
        const order = new Map(commits.map((c, i) => [c.sha, i]));
        const lines = [...violations, ...result.notices].sort(
          (a, b) => order.get(a.commit)! - order.get(b.commit)!,
        );
        for (const v of lines) {
          say(ctx.io, line(v));
        }
        const note = ledger.checkpoints.checkpoints.length === 0 ? await nothingFoundNote(repo) : undefined;
        if (note) say(ctx.io, `note: ${note}`);
        const policyName = source ?? 'the default policy (no .trail/policy.yml)';
        const scope = `${commits.length} commit${commits.length === 1 ? '' : 's'} in ${selected.description} (${withCheckpoint} with a checkpoint${checksOnly > 0 ? `, ${checksOnly} with only a person's checks` : ''}) against ${policyName}`;
        if (ok) say(ctx.io, `check passed: ${scope}`);
        else {
          const failing = new Set(violations.map((v) => v.commit)).size;
          say(
            ctx.io,
            `check failed: ${violations.length} violation${violations.length === 1 ? '' : 's'} in ${failing} of ${scope}`,
          );
        }
      }
      if (!ok) throw new ExitCode(1);
    });
}
