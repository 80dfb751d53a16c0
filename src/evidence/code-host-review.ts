/**
 * A code host's review of one commit as a Trail review record: the one shape both
 * `trail import github-review|gitlab-approval` (capture/import-code-host.ts) and the server's
 * webhook reviews (server/review-trust.ts) give it. The review happened on the code host, so
 * the record is `observed`, its actor is the host, its `source` is github|gitlab and it carries
 * the review's URL; it is never signed, since the host holds no key of the reviewer's.
 */
import type { RecordOf } from '../core/records.js';
import { validateRecord } from '../core/records.js';
import type { CodeHostEvent } from './code-host.js';

type ReviewEvent = Extract<CodeHostEvent, { type: 'review' }>;

/** What is known of the reviewer's relation to the change: left out where it is unknown. */
export interface ReviewerRelation {
  /** The checkpoint of the commit, when one is known. */
  checkpoint?: string;
  reviewerIsRequester?: boolean;
  reviewerIsAuthor?: boolean;
}

export function codeHostReviewRecord(
  event: Pick<ReviewEvent, 'host' | 'reviewer' | 'decision' | 'at' | 'url' | 'body'>,
  commit: string,
  relation: ReviewerRelation = {},
): RecordOf<'review'> {
  return validateRecord({
    kind: 'review',
    v: 1,
    time: event.at,
    actor: { type: 'service', id: event.host },
    provenance: 'observed',
    commit,
    ...(relation.checkpoint ? { checkpoint: relation.checkpoint } : {}),
    reviewer: event.reviewer,
    decision: event.decision,
    ...(event.body ? { message: event.body.slice(0, 64 * 1024) } : {}),
    examinedReasoning: false,
    ...(relation.reviewerIsRequester === undefined
      ? {}
      : { reviewerIsRequester: relation.reviewerIsRequester }),
    ...(relation.reviewerIsAuthor === undefined ? {} : { reviewerIsAuthor: relation.reviewerIsAuthor }),
    source: event.host,
    ...(event.url ? { externalUrl: event.url.slice(0, 2048) } : {}),
  }) as RecordOf<'review'>;
}
