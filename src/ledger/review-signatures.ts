/**
 * The Ed25519 checks of review signatures for the approval pass: on libuv's thread pool, so
 * they run on the other core while the main thread parses the rest of the ledger, and no
 * more than a few hundred at a time. Queued all at once, 90,000 pending checks held about
 * 300 MiB more at the peak of a `trail verify`. A review this clone checked before under the
 * same key is taken from its SignatureMemo instead.
 */

import { reviewSignatureVerdict } from '../chain/review.js';
import type { ApprovalPassRecordOf } from '../core/approval-records.js';
import type { TrustedKey } from '../core/log-verifier.js';
import type { SignatureMemo } from './signature-memo.js';

/** Enough to keep the pool's threads busy between two of the caller's yields. */
const IN_FLIGHT = 256;

export class ReviewSignatureChecks {
  private readonly waiting: Array<{ id: string; review: ApprovalPassRecordOf<'review'>; publicKey: string }> =
    [];
  private inFlight = 0;
  private allDone?: () => void;

  constructor(
    private readonly trustedKeys: ReadonlyMap<string, TrustedKey>,
    private readonly memo?: SignatureMemo,
    /** Review record id -> whether its signature holds, filled as the checks come in. */
    readonly verdicts = new Map<string, boolean>(),
  ) {}

  /** A parsed review: its signature is checked soon, unless there is nothing to check. */
  add(id: string, review: ApprovalPassRecordOf<'review'>): void {
    const publicKey = review.signature ? this.trustedKeys.get(review.signature.keyId)?.publicKey : undefined;
    // Unsigned, or signed by a key nobody trusts: checkApprovalIntegrity says so without a check.
    if (!publicKey) return;
    if (this.memo?.holds(id, publicKey)) {
      this.verdicts.set(id, true);
      return;
    }
    this.waiting.push({ id, review, publicKey });
    this.start();
  }

  /** Every verdict, once the last check is in. */
  async done(): Promise<ReadonlyMap<string, boolean>> {
    if (this.inFlight > 0 || this.waiting.length > 0) {
      await new Promise<void>((resolve) => {
        this.allDone = resolve;
      });
    }
    return this.verdicts;
  }

  private start(): void {
    while (this.inFlight < IN_FLIGHT && this.waiting.length > 0) {
      const { id, review, publicKey } = this.waiting.pop()!;
      const verdict = reviewSignatureVerdict(review, this.trustedKeys);
      if (!verdict) continue;
      this.inFlight++;
      verdict.then((ok) => {
        this.verdicts.set(id, ok);
        if (ok) this.memo?.remember(id, publicKey);
        this.inFlight--;
        this.start();
        if (this.inFlight === 0 && this.waiting.length === 0) this.allDone?.();
      });
    }
  }
}
