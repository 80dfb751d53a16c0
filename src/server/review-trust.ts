/**
 * Which reviews the server counts: the CLI's rule (chain/review-trust.ts), applied alike by
 * the review status (review-state.ts), the reports (routes/reports.ts) and the checkpoint's
 * detail and Review card (routes/checkpoints.ts). A review in a pushed ledger counts when its
 * own signature holds with a key in force for the repository, or when it is unsigned and sits
 * in the log of a writer whose key is in force; anything else is set aside with the reason,
 * shown and not counted.
 *
 * The keys are the repository's own (key-approval.ts trustedKeysOf): registered from
 * .trail/keys by trail push, and approved where the key set is locked. Revocations are judged
 * as of the server's clock, as a clone judges them as of its own (chain/review-trust.ts): a key
 * revoked by then vouches for no review, whatever time the review states (that time is its
 * signer's own claim), and a revocation dated later (`trail keys revoke --at`) leaves the key
 * in force until then, so the server and `trail check` agree on who approved a change. A
 * status computed with such a key holds only until that time: review-state.ts records when,
 * and refreshes the repository's status once it has passed.
 *
 * The one exception to "whatever time the review states" is a time the server did not take
 * from the signer: a trusted authority's RFC 3161 token over the writer's log, pushed by
 * `trail push` and checked on arrival (log-stamps.ts), shows the reviews below the stamped
 * head came before the revocation, and they count, as in a clone.
 *
 * A code host's review from a webhook counts as the code host's word: the delivery was
 * authenticated with the webhook secret (routes/webhooks.ts) before it was stored. It is read
 * as the review records `trail import github-review` makes of the same review
 * (evidence/code-host-review.ts): one per commit of the pull request it covers
 * (review-coverage.ts), filed under no writer's log: their writer id is `webhook:<host>` and
 * their seq the server's row id of the review.
 */
import { sameIdentity } from '../chain/review.js';
import type { SetAsideReview } from '../chain/review-trust.js';
import { countsOnTimestamp, whyReviewDoesNotCount } from '../chain/review-trust.js';
import type { LogExistedBy } from '../core/key-revocation.js';
import type { TrustedKey } from '../core/log-verifier.js';
import { recordIdOf } from '../core/record-id.js';
import type { RecordOf } from '../core/records.js';
import type { StoredRecord } from '../core/trail-index.js';
import type { CodeHost, CodeHostEvent } from '../evidence/code-host.js';
import { codeHostReviewRecord } from '../evidence/code-host-review.js';
import type { Queryable } from './db/database.js';
import { isoTime } from './ledger-state.js';

type StoredReview = StoredRecord<RecordOf<'review'>>;
type TrustedKeys = ReadonlyMap<string, TrustedKey>;

const NO_KEYS: TrustedKeys = new Map();

/**
 * Why the server does not count a ledger record that is a review, or undefined when it does.
 * @param now the server's clock (ms), which revocations are judged at, as a clone's `trail check` judges them at its own
 */
export function whyServerDoesNotCount(
  stored: StoredRecord,
  keys: TrustedKeys,
  now: number,
  /** What stored timestamp tokens show of revoked writers' logs (log-stamps.ts logsExistedBy). */
  existedBy?: ReadonlyMap<string, LogExistedBy>,
): string | undefined {
  if (stored.record.kind !== 'review') return undefined;
  return whyReviewDoesNotCount(stored as StoredReview, keys, now, undefined, existedBy);
}

/**
 * Ledger records with the reviews that do not count left out, and those set aside with why;
 * each review judged with the keys of the repository it was pushed to, as of `now`.
 */
export function countLedgerReviews(
  entries: ReadonlyArray<{ repoId: number; stored: StoredRecord }>,
  keysByRepo: ReadonlyMap<number, TrustedKeys>,
  now: number,
  existedByRepo?: ReadonlyMap<number, ReadonlyMap<string, LogExistedBy>>,
): {
  counted: StoredRecord[];
  setAside: SetAsideReview[];
  /** Reviews counted only on a timestamp over their log, by record id, with why (chain/review-trust.ts). */
  onTimestamp: Map<string, string>;
} {
  const counted: StoredRecord[] = [];
  const setAside: SetAsideReview[] = [];
  const onTimestamp = new Map<string, string>();
  for (const { repoId, stored } of entries) {
    const keys = keysByRepo.get(repoId) ?? NO_KEYS;
    const existedBy = existedByRepo?.get(repoId);
    const why = whyServerDoesNotCount(stored, keys, now, existedBy);
    if (why !== undefined) {
      setAside.push({ review: stored as StoredReview, why });
      continue;
    }
    counted.push(stored);
    const note =
      stored.record.kind === 'review' && countsOnTimestamp(stored as StoredReview, keys, now, existedBy);
    if (note) onTimestamp.set(stored.id, note);
  }
  return { counted, setAside, onTimestamp };
}

/** The writer id a webhook review is filed under: the code host's webhook, not a writer's log. */
export function webhookWriterId(host: string): string {
  return `webhook:${host}`;
}

interface WebhookReviewRow {
  id: string | number;
  /** One commit the review covers: its head, or another commit of its pull request. */
  commit_sha: string | null;
  checkpoint_id: string | null;
  reviewer: string;
  decision: RecordOf<'review'>['decision'];
  time: Date;
  source: CodeHost;
  /** The delivery's event as stored (redacted); null once the retention purge removed it. */
  event: Partial<Extract<CodeHostEvent, { type: 'review' }>> | null;
}

/**
 * A webhook review of one commit it covers as a review record: what the reviews row holds
 * (reviewer, decision, time) and the commit's checkpoint, with the URL, body and time the
 * delivery carried while its event is held: then it is the record the import makes.
 */
function webhookReviewRecord(row: WebhookReviewRow): StoredReview {
  const event = row.event ?? {};
  const record = codeHostReviewRecord(
    {
      host: row.source,
      // A record's reviewer is 512 characters at most; a login past that is no login a host gives.
      reviewer: row.reviewer.slice(0, 512),
      decision: row.decision,
      // The time as the delivery wrote it, while its event is held, as the import records it.
      at: typeof event.at === 'string' ? event.at : isoTime(row.time),
      url: event.url,
      body: event.body,
    },
    row.commit_sha ?? '',
    {
      checkpoint: row.checkpoint_id ?? undefined,
      // As trail import github-review judges it: only the pull request's author says.
      reviewerIsAuthor: event.author === undefined ? undefined : sameIdentity(event.author, row.reviewer),
    },
  );
  return { id: recordIdOf(record), writerId: webhookWriterId(row.source), seq: Number(row.id), record };
}

/**
 * The code hosts' webhook reviews of these repositories, as review records, one per commit
 * each covers: all of them, or those of one checkpoint or its commit.
 */
export async function webhookReviews(
  db: Queryable,
  repoIds: readonly number[],
  about?: { commit: string; checkpoint: string },
): Promise<StoredReview[]> {
  const params: unknown[] = [[...repoIds]];
  let where = '';
  if (about) {
    params.push(about.commit, about.checkpoint);
    // The reviews of the commit, each found by an index; then the one record of each for it.
    where = `AND rv.id IN (
        SELECT id FROM reviews WHERE repo_id = ANY($1::int[]) AND commit_sha = $2
        UNION SELECT id FROM reviews WHERE repo_id = ANY($1::int[]) AND checkpoint_id = $3
        UNION SELECT review_id FROM review_commits WHERE repo_id = ANY($1::int[]) AND commit_sha = $2)
      AND (covered.sha = $2 OR rv.checkpoint_id = $3)`;
  }
  // The commits review_commits says each covers; its head alone where it holds none. Each
  // record names the checkpoint of its own commit, as trail import github-review's do (the
  // newest where a commit has several, as the commit lookup picks): a webhook names commits only.
  const rows = await db.query<WebhookReviewRow>(
    `SELECT rv.id, covered.sha AS commit_sha,
       coalesce(rv.checkpoint_id, (SELECT k.record_id FROM checkpoints k
         WHERE k.repo_id = rv.repo_id AND k.commit_sha = covered.sha ORDER BY k.time DESC LIMIT 1)) AS checkpoint_id,
       rv.reviewer, rv.decision, rv.time, rv.source, e.event
     FROM reviews rv LEFT JOIN external_events e ON e.id = rv.external_event_id
       CROSS JOIN LATERAL (
         SELECT rc.commit_sha AS sha FROM review_commits rc WHERE rc.review_id = rv.id
         UNION SELECT rv.commit_sha
       ) AS covered
     WHERE rv.repo_id = ANY($1::int[]) AND rv.writer_id IS NULL ${where}
     ORDER BY rv.time, rv.id, covered.sha`,
    params,
  );
  return rows.rows.filter((r) => r.commit_sha !== null).map(webhookReviewRecord);
}
