/**
 * A reviewer's key revoked after the fact (rotated, or a laptop lost) used to take every
 * review it signed with it: a review's time is its writer's own claim, so nothing showed
 * which side of the revocation it came. A trusted authority's RFC 3161 timestamp over the
 * reviewer's log does: the reviews a token made before the revocation covers keep counting,
 * in `trail check`, `trail show`, `trail verify` and the reports, and nothing else does.
 * Real parts only: OpenSSL's own TSA over HTTP, real git, the CLI as users run it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateKeyPair } from '../../src/core/signature.js';
import { trustKey } from '../../src/ledger/keys.js';
import { appendRecords, logRef } from '../../src/ledger/log-store.js';
import { timestampNewestHead } from '../../src/ledger/timestamp-heads.js';
import { trail } from '../helpers/cli.js';
import { approvalOf, signedReview } from '../helpers/signed-review.js';
import { entryLines, setEntryLines, tamper } from '../helpers/tamper.js';
import type { TestAuthority } from '../helpers/tsa.js';
import { startAuthority } from '../helpers/tsa.js';
import type { Change, ScriptedRepo } from '../report/fixture.js';
import { ScriptedRepo as Scripted, T0 } from '../report/fixture.js';

describe('reviews a timestamp shows came before their key was revoked', () => {
  let authority: TestAuthority;
  let s: ScriptedRepo;
  let signedCovered: Change;
  let unsignedCovered: Change;
  let signedAfterToken: Change;
  const reviewer = generateKeyPair();
  const passing = { passed: 20, coverage: 90 };
  const reviewTime = new Date(T0 + 40 * 24 * 3600_000).toISOString();

  const review = (c: Change) => approvalOf(c, reviewTime);
  const check = (c: Change) => trail(s.dir, 'check', c.sha);
  let revokeSaid = '';

  before(async () => {
    authority = await startAuthority();
    s = await Scripted.create();
    s.branch('work', 'base');
    signedCovered = await s.change({ name: 'w1', day: 1, tests: passing });
    unsignedCovered = await s.change({ name: 'w2', day: 2, tests: passing });
    signedAfterToken = await s.change({ name: 'w3', day: 3, tests: passing });
    const trust = await trail(s.dir, 'timestamp', 'trust', authority.caFile);
    assert.equal(trust.code, 0, trust.stderr);
    // The reviewer's own clone, as `trail review` writes: each review signed with the
    // writer key, in that writer's log.
    trustKey(s.ledger, reviewer.publicKey, 'cto@example.com');
    const { signature: _signature, ...unsigned } = signedReview(review(unsignedCovered), reviewer);
    await appendRecords(s.ledger, reviewer, [signedReview(review(signedCovered), reviewer), unsigned]);
    const stamped = await timestampNewestHead(s.ledger, reviewer.keyId, authority.url);
    assert.equal(stamped?.size, 2);
    await appendRecords(s.ledger, reviewer, [signedReview(review(signedAfterToken), reviewer)]);
    // The authority writes whole seconds, and its time is read as late as it can be.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const revoked = await trail(s.dir, 'keys', 'revoke', reviewer.keyId, '--reason', 'key rotated');
    assert.equal(revoked.code, 0, revoked.stderr);
    revokeSaid = revoked.stderr;
  });
  after(async () => {
    s.cleanup();
    await authority.close();
  });

  test('trail keys revoke says which records a timestamp keeps', () => {
    assert.match(revokeSaid, /its log holds 3 records here/);
    assert.match(
      revokeSaid,
      /^a trusted timestamp shows its first 2 records existed by \S+ \(Trail Test TSA\), before the revocation: the reviews among them still count$/m,
    );
  });

  test('trail check and trail show count the reviews the token covers, and only those', async () => {
    const signed = await check(signedCovered);
    assert.equal(signed.code, 0, signed.stderr);
    assert.doesNotMatch(signed.stderr, /not counted/);
    const unsigned = await check(unsignedCovered);
    assert.equal(unsigned.code, 0, unsigned.stderr);

    // Appended after the stamped head: nothing shows it came before the revocation.
    const late = await check(signedAfterToken);
    assert.equal(late.code, 1, late.stderr);
    assert.match(
      late.stderr,
      new RegExp(
        `not counted: signed by key ${reviewer.keyId}, revoked since \\S+: the time in a review is the reviewer's own claim, so it cannot show the review predates the revocation, and no trusted timestamp over its log does`,
      ),
    );

    const shown = await trail(s.dir, 'show', signedCovered.sha, '--json');
    assert.equal(shown.code, 0, shown.stderr);
    const view = JSON.parse(shown.stdout);
    assert.equal(view.reviews.length, 1, shown.stdout);
    assert.deepEqual(view.reviewsNotCounted ?? [], []);
    // What the approval rests on is said: a review of a key in force carries no such line.
    const onToken = new RegExp(
      `^key ${reviewer.keyId} is revoked since \\S+, but an RFC 3161 timestamp by Trail Test TSA shows the review existed by \\S+, before that$`,
    );
    assert.match(view.reviews[0].countedOnTimestamp, onToken);
    const text = await trail(s.dir, 'show', unsignedCovered.sha);
    assert.match(
      text.stderr,
      /cto@example\.com: approve \(examined the reasoning\) at \S+ \(counted: key [0-9a-f]+ is revoked since/,
    );
    const shownLate = await trail(s.dir, 'show', signedAfterToken.sha);
    assert.match(shownLate.stderr, /Reviews not counted[\s\S]*no trusted timestamp over its log does/);

    const summary = await trail(s.dir, 'pr-summary', '--base', s.sha('base'));
    assert.equal(summary.code, 0, summary.stderr);
    assert.equal((summary.stdout.match(/is not counted/g) ?? []).length, 1, summary.stdout);
  });

  test('trail verify holds, says what the token shows, and notes only the revoked signature it does not cover', async () => {
    const verify = await trail(s.dir, 'verify');
    assert.equal(verify.code, 0, verify.stderr);
    // Its newest token is the one from before the revocation: one line says both.
    assert.match(
      verify.stderr,
      /^timestamped: \S+ \([0-9a-f]{12}\): its first 2 records existed by \S+ \(Trail Test TSA\), before its key was revoked$/m,
    );
    const revoked = verify.stderr.split('\n').filter((line) => /^notice: .*revoked since/.test(line));
    assert.equal(revoked.length, 1, verify.stderr);
    assert.match(
      revoked[0]!,
      new RegExp(`^notice: ${signedAfterToken.checkpointId!.slice(0, 12)} approved by`),
    );
    const json = JSON.parse((await trail(s.dir, 'verify', '--json')).stdout);
    const log = json.logs.find((l: { writerId: string }) => l.writerId === reviewer.keyId);
    assert.equal(log.beforeRevocation.size, 2);
    assert.equal(log.beforeRevocation.authority, 'Trail Test TSA');

    const report = await trail(s.dir, 'report', 'soc2', '--since', '2000-01-01');
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /1 review in the ledger is not counted/);
    assert.match(
      report.stdout,
      /2 reviews in the ledger count on an RFC 3161 timestamp: the key that vouches for them is revoked since/,
    );
  });

  test('a token made after the revocation shows nothing, and a log that fails shows nothing', async () => {
    const ref = logRef(reviewer.keyId);
    const good = s.repo.git('rev-parse', ref);
    try {
      // Stamped now, past the revocation: the largest token no longer predates it, and the
      // search goes down to the one that does.
      const stamped = await timestampNewestHead(s.ledger, reviewer.keyId, authority.url);
      assert.equal(stamped?.size, 3);
      assert.equal((await check(signedAfterToken)).code, 1);
      const covered = await check(signedCovered);
      assert.equal(covered.code, 0, covered.stderr);

      // A record of the log changed: the token's tie to the records (the head's root) may be
      // what broke, so no review of that log is taken on it.
      s.repo.git('update-ref', ref, good);
      await tamper(s.dir, ref, (files) => {
        const lines = entryLines(files);
        lines[1] = {
          ...lines[1]!,
          line: lines[1]!.line.replace('"examinedReasoning":true', '"examinedReasoning":false'),
        };
        setEntryLines(files, lines);
      });
      assert.equal((await trail(s.dir, 'verify')).code, 1);
      const broken = await check(signedCovered);
      assert.equal(broken.code, 1, broken.stderr);
      assert.match(broken.stderr, /not counted: signed by key [0-9a-f]+, revoked since/);
    } finally {
      s.repo.git('update-ref', ref, good);
    }
    assert.equal((await check(signedCovered)).code, 0);
  });
});
