/**
 * `trail import github-review FILE` and `trail import gitlab-approval FILE`: a code host's
 * review webhook payload, saved to a file, recorded as reviews of the commits (and their
 * checkpoints) the pull or merge request holds. The review happened on the code host, so
 * each record has provenance `observed`, `source` github|gitlab and the review's URL; it
 * carries no reviewer signature (the code host holds no key of the reviewer's), and its
 * authenticity rests on the importing writer's signed log.
 *
 * All or nothing: a malformed payload, a delivery that is not a review decision, or a head
 * commit this repository does not hold is one line on stderr and nothing is recorded.
 * Importing the same payload twice records nothing the second time.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { mapReviewEvent } from '../chain/code-host-mapping.js';
import { sameIdentity } from '../chain/review.js';
import type { CommandContext } from '../cli/context.js';
import { printJson, say } from '../cli/output.js';
import { parseJson } from '../core/canonical-json.js';
import { fileError, TrailError } from '../core/errors.js';
import type { RecordOf } from '../core/records.js';
import { type CodeHostEvent, parseGitHubEvent, parseGitLabEvent } from '../evidence/code-host.js';
import { codeHostReviewRecord } from '../evidence/code-host-review.js';
import { loadIndex } from '../ledger/read.js';
import { findRepo, requireInitialised } from '../ledger/repo.js';
import { appendAsThisClone } from '../ledger/writer.js';

export const CODE_HOST_IMPORT_KINDS = ['github-review', 'gitlab-approval'] as const;
export type CodeHostImportKind = (typeof CODE_HOST_IMPORT_KINDS)[number];

export function isCodeHostImportKind(kind: string): kind is CodeHostImportKind {
  return (CODE_HOST_IMPORT_KINDS as readonly string[]).includes(kind);
}

export interface CodeHostImportResult {
  host: 'github' | 'gitlab';
  number: number;
  reviewer: string;
  decision: RecordOf<'review'>['decision'];
  commits: string[];
  /** Ids of the review records appended (empty when all were imported before). */
  recorded: string[];
  alreadyRecorded: number;
  withCheckpoint: number;
  how: string;
}

function readPayload(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw fileError('read', file, error);
  }
  return parseJson(text, file);
}

function parseEvent(kind: CodeHostImportKind, payload: unknown, file: string): CodeHostEvent {
  try {
    return kind === 'github-review'
      ? parseGitHubEvent('pull_request_review', payload)
      : // A saved payload has no X-Gitlab-Event header: its object_kind says what it is.
        parseGitLabEvent('', payload);
  } catch (error) {
    if (error instanceof TrailError) throw new TrailError(error.code, `${file}: ${error.message}`);
    throw error;
  }
}

/** The same review of the same commit from the same host, whoever imported it. */
function dedupeKey(r: {
  source: string;
  reviewer: string;
  decision: string;
  time: string;
  commit?: string;
  externalUrl?: string;
}): string {
  return [r.source, r.reviewer, r.decision, r.time, r.commit ?? '', r.externalUrl ?? ''].join('\u0000');
}

export async function importCodeHostReview(
  cwd: string,
  kind: CodeHostImportKind,
  file: string,
): Promise<CodeHostImportResult> {
  const repo = await findRepo(cwd);
  requireInitialised(repo);
  const path = resolve(cwd, file);
  const event = parseEvent(kind, readPayload(path), file);
  if (event.type === 'ignored')
    throw new TrailError('INPUT_INVALID', `${file}: nothing to record: ${event.reason}`);
  if (event.type !== 'review') {
    throw new TrailError('INPUT_INVALID', `${file}: a ${event.type} event, not a review`);
  }
  // Checkpoints, reviews (for duplicates) and sessions (for requesters): never events.
  const index = await loadIndex(repo, { skipKinds: ['event'] });
  const mapped = await mapReviewEvent(repo.workTree, index, event);
  const existing = new Set(
    index.records.flatMap((s) => (s.record.kind === 'review' ? [dedupeKey(s.record)] : [])),
  );
  const records: RecordOf<'review'>[] = [];
  let alreadyRecorded = 0;
  for (const commit of mapped.commits) {
    const checkpoint = mapped.checkpoints.get(commit);
    const requesters = checkpoint
      ? checkpoint.record.sessions.flatMap((s) => {
          const requester = index.sessions.get(s.sessionId)?.record.request.requester;
          return requester ? [requester] : [];
        })
      : [];
    // A code host login and a git email are different namespaces: only an equal identity is
    // a finding; otherwise the relation is left unknown rather than guessed.
    const reviewerIsRequester = requesters.some((r) => sameIdentity(r, event.reviewer)) ? true : undefined;
    const reviewerIsAuthor =
      event.author !== undefined
        ? sameIdentity(event.author, event.reviewer)
        : sameIdentity(checkpoint?.record.author, event.reviewer)
          ? true
          : undefined;
    const record = codeHostReviewRecord(event, commit, {
      checkpoint: checkpoint?.id,
      reviewerIsRequester,
      reviewerIsAuthor,
    });
    if (existing.has(dedupeKey(record))) alreadyRecorded++;
    else records.push(record);
  }
  const appended = records.length > 0 ? await appendAsThisClone(repo, records) : { ids: [] as string[] };
  return {
    host: event.host,
    number: event.number,
    reviewer: event.reviewer,
    decision: event.decision,
    commits: mapped.commits,
    recorded: appended.ids,
    alreadyRecorded,
    withCheckpoint: mapped.checkpoints.size,
    how: mapped.how,
  };
}

/** The CLI side of `trail import github-review|gitlab-approval FILE`. */
export async function runCodeHostImport(
  ctx: CommandContext,
  kind: CodeHostImportKind,
  file: string,
  options: { json?: boolean } = {},
): Promise<void> {
  const result = await importCodeHostReview(ctx.cwd, kind, file);
  if (options.json) return printJson(ctx.io, result);
  const what =
    result.host === 'github' ? `pull request #${result.number}` : `merge request !${result.number}`;
  const commits = `${result.commits.length} commit${result.commits.length === 1 ? '' : 's'}`;
  say(
    ctx.io,
    result.recorded.length === 0
      ? `${what}: ${result.reviewer}'s ${result.decision} was already recorded for its ${commits}`
      : `${what}: recorded ${result.reviewer}'s ${result.decision} for ${commits} (${result.withCheckpoint} with a checkpoint; ${result.how})`,
  );
}
