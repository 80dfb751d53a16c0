/**
 * A report verifies the ledger, then counts reviews as `trail check` counts them. The review
 * signatures verify's approval pass just checked (or found in the clone's SignatureMemo) are
 * handed on to the counting, not checked a second time: at 90,000 approvals that second check
 * was 10 s of a 20 s report. Trust and revocation are still judged when counting.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { countedReviews } from '../../src/chain/review-trust.js';
import type { TrustedKey } from '../../src/core/log-verifier.js';
import type { RecordOf } from '../../src/core/records.js';
import { recordIdOf } from '../../src/core/records.js';
import { generateKeyPair } from '../../src/core/signature.js';
import type { StoredRecord, TrailIndex } from '../../src/core/trail-index.js';
import { trustKey } from '../../src/ledger/keys.js';
import { SignatureMemo } from '../../src/ledger/signature-memo.js';
import { verifyAndRead } from '../../src/ledger/verify.js';
import { loadReportInput } from '../../src/report/load.js';
import { signedReview } from '../helpers/signed-review.js';
import type { Change } from './fixture.js';
import { ScriptedRepo } from './fixture.js';

const reviewer = generateKeyPair();
const COMMIT = 'c'.repeat(40);
const REVIEWER = { type: 'human', id: 'rev@example.com' };

/** A copy of the review with its signature's bytes changed: it no longer verifies. */
function forged(review: RecordOf<'review'>): RecordOf<'review'> {
  const sig = review.signature!.sig;
  const flipped = sig.startsWith('A') ? `B${sig.slice(1)}` : `A${sig.slice(1)}`;
  return { ...review, signature: { ...review.signature!, sig: flipped } };
}

describe('counting reviews with verdicts already reached (pure)', () => {
  const trusted = new Map<string, TrustedKey>([
    [reviewer.keyId, { keyId: reviewer.keyId, publicKey: reviewer.publicKey }],
  ]);
  const stored = (record: RecordOf<'review'>): StoredRecord<RecordOf<'review'>> => ({
    id: recordIdOf(record),
    writerId: reviewer.keyId,
    seq: 0,
    record,
  });
  const indexOf = (reviews: StoredRecord<RecordOf<'review'>>[]) =>
    ({
      reviewsByCheckpoint: new Map([['cp', reviews]]),
      reviewsByCommit: new Map(),
    }) as unknown as TrailIndex;
  const valid = stored(
    signedReview({ commit: COMMIT, time: '2026-03-01T10:00:00.000Z', actor: REVIEWER }, reviewer),
  );
  const bad = stored(
    forged(signedReview({ commit: COMMIT, time: '2026-03-02T10:00:00.000Z', actor: REVIEWER }, reviewer)),
  );

  test('without verdicts each signature is checked', () => {
    const { setAside } = countedReviews(indexOf([valid, bad]), trusted);
    assert.deepEqual(
      setAside.map((s) => [s.review.id, s.why]),
      [[bad.id, `the reviewer's signature (key ${reviewer.keyId}) does not verify`]],
    );
  });

  test('a verdict given is taken as it is, not checked again', () => {
    // Turned around on purpose: were the signatures checked here, the result would not change.
    const { setAside } = countedReviews(indexOf([valid, bad]), trusted, {
      signatureVerdicts: new Map([
        [valid.id, false],
        [bad.id, true],
      ]),
    });
    assert.deepEqual(
      setAside.map((s) => s.review.id),
      [valid.id],
    );
  });

  test('a verdict that the signature holds still leaves trust and revocation to be judged', () => {
    const revoked = new Map<string, TrustedKey>([
      [
        reviewer.keyId,
        { keyId: reviewer.keyId, publicKey: reviewer.publicKey, revokedAt: '2026-02-01T00:00:00.000Z' },
      ],
    ]);
    const holds = { signatureVerdicts: new Map([[valid.id, true]]) };
    assert.match(countedReviews(indexOf([valid]), revoked, holds).setAside[0]?.why ?? '', /revoked/);
    assert.match(countedReviews(indexOf([valid]), new Map(), holds).setAside[0]?.why ?? '', /not trusted/);
  });
});

describe('a report counts reviews as the verify it ran judged them', () => {
  let s: ScriptedRepo;
  let approved: Change;
  let forgedApproval: Change;
  let goodId: string;
  let badId: string;

  before(async () => {
    s = await ScriptedRepo.create();
    approved = await s.change({ name: 'approved', day: 1 });
    forgedApproval = await s.change({ name: 'forged', day: 2 });
    trustKey(s.ledger, reviewer.publicKey, 'rev@example.com');
    const review = (c: Change, day: number) =>
      signedReview(
        {
          commit: c.sha,
          checkpoint: c.checkpointId,
          time: `2026-03-0${day}T12:00:00.000Z`,
          actor: { type: 'human', id: 'rev@example.com' },
        },
        reviewer,
      );
    const good = review(approved, 3);
    const bad = forged(review(forgedApproval, 4));
    goodId = recordIdOf(good);
    badId = recordIdOf(bad);
    await s.append([good, bad]);
  });
  after(() => s.cleanup());

  test('verify hands on a verdict for each signed review it checked', async () => {
    const { signatureVerdicts } = await verifyAndRead(s.ledger, { updateWitness: false });
    assert.equal(signatureVerdicts.get(goodId), true);
    assert.equal(signatureVerdicts.get(badId), false);
  });

  test('the report counts the approval whose signature holds and sets the forged one aside', async () => {
    const input = await loadReportInput(s.ledger, {});
    assert.equal(input.reviewsNotCounted, 1);
    const approvalsOf = (c: Change) => input.index.reviewsByCheckpoint.get(c.checkpointId!)?.length ?? 0;
    assert.equal(approvalsOf(approved), 1);
    assert.equal(approvalsOf(forgedApproval), 0);
  });

  test("the clone's memory of checked signatures is taken by the report as verify takes it", async () => {
    // The memo is trusted as the witness is (ledger/signature-memo.ts): an entry there means
    // verify takes the signature as checked. The report agrees with that verify, rather than
    // checking once more and disagreeing with it.
    const memo = SignatureMemo.load(s.ledger);
    memo.remember(badId, reviewer.publicKey);
    memo.save();
    const { signatureVerdicts } = await verifyAndRead(s.ledger, { updateWitness: false });
    assert.equal(signatureVerdicts.get(badId), true);
    const input = await loadReportInput(s.ledger, {});
    assert.equal(input.reviewsNotCounted, 0);
    assert.equal(input.index.reviewsByCheckpoint.get(forgedApproval.checkpointId!)?.length, 1);
  });
});
