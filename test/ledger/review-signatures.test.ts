/**
 * The approval pass's signature checks on the thread pool: more reviews than may be in flight
 * at once each get their own verdict, a forged one is false, nothing is checked that needs no
 * check, and the memo is consulted first and learns only valid signatures.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TrustedKey } from '../../src/core/log-verifier.js';
import { recordIdOf } from '../../src/core/record-id.js';
import type { RecordOf } from '../../src/core/records.js';
import { generateKeyPair } from '../../src/core/signature.js';
import { findRepo } from '../../src/ledger/repo.js';
import { ReviewSignatureChecks } from '../../src/ledger/review-signatures.js';
import { SignatureMemo } from '../../src/ledger/signature-memo.js';
import { trail } from '../helpers/cli.js';
import { signedReview } from '../helpers/signed-review.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

const reviewer = generateKeyPair();
const trusted = new Map<string, TrustedKey>([
  [reviewer.keyId, { keyId: reviewer.keyId, publicKey: reviewer.publicKey }],
]);

function review(i: number, key = reviewer): RecordOf<'review'> {
  return signedReview(
    {
      time: new Date(Date.UTC(2026, 4, 1) + i * 1000).toISOString(),
      actor: { type: 'human', id: 'rev@example.com' },
      commit: 'c'.repeat(40),
      checkpoint: i.toString(16).padStart(64, '0'),
    },
    key,
  );
}

describe('review signature checks', () => {
  let temp: TempRepo;
  before(async () => {
    temp = tempRepo();
    assert.equal((await trail(temp.dir, 'init', '--yes')).code, 0);
  });
  after(() => temp.cleanup());

  test('600 reviews, one in seven forged: each verdict is its own, and the memo learns only the valid', async () => {
    const repo = await findRepo(temp.dir);
    const memo = SignatureMemo.load(repo);
    const checks = new ReviewSignatureChecks(trusted, memo);
    const reviews = Array.from({ length: 600 }, (_, i) =>
      i % 7 === 0 ? { ...review(i), reviewer: 'mallory@example.com' } : review(i),
    );
    const { signature: _none, ...unsigned } = review(1000);
    const stranger = review(1001, generateKeyPair());
    for (const r of [...reviews, unsigned as RecordOf<'review'>, stranger]) checks.add(recordIdOf(r), r);
    const verdicts = await checks.done();
    assert.equal(verdicts.size, 600, 'no verdict for an unsigned review or an untrusted key');
    reviews.forEach((r, i) => {
      assert.equal(verdicts.get(recordIdOf(r)), i % 7 !== 0, `review ${i}`);
    });
    memo.save();
    const remembered = SignatureMemo.load(repo);
    reviews.forEach((r, i) => {
      assert.equal(remembered.holds(recordIdOf(r), reviewer.publicKey), i % 7 !== 0, `memo of review ${i}`);
    });

    // A second pass takes every valid one from the memo and checks only the forged again.
    const again = new ReviewSignatureChecks(trusted, remembered);
    for (const r of reviews) again.add(recordIdOf(r), r);
    const second = await again.done();
    reviews.forEach((r, i) => {
      assert.equal(second.get(recordIdOf(r)), i % 7 !== 0);
    });
  });

  test('with nothing to check, done() resolves at once', async () => {
    const checks = new ReviewSignatureChecks(trusted);
    assert.equal((await checks.done()).size, 0);
  });
});
