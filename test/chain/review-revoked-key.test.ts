/**
 * A review's time is its writer's own claim, like a report's signing time: whoever holds a
 * stolen key backdates it at will. So a key revoked as of now vouches for no review, by its
 * signature or by the log it signs, whatever time the review states. A review whose signing
 * key is revoked can still count through the log of a trusted writer in force.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkApprovalIntegrity, checkReviewSignature } from '../../src/chain/review.js';
import {
  countedReviews,
  revokedWritersWithReviews,
  whyReviewDoesNotCount,
} from '../../src/chain/review-trust.js';
import type { TrustedKey } from '../../src/core/log-verifier.js';
import type { RecordOf, TrailRecord } from '../../src/core/records.js';
import { recordIdOf, validateRecord } from '../../src/core/records.js';
import { generateKeyPair } from '../../src/core/signature.js';
import type { StoredRecord } from '../../src/core/trail-index.js';
import { revokeKey, trustKey } from '../../src/ledger/keys.js';
import { appendRecords } from '../../src/ledger/log-store.js';
import { trail } from '../helpers/cli.js';
import { approvalOf, signedReview } from '../helpers/signed-review.js';
import type { Change, ScriptedRepo } from '../report/fixture.js';
import { ScriptedRepo as Scripted, T0 } from '../report/fixture.js';

const REVOKED_AT = '2026-01-01T00:00:00.000Z';
const BACKDATED = '2025-06-01T09:00:00.000Z';
const LATER = Date.parse('2026-06-01T00:00:00Z');
const EARLIER = Date.parse('2025-12-01T00:00:00Z');

describe('reviews signed by a key revoked since (pure)', () => {
  const stolen = generateKeyPair();
  const relay = generateKeyPair();
  const trusted = new Map<string, TrustedKey>([
    [stolen.keyId, { keyId: stolen.keyId, publicKey: stolen.publicKey, revokedAt: REVOKED_AT }],
    [relay.keyId, { keyId: relay.keyId, publicKey: relay.publicKey }],
  ]);
  const COMMIT = 'c'.repeat(40);
  const header = (time: string) => ({ v: 1, time, actor: { type: 'human', id: 'cto@example.com' } });
  const checkpoint = validateRecord({
    kind: 'checkpoint',
    ...header('2025-05-01T10:00:00.000Z'),
    provenance: 'observed',
    commit: COMMIT,
    events: [],
  });
  const approval = (time: string): RecordOf<'review'> =>
    signedReview(
      { ...header(time), commit: COMMIT, checkpoint: recordIdOf(checkpoint), reviewer: 'cto@example.com' },
      stolen,
    );
  const unsigned = (time: string): RecordOf<'review'> => {
    const { signature: _signature, ...rest } = approval(time);
    return rest as RecordOf<'review'>;
  };
  const stored = (record: RecordOf<'review'>, writerId: string): StoredRecord<RecordOf<'review'>> => ({
    id: recordIdOf(record),
    writerId,
    seq: 0,
    record,
  });

  test('the signature of a backdated review vouches for nothing once the key is revoked', () => {
    const review = approval(BACKDATED);
    assert.deepEqual(checkReviewSignature(review, trusted, undefined, EARLIER), {
      status: 'valid',
      keyId: stolen.keyId,
    });
    const check = checkReviewSignature(review, trusted, undefined, LATER);
    assert.equal(check.status, 'revoked-key');
    assert.equal(check.status === 'revoked-key' && check.signedAfterRevocation, false);
    assert.match(
      check.status === 'revoked-key' ? check.message : '',
      new RegExp(
        `^signed by key ${stolen.keyId}, revoked since ${REVOKED_AT}: the time in a review is the reviewer's own claim, so it cannot show the review predates the revocation`,
      ),
    );
    // One that says it came after the revocation is still called so, whatever the time now.
    const late = checkReviewSignature(approval('2026-02-01T00:00:00.000Z'), trusted, undefined, EARLIER);
    assert.equal(late.status === 'revoked-key' && late.signedAfterRevocation, true);
  });

  test('verify: a backdated approval by a revoked key is a notice; one dated after, a problem', () => {
    const pass = (review: RecordOf<'review'>) => {
      const records: TrailRecord[] = [checkpoint, review];
      return checkApprovalIntegrity({
        records: records.map((record) => ({ id: recordIdOf(record), record })),
        recordIds: new Set(records.map(recordIdOf)),
        trustedKeys: trusted,
      });
    };
    const backdated = pass(approval(BACKDATED));
    assert.deepEqual(backdated.problems, []);
    assert.equal(backdated.notices.length, 1);
    assert.match(backdated.notices[0]!.message, /revoked since .*reviewer's own claim/);
    const late = pass(approval('2026-02-01T00:00:00.000Z'));
    assert.match(late.problems[0]!.message, /after it was revoked at/);
  });

  test('check and show: neither the signature nor the log of a revoked key makes a review count', () => {
    // Signed in the stolen key's own log, as `trail review` writes it.
    assert.match(
      whyReviewDoesNotCount(stored(approval(BACKDATED), stolen.keyId), trusted, LATER) ?? 'counted',
      /^signed by key [0-9a-f]+, revoked since .*reviewer's own claim/,
    );
    // The same review without its signature, in that log: dropping it is no way round.
    assert.match(
      whyReviewDoesNotCount(stored(unsigned(BACKDATED), stolen.keyId), trusted, LATER) ?? 'counted',
      new RegExp(
        `^it is unsigned, and recorded by writer ${stolen.keyId}, whose key is revoked since ${REVOKED_AT}: a record's time is its writer's own claim`,
      ),
    );
    // Before the revocation both counted, and in a trusted writer's log in force they still do.
    assert.equal(
      whyReviewDoesNotCount(stored(approval(BACKDATED), stolen.keyId), trusted, EARLIER),
      undefined,
    );
    assert.equal(
      whyReviewDoesNotCount(stored(unsigned(BACKDATED), stolen.keyId), trusted, EARLIER),
      undefined,
    );
    assert.equal(whyReviewDoesNotCount(stored(approval(BACKDATED), relay.keyId), trusted, LATER), undefined);
    assert.equal(whyReviewDoesNotCount(stored(unsigned(BACKDATED), relay.keyId), trusted, LATER), undefined);
    // In the log of a writer nobody trusts, a revoked signature says both.
    assert.match(
      whyReviewDoesNotCount(stored(approval(BACKDATED), 'f'.repeat(32)), trusted, LATER) ?? 'counted',
      /revoked since .*; it is recorded in the log of writer f+, whose key is not trusted/,
    );
  });

  test("a trusted timestamp over the review's log that predates the revocation makes it count, and nothing less", () => {
    const before = Date.parse(REVOKED_AT) - 60_000;
    const shown = (size: number, by = before) => new Map([[stolen.keyId, { size, by }]]);
    const at = (record: RecordOf<'review'>, writerId: string, seq: number) => ({
      ...stored(record, writerId),
      seq,
    });
    // Covered (record 0 of a log whose first record a token puts before the revocation):
    // signed or not, in the revoked writer's own log, it counts.
    for (const review of [approval(BACKDATED), unsigned(BACKDATED)]) {
      assert.equal(
        whyReviewDoesNotCount(at(review, stolen.keyId, 0), trusted, LATER, undefined, shown(1)),
        undefined,
      );
      // At or past the stamped size, after the revocation, or no token: not counted.
      for (const existedBy of [shown(1), shown(5, Date.parse(REVOKED_AT)), undefined]) {
        const seq = existedBy === undefined ? 0 : 1;
        assert.match(
          whyReviewDoesNotCount(at(review, stolen.keyId, seq), trusted, LATER, undefined, existedBy) ??
            'counted',
          /no trusted timestamp over (its|the) log does/,
        );
      }
    }
    // The token is over another writer's log: it says nothing of this one.
    assert.notEqual(
      whyReviewDoesNotCount(at(approval(BACKDATED), 'f'.repeat(32), 0), trusted, LATER, undefined, shown(1)),
      undefined,
    );
    // A review that says it came after the revocation stays a problem, whatever a token says.
    const late = checkReviewSignature(
      approval('2026-02-01T00:00:00.000Z'),
      trusted,
      undefined,
      LATER,
      before,
    );
    assert.equal(late.status === 'revoked-key' && late.signedAfterRevocation, true);
    // Verify's approval pass: no notice for the covered approval.
    const records: TrailRecord[] = [checkpoint, approval(BACKDATED)];
    const pass = (existedBy?: ReadonlyMap<string, { size: number; by: number }>) =>
      checkApprovalIntegrity({
        records: records.map((record, seq) => ({
          id: recordIdOf(record),
          record,
          writerId: stolen.keyId,
          seq,
        })),
        recordIds: new Set(records.map(recordIdOf)),
        trustedKeys: trusted,
        ...(existedBy ? { existedBy } : {}),
      });
    assert.equal(pass().notices.length, 1);
    assert.deepEqual(pass(shown(2)), { approvals: 1, problems: [], notices: [] });
    assert.equal(pass(shown(1)).notices.length, 1);
    // countedReviews takes what verify worked out.
    const index = {
      reviewsByCheckpoint: new Map([[recordIdOf(checkpoint), [at(approval(BACKDATED), stolen.keyId, 1)]]]),
      reviewsByCommit: new Map(),
    } as unknown as Parameters<typeof countedReviews>[0];
    assert.equal(countedReviews(index, trusted, { now: LATER, existedBy: shown(2) }).setAside.length, 0);
    assert.equal(countedReviews(index, trusted, { now: LATER, existedBy: shown(1) }).setAside.length, 1);
    assert.deepEqual([...revokedWritersWithReviews(index, trusted, LATER)], [stolen.keyId]);
    assert.deepEqual([...revokedWritersWithReviews(index, trusted, EARLIER)], []);
  });

  test('a revocation dated later leaves the key in force until then', () => {
    const scheduled = new Map<string, TrustedKey>([
      [
        stolen.keyId,
        { keyId: stolen.keyId, publicKey: stolen.publicKey, revokedAt: '2099-01-01T00:00:00.000Z' },
      ],
    ]);
    assert.equal(checkReviewSignature(approval(BACKDATED), scheduled, undefined, LATER).status, 'valid');
    assert.equal(
      whyReviewDoesNotCount(stored(unsigned(BACKDATED), stolen.keyId), scheduled, LATER),
      undefined,
    );
    const index = {
      reviewsByCheckpoint: new Map([[recordIdOf(checkpoint), [stored(approval(BACKDATED), stolen.keyId)]]]),
      reviewsByCommit: new Map(),
    } as unknown as Parameters<typeof countedReviews>[0];
    assert.equal(countedReviews(index, scheduled, { now: LATER }).setAside.length, 0);
    assert.equal(countedReviews(index, trusted, { now: LATER }).setAside.length, 1);
  });
});

describe('trail check: approvals backdated with a revoked key', () => {
  let s: ScriptedRepo;
  let signedInItsLog: Change;
  let unsignedInItsLog: Change;
  let signedInTrustedLog: Change;
  const stolen = generateKeyPair();
  const passing = { passed: 20, coverage: 90 };
  // Before the revocation below: the time a thief would claim.
  const reviewTime = new Date(T0 + 40 * 24 * 3600_000).toISOString();
  const revokedAt = '2026-06-01T00:00:00.000Z';

  before(async () => {
    s = await Scripted.create();
    s.branch('work', 'base');
    signedInItsLog = await s.change({ name: 'w1', day: 1, tests: passing });
    unsignedInItsLog = await s.change({ name: 'w2', day: 2, tests: passing });
    signedInTrustedLog = await s.change({ name: 'w3', day: 3, tests: passing });
    const review = (c: Change) => approvalOf(c, reviewTime);
    trustKey(s.ledger, stolen.publicKey, 'cto@example.com');
    const { signature: _signature, ...unsigned } = signedReview(review(unsignedInItsLog), stolen);
    await appendRecords(s.ledger, stolen, [signedReview(review(signedInItsLog), stolen), unsigned]);
    await s.append([signedReview(review(signedInTrustedLog), stolen)]);
  });
  after(() => s.cleanup());

  const check = (c: Change) => trail(s.dir, 'check', c.sha);

  test('they count while the key is in force, and stop counting once it is revoked', async () => {
    for (const c of [signedInItsLog, unsignedInItsLog, signedInTrustedLog]) {
      const r = await check(c);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.ok(Date.parse(reviewTime) < Date.parse(revokedAt));
    revokeKey(s.ledger, stolen.keyId, 'laptop stolen', revokedAt);

    const signed = await check(signedInItsLog);
    assert.equal(signed.code, 1, signed.stderr);
    assert.match(
      signed.stderr,
      new RegExp(
        `note: the approve review by cto@example\\.com is not counted: signed by key ${stolen.keyId}, revoked since ${revokedAt}: the time in a review is the reviewer's own claim, so it cannot show the review predates the revocation, and no trusted timestamp over its log does; a new review with a key in force \\(trail review\\) counts`,
      ),
    );
    const unsigned = await check(unsignedInItsLog);
    assert.equal(unsigned.code, 1, unsigned.stderr);
    assert.match(
      unsigned.stderr,
      new RegExp(
        `not counted: it is unsigned, and recorded by writer ${stolen.keyId}, whose key is revoked since ${revokedAt}`,
      ),
    );
    const shown = await trail(s.dir, 'show', signedInItsLog.sha);
    assert.match(
      shown.stderr,
      /Reviews not counted[\s\S]*not counted: signed by key [0-9a-f]+, revoked since/,
    );

    // Recorded in this clone's log, whose key is in force: that log still vouches for it.
    const relayed = await check(signedInTrustedLog);
    assert.equal(relayed.code, 0, relayed.stderr);
  });
});
