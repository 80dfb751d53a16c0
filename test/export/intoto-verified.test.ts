/**
 * `trail export --format intoto` signs with this clone's key, and a signed statement has no
 * heading to say the ledger failed: so it signs only what `trail verify` accepts. A rewritten
 * log or the log of a key no one trusted is refused in one line; --allow-unverified signs the
 * rest. Reviews count as `trail show` counts them, a revoked key signs nothing, and the
 * subject's DigestSet names the commit alone.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateKeyPair } from '../../src/core/signature.js';
import { loadWriterKey, revokeKey, trustKey } from '../../src/ledger/keys.js';
import { appendRecords } from '../../src/ledger/log-store.js';
import { trail } from '../helpers/cli.js';
import { signedReview } from '../helpers/signed-review.js';
import { T0 } from '../report/fixture.js';
import {
  FORGED_MODEL,
  forgeModelInFirstLog,
  signedStatements,
  UNVERIFIED_REFUSAL,
  withRepo,
} from '../report/signed-exports.js';

const reviewTime = new Date(T0 + 40 * 24 * 3600_000).toISOString();

/** What these tests read of a statement. */
interface Statement {
  subject: Array<{ digest: Record<string, string>; annotations?: Record<string, string> }>;
  predicate: { review: { state: string; detail: string } };
}

describe('trail export --format intoto signs only what trail verify accepts', () => {
  test('a rewritten log is refused in one line; --allow-unverified leaves its checkpoints out', () =>
    withRepo(async (s) => {
      await s.change({ name: 'c1', day: 1 });
      await forgeModelInFirstLog(s);
      assert.equal((await trail(s.dir, 'verify')).code, 1, 'the ledger fails verification');

      const refused = await trail(s.dir, 'export', '--format', 'intoto');
      assert.equal(refused.code, 1, refused.stderr);
      assert.equal(refused.stdout, '', 'nothing signed');
      assert.equal(
        UNVERIFIED_REFUSAL.exec(refused.stderr)?.[1],
        '1 of 1 log fails trail verify',
        refused.stderr,
      );
      const json = await trail(s.dir, 'export', '--format', 'intoto', '--json');
      assert.equal(json.code, 1);
      assert.equal(json.stdout, '');

      const allowed = await trail(s.dir, 'export', '--format', 'intoto', '--allow-unverified');
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.equal(allowed.stdout, '', 'the only checkpoint is in the rewritten log');
      assert.doesNotMatch(allowed.stdout, new RegExp(FORGED_MODEL));
      assert.match(
        allowed.stderr,
        /^the ledger does not verify: signed 0 checkpoints from logs that verify, left out 1 from logs that fail trail verify or writers not trusted here \(--allow-unverified\)\n$/,
      );
    }));

  test('a log signed by a key no one trusted: refused; --allow-unverified signs only the trusted log, without its approval', () =>
    withRepo(async (s) => {
      const mine = await s.change({ name: 'c1', day: 1 });
      const theirs = await s.change({ name: 'c2', day: 2, checkpoint: false });
      const stranger = generateKeyPair();
      const header = (day: number) => ({
        v: 1,
        time: new Date(T0 + day * 24 * 3600_000).toISOString(),
        provenance: 'human',
      });
      // Fetched from someone else: a checkpoint for c2 and an approval of c1, in their own log.
      await appendRecords(s.ledger, stranger, [
        {
          kind: 'checkpoint',
          ...header(2),
          actor: { type: 'service', id: 'trail' },
          provenance: 'observed',
          commit: theirs.sha,
          sessions: [{ sessionId: 'sess-forged', agent: 'claude-code', model: FORGED_MODEL }],
        },
        {
          kind: 'review',
          ...header(3),
          actor: { type: 'human', id: 'cto@example.com' },
          reviewer: 'cto@example.com',
          decision: 'approve',
          commit: mine.sha,
          checkpoint: mine.checkpointId,
        },
      ]);

      const refused = await trail(s.dir, 'export', '--format', 'intoto');
      assert.equal(refused.code, 1, refused.stderr);
      assert.equal(refused.stdout, '');
      assert.equal(
        UNVERIFIED_REFUSAL.exec(refused.stderr)?.[1],
        '1 of 2 logs fails trail verify',
        refused.stderr,
      );

      const allowed = await trail(s.dir, 'export', '--format', 'intoto', '--allow-unverified');
      assert.equal(allowed.code, 0, allowed.stderr);
      const signed = signedStatements<Statement>(s, allowed.stdout);
      assert.deepEqual(
        signed.map((st) => st.subject[0]!.digest.gitCommit),
        [mine.sha],
      );
      assert.equal(signed[0]!.predicate.review.state, 'none', 'the untrusted log’s approval does not count');
      assert.doesNotMatch(allowed.stdout, new RegExp(FORGED_MODEL));
      assert.match(allowed.stderr, /signed 1 checkpoint from logs that verify, left out 1 from logs/);
    }));

  test('an approval signed by a key no one trusted is not counted, as trail show does not count it', () =>
    withRepo(async (s) => {
      const c1 = await s.change({ name: 'c1', day: 1 });
      const stranger = generateKeyPair();
      // Bound to the commit only, so verify's approval pass has nothing of it to reject.
      await s.append([
        signedReview(
          {
            commit: c1.sha,
            time: reviewTime,
            actor: { type: 'human', id: 'cto@example.com' },
            reviewer: 'cto@example.com',
          },
          stranger,
        ),
      ]);
      assert.equal((await trail(s.dir, 'verify')).code, 0, 'the ledger verifies');
      const shown = JSON.parse((await trail(s.dir, 'show', c1.sha, '--json')).stdout);
      assert.equal(shown.approval.state, 'none');

      const exported = await trail(s.dir, 'export', '--format', 'intoto');
      assert.equal(exported.code, 0, exported.stderr);
      assert.equal(exported.stderr, '');
      assert.deepEqual(signedStatements<Statement>(s, exported.stdout)[0]!.predicate.review, shown.approval);

      // Once the key is trusted, the same approval counts.
      trustKey(s.ledger, stranger.publicKey, 'cto@example.com');
      const trusted = await trail(s.dir, 'export', '--format', 'intoto');
      assert.equal(trusted.code, 0, trusted.stderr);
      assert.equal(signedStatements<Statement>(s, trusted.stdout)[0]!.predicate.review.state, 'approved');
    }));

  test('an approval verify rejects in a log that holds: refused; --allow-unverified signs without counting it', () =>
    withRepo(async (s) => {
      const c1 = await s.change({ name: 'c1', day: 1 });
      // Bound to the checkpoint, so verify's approval pass checks its signature and fails it.
      await s.append([
        signedReview(
          {
            commit: c1.sha,
            checkpoint: c1.checkpointId,
            time: reviewTime,
            actor: { type: 'human', id: 'cto@example.com' },
            reviewer: 'cto@example.com',
          },
          generateKeyPair(),
        ),
      ]);
      const refused = await trail(s.dir, 'export', '--format', 'intoto');
      assert.equal(refused.code, 1, refused.stderr);
      assert.equal(
        UNVERIFIED_REFUSAL.exec(refused.stderr)?.[1],
        '1 approval fails trail verify',
        refused.stderr,
      );

      const allowed = await trail(s.dir, 'export', '--format', 'intoto', '--allow-unverified');
      assert.equal(allowed.code, 0, allowed.stderr);
      const [only] = signedStatements<Statement>(s, allowed.stdout);
      assert.equal(only!.predicate.review.state, 'none');
      assert.match(allowed.stderr, /signed 1 checkpoint from logs that verify, left out 0/);
    }));

  test('a revoked writer key signs nothing', () =>
    withRepo(async (s) => {
      await s.change({ name: 'c1', day: 1 });
      const mine = loadWriterKey(s.ledger).keyId;
      revokeKey(s.ledger, mine, 'laptop lost');
      const refused = await trail(s.dir, 'export', '--format', 'intoto');
      assert.equal(refused.code, 1, refused.stderr);
      assert.equal(refused.stdout, '');
      assert.match(
        refused.stderr,
        new RegExp(
          `^trail: this clone's writer key ${mine} was revoked at [^ ]+ \\(laptop lost\\), so nothing was signed: run \`trail keys generate\` for a new key, then sign again\\n$`,
        ),
      );
      // Nothing signed means nothing to refuse: the unsigned exports go on.
      assert.equal((await trail(s.dir, 'export', '--format', 'agent-trace')).code, 0);
    }));

  test('the subject’s DigestSet names the commit alone; its tree is an annotation', () =>
    withRepo(async (s) => {
      const c1 = await s.change({ name: 'c1', day: 1 });
      const tree = s.repo.git('rev-parse', `${c1.sha}^{tree}`);
      // A newer checkpoint of the commit, holding its tree as capture records it.
      await s.append([
        {
          kind: 'checkpoint',
          v: 1,
          time: reviewTime,
          actor: { type: 'service', id: 'trail' },
          provenance: 'observed',
          commit: c1.sha,
          tree,
        },
      ]);
      const exported = await trail(s.dir, 'export', '--format', 'intoto');
      assert.equal(exported.code, 0, exported.stderr);
      const subject = signedStatements<Statement>(s, exported.stdout)[0]!.subject[0]!;
      // in-toto digest_set.md: two DigestSets match when ANY field matches, so a tree beside
      // the commit would make every commit of that tree match the statement.
      assert.deepEqual(subject.digest, { gitCommit: c1.sha });
      assert.deepEqual(subject.annotations, { gitTree: tree });
    }));

  test('--allow-unverified applies to --format intoto only', () =>
    withRepo(async (s) => {
      const misuse = await trail(s.dir, 'export', '--format', 'agent-trace', '--allow-unverified');
      assert.equal(misuse.code, 2);
      assert.equal(misuse.stderr, 'trail: --allow-unverified applies to --format intoto only\n');
    }));
});
