/** `trail review <commit|checkpoint|range>`: a signed review bound to each checkpoint's hash. */

import type { Command } from 'commander';
import type { ReviewDecision } from '../../chain/review.js';
import { recordReviews } from '../../chain/review.js';
import { countLabel } from '../../core/count-label.js';
import { TrailError } from '../../core/errors.js';
import { findRepo } from '../../ledger/repo.js';
import type { CommandContext } from '../context.js';
import { printJson, say } from '../output.js';

interface ReviewOptions {
  approve?: boolean;
  requestChanges?: boolean;
  comment?: boolean;
  reviewer?: string;
  message?: string;
  examinedReasoning?: boolean;
  respondTo?: string;
  response?: string;
  json?: boolean;
}

const PAST: Record<ReviewDecision, string> = {
  approve: 'approved',
  'request-changes': 'requested changes on',
  comment: 'commented on',
};

function decisionOf(options: ReviewOptions): ReviewDecision {
  const given: ReviewDecision[] = [];
  if (options.approve) given.push('approve');
  if (options.requestChanges) given.push('request-changes');
  if (options.comment) given.push('comment');
  if (given.length === 0) {
    throw new TrailError('USAGE', 'say what you decided: --approve, --request-changes or --comment');
  }
  if (given.length > 1) {
    throw new TrailError('USAGE', `give one decision, not ${given.map((d) => `--${d}`).join(' and ')}`);
  }
  return given[0]!;
}

function respondToOf(options: ReviewOptions): number | undefined {
  if (options.respondTo === undefined) {
    if (options.response !== undefined) throw new TrailError('USAGE', '--response goes with --respond-to N');
    return undefined;
  }
  if (!/^[1-9][0-9]{0,8}$/.test(options.respondTo)) {
    throw new TrailError(
      'USAGE',
      '--respond-to takes the number of a comment in the review thread (see trail show)',
    );
  }
  if (!options.response?.trim()) throw new TrailError('USAGE', '--respond-to N needs --response TEXT');
  return Number(options.respondTo);
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('review')
    .description('review AI work: a review signed with your key, bound to each checkpoint in the target')
    .argument('<target>', 'a commit, a checkpoint id (or prefix), a ckpt_ key, or a range A..B')
    .option('--approve', 'approve the checkpoint(s)')
    .option('--request-changes', 'ask for changes')
    .option('--comment', 'comment without a decision')
    .option('--reviewer <email>', 'who reviews (default: git user.email)')
    .option('-m, --message <text>', 'what you have to say; it becomes a numbered comment in the thread')
    .option('--examined-reasoning', "you read the agent's reasoning, not only the diff")
    .option('--respond-to <n>', 'answer comment number N of the review thread')
    .option('--response <text>', 'the answer to --respond-to N')
    .option('--json', 'machine output on stdout')
    .action(async (target: string, options: ReviewOptions) => {
      const decision = decisionOf(options);
      const respondTo = respondToOf(options);
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      const outcome = await recordReviews(repo, {
        target,
        decision,
        ...(options.reviewer !== undefined ? { reviewer: options.reviewer } : {}),
        ...(options.message ? { message: options.message } : {}),
        examinedReasoning: options.examinedReasoning === true,
        ...(respondTo !== undefined ? { respondTo, response: options.response! } : {}),
      });
      if (options.json) return printJson(ctx.io, outcome);
      for (const r of outcome.reviews) {
        const roles = [r.reviewerIsRequester ? 'requester' : '', r.reviewerIsAuthor ? 'commit author' : '']
          .filter(Boolean)
          .join(' and ');
        say(
          ctx.io,
          `${outcome.reviewer} ${PAST[decision]} checkpoint ${r.checkpoint.slice(0, 12)} (commit ${r.commit.slice(0, 12)}), signed with key ${outcome.keyId.slice(0, 12)}: review ${r.id.slice(0, 12)}${roles ? ` (note: the reviewer is also its ${roles})` : ''}`,
        );
      }
      if (outcome.withoutCheckpoint.length > 0) {
        say(
          ctx.io,
          `not reviewed: ${countLabel(outcome.withoutCheckpoint.length, 'commit')} in the range ${outcome.withoutCheckpoint.length === 1 ? 'has' : 'have'} no checkpoint (${outcome.withoutCheckpoint.map((c) => c.slice(0, 12)).join(', ')})`,
        );
      }
    });
}
