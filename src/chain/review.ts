/**
 * Reviews bound to checkpoints, and what keeps an approval honest afterwards.
 *
 * A review made with `trail review` names the checkpoint's record id (its SHA-256, so it
 * binds every field and every event id the checkpoint seals) and is signed with the
 * reviewer's own key: this clone's writer key when the reviewer runs the command in their
 * clone. The signature is Ed25519 over the DSSE pre-authentication encoding of the canonical
 * JSON of `{checkpoint, commit, decision, examinedReasoning, reviewer, time}` with the type
 * `application/vnd.trail.review.v1+json`, so it can be replayed neither as a tree head nor
 * as another review.
 *
 * Records are never changed, so an approved checkpoint is sealed: a correction, a rewritten
 * checkpoint for the commit or a follow-up commit is a new record, and
 * `checkApprovalIntegrity` tells those (a notice) apart from records that were altered or
 * removed after the approval (a problem).
 */

import type { ApprovalPassKind, ApprovalPassRecord, ApprovalPassRecordOf } from '../core/approval-records.js';
import { canonicalize } from '../core/canonical-json.js';
import { countLabel } from '../core/count-label.js';
import { preAuthEncoding } from '../core/dsse.js';
import { noCommitsYet, TrailError } from '../core/errors.js';
import type { LogExistedBy } from '../core/key-revocation.js';
import {
  claimsAfterRevocation,
  existedBeforeRevocation,
  recordExistedBy,
  revokedAsOf,
} from '../core/key-revocation.js';
import type { TrustedKey } from '../core/log-verifier.js';
import type { RecordKind, RecordOf } from '../core/records.js';
import type { KeyPair } from '../core/signature.js';
import { sign, verifySignature, verifySignatureAsync } from '../core/signature.js';
import type { StoredRecord, TrailIndex } from '../core/trail-index.js';
import { localIdentity } from '../git/identity.js';
import { gitTextOrUndefined, runGit } from '../git/run.js';
import { loadWriterKey } from '../ledger/keys.js';
import { loadCheckpointsFirst } from '../ledger/read.js';
import type { Repo } from '../ledger/repo.js';
import { requireInitialised } from '../ledger/repo.js';
import { appendAsThisClone } from '../ledger/writer.js';
import { buildCheckpointView, findCheckpoint } from '../read/checkpoint-view.js';
import { reviewThread } from '../read/render-checkpoint.js';

export const REVIEW_PAYLOAD_TYPE = 'application/vnd.trail.review.v1+json';

export type ReviewRecord = RecordOf<'review'>;
export type ReviewDecision = ReviewRecord['decision'];
type CheckpointRecord = RecordOf<'checkpoint'>;
/** What signing and checking a review reads of it: a full review record, or the approval pass's view. */
type SignedReview = ApprovalPassRecordOf<'review'>;

// --- signing (pure) ------------------------------------------------------------------------

/** The bytes a reviewer signs: what they decided, about which checkpoint, when, as whom. */
export function reviewSigningBytes(review: SignedReview): Buffer {
  const payload = canonicalize({
    checkpoint: review.checkpoint,
    commit: review.commit,
    decision: review.decision,
    examinedReasoning: review.examinedReasoning,
    reviewer: review.reviewer,
    time: review.time,
  });
  return preAuthEncoding(REVIEW_PAYLOAD_TYPE, Buffer.from(payload, 'utf8'));
}

export function signReview(review: ReviewRecord, key: KeyPair): { keyId: string; sig: string } {
  return { keyId: key.keyId, sig: sign(reviewSigningBytes(review), key.privateKey) };
}

export type ReviewSignatureCheck =
  | { status: 'valid'; keyId: string }
  | { status: 'unsigned' }
  | { status: 'unknown-key' | 'bad-signature'; keyId: string; message: string }
  | {
      status: 'revoked-key';
      keyId: string;
      message: string;
      /**
       * The review's own time is at or after the revocation: the key was used once revoked,
       * not only withdrawn. Otherwise nothing shows which side of the revocation it was
       * signed on: its time is the reviewer's own claim.
       */
      signedAfterRevocation: boolean;
    };

/**
 * Whether a review's signature holds with a trusted key that is not revoked. A key revoked as
 * of `now` vouches for no review, whatever time the review states: that time is the reviewer's
 * own claim, and whoever holds a stolen key backdates it at will (core/key-revocation.ts).
 * Only a time nobody on the team controls tells: where a trusted authority's timestamp over
 * the log holding the review shows it existed before the revocation (`existedBy`), the
 * signature was made while the key was in force, and holds.
 * @param verdict the Ed25519 check's result when it was made ahead of time
 *   (reviewSignatureVerdict); without it the check is made here.
 * @param now when revocations are judged (default: now)
 * @param existedBy when a timestamp shows the review's record existed by (ms: recordExistedBy)
 */
export function checkReviewSignature(
  review: SignedReview,
  trustedKeys: ReadonlyMap<string, TrustedKey>,
  verdict?: boolean,
  now = Date.now(),
  existedBy?: number,
): ReviewSignatureCheck {
  const signature = review.signature;
  if (!signature) return { status: 'unsigned' };
  const key = trustedKeys.get(signature.keyId);
  if (!key) {
    return {
      status: 'unknown-key',
      keyId: signature.keyId,
      message: `signed by key ${signature.keyId}, which is not trusted (.trail/keys/)`,
    };
  }
  if (!(verdict ?? verifySignature(reviewSigningBytes(review), signature.sig, key.publicKey))) {
    return {
      status: 'bad-signature',
      keyId: signature.keyId,
      message: `the reviewer's signature (key ${signature.keyId}) does not verify`,
    };
  }
  const signedAfterRevocation = claimsAfterRevocation(key, review.time);
  // A review that says it came after the revocation is a problem even if a token puts it
  // before: the two disagree, and the reviewer's word is the one that condemns it.
  const provenBefore = !signedAfterRevocation && existedBeforeRevocation(key, existedBy);
  if ((revokedAsOf(key, now) !== undefined && !provenBefore) || signedAfterRevocation) {
    return {
      status: 'revoked-key',
      keyId: signature.keyId,
      signedAfterRevocation,
      message: signedAfterRevocation
        ? `signed by key ${signature.keyId} after it was revoked at ${key.revokedAt}`
        : `signed by key ${signature.keyId}, revoked since ${key.revokedAt}: the time in a review is the reviewer's own claim, so it cannot show the review predates the revocation, and no trusted timestamp over its log does; a new review with a key in force (trail review) counts`,
    };
  }
  return { status: 'valid', keyId: signature.keyId };
}

/** A signature whose key is revoked since, with nothing showing it was misused: trust withdrawn. */
function onlyWithdrawn(
  check: ReviewSignatureCheck,
): check is Extract<ReviewSignatureCheck, { status: 'revoked-key' }> {
  return check.status === 'revoked-key' && !check.signedAfterRevocation;
}

/**
 * The Ed25519 check of a review's signature on libuv's thread pool, or undefined when there
 * is nothing to check (unsigned, or signed by a key that is not trusted). A ledger holds an
 * approval for most checkpoints, and one check costs about 0.1 ms of CPU: 90,000 approvals
 * checked one after another held `trail verify` for 10 s. Started as each review is read,
 * they run on the other core while the rest of the ledger is parsed.
 */
export function reviewSignatureVerdict(
  review: SignedReview,
  trustedKeys: ReadonlyMap<string, TrustedKey>,
): Promise<boolean> | undefined {
  const signature = review.signature;
  const key = signature ? trustedKeys.get(signature.keyId) : undefined;
  if (!signature || !key) return undefined;
  return verifySignatureAsync(reviewSigningBytes(review), signature.sig, key.publicKey);
}

// --- approval integrity (pure) -------------------------------------------------------------

export interface ApprovalFinding {
  /** The approved checkpoint's record id. */
  checkpoint: string;
  commit?: string;
  /** The review record's id. */
  review: string;
  reviewer: string;
  at: string;
  /** What changed or is wrong, for the line `<checkpoint> approved by X at T: ...`. */
  message: string;
  /**
   * What changed, when the change no longer stands as approved (a record it seals altered or
   * missing, a later correction, a rewrite, a newer checkpoint): reports then call the
   * approval void. `message` is this after "changed after approval: ".
   */
  changedAfterApproval?: string;
}

export interface ApprovalIntegrity {
  /** Approvals bound to a checkpoint that were checked. */
  approvals: number;
  /** Records an approval rests on that were altered or are missing, and signatures that fail. */
  problems: ApprovalFinding[];
  /**
   * Legitimate later records (corrections, rewrites, newer checkpoints), unsigned approvals,
   * and reviews signed by a key revoked since (whose own time is before the revocation).
   */
  notices: ApprovalFinding[];
}

/**
 * A record as the approval pass holds it: one of the kinds it judges, with the fields it
 * reads (a full record will do), or any other kind, which it ignores.
 */
export interface ApprovalPassStored<
  R extends { kind: string } = ApprovalPassRecord | { kind: Exclude<RecordKind, ApprovalPassKind> },
> {
  id: string;
  record: R;
  /** Where the record sits (its writer's log, its position): what a timestamp over the log covers. */
  writerId?: string;
  seq?: number;
}

type Held<K extends ApprovalPassKind> = ApprovalPassStored<ApprovalPassRecordOf<K>>;

export interface ApprovalIntegrityInput {
  /** Parsed records of the kinds review, checkpoint, correction and retention-purge (others are ignored). */
  records: readonly ApprovalPassStored[];
  /** The id of every record held in the logs, whatever its kind. */
  recordIds: ReadonlySet<string>;
  trustedKeys: ReadonlyMap<string, TrustedKey>;
  /**
   * Review signatures checked ahead of time (reviewSignatureVerdict), by review record id;
   * a signed review not in it is checked here.
   */
  signatureVerdicts?: ReadonlyMap<string, boolean>;
  /**
   * Per revoked writer's log that holds, what a trusted timestamp over it shows existed by
   * when: a review it covers, signed before its key's revocation, still vouches.
   */
  existedBy?: ReadonlyMap<string, LogExistedBy>;
}

/** The one line verify prints for a finding. */
export function approvalFindingLine(f: ApprovalFinding): string {
  return `${f.checkpoint.slice(0, 12)} approved by ${f.reviewer} at ${f.at}: ${f.message}`;
}

function short(id: string): string {
  return id.slice(0, 12);
}

/**
 * For every approval bound to a checkpoint: the checkpoint record must still exist under
 * the id the reviewer signed, so must every event and session record it seals (unless a
 * logged retention purge removed them), and a signed review must verify. Later records that
 * touch the approved change (a correction, a newer checkpoint for the commit, a rewrite of
 * the commit) are legitimate and reported as notices: the approval does not cover them.
 */
export function checkApprovalIntegrity(input: ApprovalIntegrityInput): ApprovalIntegrity {
  const result: ApprovalIntegrity = { approvals: 0, problems: [], notices: [] };
  const checkpoints = new Map<string, Held<'checkpoint'>>();
  const corrections: Held<'correction'>[] = [];
  const purged = new Map<string, string>();
  const reviews: Held<'review'>[] = [];
  for (const stored of input.records) {
    const r = stored.record;
    if (r.kind === 'checkpoint') checkpoints.set(stored.id, stored as Held<'checkpoint'>);
    else if (r.kind === 'correction') corrections.push(stored as Held<'correction'>);
    else if (r.kind === 'retention-purge') for (const id of r.purged) purged.set(id, r.time);
    else if (r.kind === 'review') reviews.push(stored as Held<'review'>);
  }
  const exists = (id: string) => input.recordIds.has(id) || checkpoints.has(id);
  // Looked up per approval, so the pass stays linear: a ledger holds an approval for most of
  // its checkpoints, and scanning every checkpoint and correction for each one was quadratic
  // (minutes at 100,000 approvals). Each list keeps record order, as the notices do.
  const correctionsOf = groupBy(corrections, (x) => [x.record.target]);
  // Keyed by the ids themselves: a key made up per lookup (`commit:${id}`) is a new string
  // to hash, 180,000 times for 90,000 approvals.
  const checkpointsOfCommit = groupBy([...checkpoints.values()], ({ record: o }) =>
    o.rewrittenFrom ? [o.commit, o.rewrittenFrom.commit] : [o.commit],
  );
  const rewritesOf = groupBy([...checkpoints.values()], ({ record: o }) =>
    o.rewrittenFrom?.checkpoint ? [o.rewrittenFrom.checkpoint] : [],
  );
  const position = new Map<ApprovalPassStored, number>();
  for (const list of [corrections, [...checkpoints.values()]]) {
    list.forEach((r, i) => {
      position.set(r, i);
    });
  }
  const inRecordOrder = <T extends ApprovalPassStored>(items: Iterable<T>) =>
    [...items].sort((a, b) => position.get(a)! - position.get(b)!);

  for (const stored of reviews) {
    const review = stored.record;
    const signature = checkReviewSignature(
      review,
      input.trustedKeys,
      input.signatureVerdicts?.get(stored.id),
      undefined,
      stored.writerId === undefined || stored.seq === undefined
        ? undefined
        : recordExistedBy(input.existedBy, stored.writerId, stored.seq),
    );
    const finding = (message: string): ApprovalFinding => ({
      checkpoint: review.checkpoint ?? review.commit ?? stored.id,
      ...(review.commit ? { commit: review.commit } : {}),
      review: stored.id,
      reviewer: review.reviewer,
      at: review.time,
      message,
    });
    /** A finding that the change no longer stands as it was approved. */
    const changed = (what: string): ApprovalFinding => ({
      ...finding(`changed after approval: ${what}`),
      changedAfterApproval: what,
    });
    if (review.decision !== 'approve') {
      // Only approvals are sealed, but a signed review of any kind must still verify.
      if (signature.status !== 'valid' && signature.status !== 'unsigned') {
        const line = finding(`${review.decision} review: ${signature.message}`);
        if (onlyWithdrawn(signature)) result.notices.push(line);
        else result.problems.push(line);
      }
      continue;
    }
    if (!review.checkpoint) continue; // an approval of a commit with no checkpoint binds no records
    result.approvals++;
    if (signature.status === 'unsigned') {
      if (review.source === 'trail') {
        result.notices.push(
          finding('the approval is not signed by the reviewer (an unverified claim in its writer’s log)'),
        );
      }
    } else if (onlyWithdrawn(signature)) {
      // Like an unsigned approval: the record stands, the signature no longer vouches for it.
      result.notices.push(finding(signature.message));
    } else if (signature.status !== 'valid') {
      result.problems.push(finding(signature.message));
    }

    const approved = checkpoints.get(review.checkpoint);
    if (!approved && purged.has(review.checkpoint)) {
      result.notices.push(finding('the approved checkpoint was removed by a logged retention purge'));
      continue;
    }
    if (!approved) {
      result.problems.push(changed(`the approved checkpoint record is missing or was altered`));
      continue;
    }
    const c = approved.record;
    const missing: string[] = [];
    const purgedIds: string[] = [];
    const sealedRecord = (id: string) => {
      if (exists(id)) return;
      if (purged.has(id)) purgedIds.push(id);
      else missing.push(id);
    };
    for (const id of c.events) sealedRecord(id);
    for (const s of c.sessions) if (s.record) sealedRecord(s.record);
    if (missing.length > 0) {
      result.problems.push(
        changed(
          missing.length === 1
            ? `record ${short(missing[0]!)} it seals is missing or was altered`
            : `${missing.length} records it seals are missing or were altered (${missing.map(short).slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''})`,
        ),
      );
    }
    if (purgedIds.length > 0) {
      result.notices.push(
        finding(
          `${countLabel(purgedIds.length, 'record')} it seals ${purgedIds.length === 1 ? 'was' : 'were'} removed by a logged retention purge`,
        ),
      );
    }

    // Most ledgers hold few corrections and one checkpoint per commit: the lookups below are
    // skipped when they cannot find anything, as they would be for nine approvals in ten.
    const sealed = correctionsOf.size > 0 ? [...new Set([approved.id, ...c.events])] : [];
    for (const x of inRecordOrder(sealed.flatMap((id) => correctionsOf.get(id) ?? []))) {
      if (x.record.time > review.time) {
        result.notices.push(
          changed(
            `correction ${short(x.id)} at ${x.record.time}${x.record.target === approved.id ? '' : ` to record ${short(x.record.target)}`}: ${x.record.reason}`,
          ),
        );
      }
    }
    const sameCommit = checkpointsOfCommit.get(c.commit) ?? [];
    const rewrites = rewritesOf.get(approved.id) ?? [];
    const onlyItself = rewrites.length === 0 && sameCommit.length === 1 && sameCommit[0] === approved;
    const related = onlyItself ? [] : new Set([...sameCommit, ...rewrites]);
    for (const other of inRecordOrder(related)) {
      if (other.id === approved.id || other.record.time <= review.time) continue;
      const o = other.record;
      if (
        o.rewrittenFrom &&
        (o.rewrittenFrom.checkpoint === approved.id || o.rewrittenFrom.commit === c.commit)
      ) {
        if (o.commit !== c.commit) {
          result.notices.push(
            changed(
              `the commit was rewritten (${o.rewrittenFrom.how}) as ${short(o.commit)}, checkpoint ${short(other.id)} at ${o.time}`,
            ),
          );
          continue;
        }
      }
      if (o.commit === c.commit) {
        result.notices.push(changed(`a newer checkpoint ${short(other.id)} for the commit at ${o.time}`));
      }
    }
  }
  return result;
}

/** Items by each of their keys, in the order given; an item is listed once per distinct key. */
function groupBy<T>(items: readonly T[], keys: (item: T) => string[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const itemKeys = keys(item);
    for (let k = 0; k < itemKeys.length; k++) {
      const key = itemKeys[k]!;
      if (itemKeys.indexOf(key) < k) continue; // listed once per distinct key
      const group = groups.get(key);
      if (group) group.push(item);
      else groups.set(key, [item]);
    }
  }
  return groups;
}

// --- recording a review --------------------------------------------------------------------

export interface ReviewRequest {
  /** A commit-ish, a checkpoint id (or prefix), a `ckpt_` key, or a range `A..B`. */
  target: string;
  decision: ReviewDecision;
  /** Default: git's user.email in this clone. */
  reviewer?: string;
  message?: string;
  examinedReasoning?: boolean;
  /** Answer comment number N of the checkpoint's review thread (see `trail show`). */
  respondTo?: number;
  response?: string;
}

export interface RecordedReview {
  id: string;
  checkpoint: string;
  commit: string;
  reviewerIsRequester?: boolean;
  reviewerIsAuthor?: boolean;
}

export interface ReviewOutcome {
  reviewer: string;
  keyId: string;
  reviews: RecordedReview[];
  /** Commits in a range that have no checkpoint, so nothing was reviewed for them. */
  withoutCheckpoint: string[];
}

/** `Name <email>` and `email` are the same person; otherwise compare text, case-insensitively. */
export function identityKey(identity: string | undefined): string | undefined {
  if (!identity) return undefined;
  const match = /<([^>]+)>/.exec(identity);
  const key = (match ? match[1]! : identity).trim().toLowerCase();
  return key || undefined;
}

export function sameIdentity(a: string | undefined, b: string | undefined): boolean {
  const key = identityKey(a);
  return key !== undefined && key === identityKey(b);
}

async function targetCheckpoints(
  repo: Repo,
  index: TrailIndex,
  target: string,
): Promise<{ checkpoints: StoredRecord<CheckpointRecord>[]; withoutCheckpoint: string[] }> {
  if (target.startsWith('-')) throw new TrailError('USAGE', `${target} is not a commit, checkpoint or range`);
  if (target.includes('..')) {
    const listed = await runGit(repo.workTree, ['rev-list', '--reverse', target, '--'], {
      allow: [128, 129],
    });
    if (listed.code !== 0) throw new TrailError('NOT_FOUND', `${target} is not a range of commits git knows`);
    const commits = listed.stdout.toString('utf8').split('\n').filter(Boolean);
    const checkpoints: StoredRecord<CheckpointRecord>[] = [];
    const withoutCheckpoint: string[] = [];
    for (const commit of commits) {
      const found = index.checkpointByCommit.get(commit);
      if (found) checkpoints.push(found);
      else withoutCheckpoint.push(commit);
    }
    if (checkpoints.length === 0) {
      throw new TrailError(
        'NOT_FOUND',
        commits.length === 0
          ? `${target} holds no commits`
          : `${commits.length === 1 ? `the commit in ${target} has` : `none of the ${countLabel(commits.length, 'commit')} in ${target} has`} no checkpoint: nothing to review`,
      );
    }
    return { checkpoints, withoutCheckpoint };
  }
  const byId = findCheckpoint(index, { idOrKey: target });
  if (byId) return { checkpoints: [byId], withoutCheckpoint: [] };
  const commit = await gitTextOrUndefined(repo.workTree, [
    'rev-parse',
    '--verify',
    '--quiet',
    `${target}^{commit}`,
  ]);
  if (!commit) {
    // HEAD names no commit only before the first one.
    if (target === 'HEAD') throw noCommitsYet();
    throw new TrailError('NOT_FOUND', `${target} is neither a commit nor a checkpoint`);
  }
  const found = index.checkpointByCommit.get(commit);
  if (!found) {
    throw new TrailError(
      'NOT_FOUND',
      `commit ${commit.slice(0, 12)} has no checkpoint (no AI work was recorded for it): nothing to review`,
    );
  }
  return { checkpoints: [found], withoutCheckpoint: [] };
}

/** Records one signed review per checkpoint in the target, in one append (all or nothing). */
export async function recordReviews(repo: Repo, request: ReviewRequest): Promise<ReviewOutcome> {
  // Loaded here: `trail verify` imports this module for the approval checks alone.
  const { validateRecord } = await import('../core/records.js');
  requireInitialised(repo);
  const key = loadWriterKey(repo);
  const reviewer = (request.reviewer ?? (await localIdentity(repo.workTree)).email).trim();
  if (!reviewer) throw new TrailError('USAGE', '--reviewer must not be empty');
  // Checkpoints first: only the records that name the reviewed ones are decoded after them.
  const ledger = await loadCheckpointsFirst(repo);
  const { checkpoints, withoutCheckpoint } = await targetCheckpoints(
    repo,
    ledger.checkpoints,
    request.target,
  );
  const index = await ledger.indexFor(checkpoints);
  if (request.respondTo !== undefined && checkpoints.length !== 1) {
    throw new TrailError(
      'USAGE',
      '--respond-to answers a comment on one checkpoint: name a commit or checkpoint, not a range',
    );
  }
  const time = new Date().toISOString();
  const records: ReviewRecord[] = [];
  // The reviewer's words are redacted before they are signed: redacting after would break the
  // signature. Loaded here: verify reads this module, and must not load the config schemas.
  const [{ redactRecord }, { redactionRules }] = await Promise.all([
    import('../core/redact-record.js'),
    import('../ledger/redaction-rules.js'),
  ]);
  const rules = redactionRules(repo);
  const recorded: Omit<RecordedReview, 'id'>[] = [];
  for (const stored of checkpoints) {
    const c = stored.record;
    const view = buildCheckpointView(index, stored);
    const comments: ReviewRecord['comments'] = [];
    if (request.respondTo !== undefined) {
      const thread = reviewThread(view.reviews);
      const item = thread.find((t) => t.n === request.respondTo);
      if (!item) {
        throw new TrailError(
          'NOT_FOUND',
          `checkpoint ${short(stored.id)} has no comment #${request.respondTo} (its review thread has ${thread.length}; see trail show)`,
        );
      }
      comments.push({
        comment: item.text.slice(0, 4096),
        response: (request.response ?? '').slice(0, 4096),
        by: item.by,
      });
    }
    const requesters = view.sessions.flatMap((s) => (s.request.requester ? [s.request.requester] : []));
    const reviewerIsRequester =
      requesters.length > 0 ? requesters.some((r) => sameIdentity(r, reviewer)) : undefined;
    const reviewerIsAuthor = c.author ? sameIdentity(c.author, reviewer) : undefined;
    const typed = {
      kind: 'review',
      v: 1,
      time,
      actor: { type: 'human', id: reviewer },
      provenance: 'human',
      commit: c.commit,
      checkpoint: stored.id,
      reviewer,
      decision: request.decision,
      ...(request.message ? { message: request.message } : {}),
      comments,
      examinedReasoning: request.examinedReasoning === true,
      ...(reviewerIsRequester === undefined ? {} : { reviewerIsRequester }),
      ...(reviewerIsAuthor === undefined ? {} : { reviewerIsAuthor }),
      source: 'trail',
    };
    const unsigned = validateRecord(redactRecord(typed, rules).record) as ReviewRecord;
    records.push(validateRecord({ ...unsigned, signature: signReview(unsigned, key) }) as ReviewRecord);
    recorded.push({
      checkpoint: stored.id,
      commit: c.commit,
      ...(reviewerIsRequester === undefined ? {} : { reviewerIsRequester }),
      ...(reviewerIsAuthor === undefined ? {} : { reviewerIsAuthor }),
    });
  }
  const appended = await appendAsThisClone(repo, records, { redacted: true });
  return {
    reviewer,
    keyId: key.keyId,
    reviews: recorded.map((r, i) => ({ id: appended.ids[i]!, ...r })),
    withoutCheckpoint,
  };
}
