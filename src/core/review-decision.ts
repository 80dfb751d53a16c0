/**
 * The one rule for what a change's reviews add up to, shared by `trail show` / `trail log`
 * (read/checkpoint-view.ts approvalOf) and the server's review status (server/review-state.ts),
 * so the CLI and the server never disagree: each reviewer's latest decision counts (a comment
 * only stands for a reviewer who gave no decision), and any open request for changes wins
 * over every approval.
 */

export interface ReviewDecisionInput {
  reviewer: string;
  decision: string;
  /** ISO time of the review. */
  time: string;
}

export type ReviewOutcome = 'approved' | 'changes-requested' | 'commented' | 'none';

/** Each reviewer's decision that counts, in the order the reviewers first reviewed. */
export function decisionsThatCount<T extends ReviewDecisionInput>(reviews: readonly T[]): T[] {
  // Ordered by instant (the times may carry different offsets); equal times keep their order.
  const ordered = reviews
    .map((r, i) => ({ r, i, at: Date.parse(r.time) }))
    .sort((a, b) => (a.at === b.at || (Number.isNaN(a.at) && Number.isNaN(b.at)) ? a.i - b.i : a.at - b.at))
    .map((x) => x.r);
  const byReviewer = new Map<string, T>();
  for (const r of ordered) {
    if (r.decision !== 'comment' || !byReviewer.has(r.reviewer)) byReviewer.set(r.reviewer, r);
  }
  return [...byReviewer.values()];
}

/** What the reviews add up to: any reviewer's open request for changes wins. */
export function reviewOutcome(reviews: readonly ReviewDecisionInput[]): ReviewOutcome {
  const decisions = decisionsThatCount(reviews);
  if (decisions.some((r) => r.decision === 'request-changes')) return 'changes-requested';
  if (decisions.some((r) => r.decision === 'approve')) return 'approved';
  return decisions.length > 0 ? 'commented' : 'none';
}
