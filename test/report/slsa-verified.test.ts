/**
 * `trail report slsa` signs its statements with this clone's key, and a JSON Lines bundle has
 * nowhere to say "LEDGER VERIFICATION FAILED": so it is signed only from a ledger that
 * verifies (or, with --allow-unverified, from the logs that do), never with a revoked key,
 * and its subjects name the commit alone.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isTrailError } from '../../src/core/errors.js';
import { generateKeyPair } from '../../src/core/signature.js';
import { loadWriterKey, revokeKey } from '../../src/ledger/keys.js';
import { appendRecords } from '../../src/ledger/log-store.js';
import { loadReportInput, loadSignableReportInput } from '../../src/report/load.js';
import { buildSlsaBundle } from '../../src/report/slsa.js';
import { trail } from '../helpers/cli.js';
import { signedReview } from '../helpers/signed-review.js';
import { T0 } from './fixture.js';
import {
  FORGED_MODEL,
  forgeModelInFirstLog,
  signedStatements,
  UNVERIFIED_REFUSAL,
  withRepo,
} from './signed-exports.js';

const DAY = 24 * 3600_000;

/** What these tests read of a statement. */
interface Statement {
  subject: Array<{ digest: Record<string, string>; annotations?: Record<string, string> }>;
}

describe('trail report slsa signs only what trail verify accepts', () => {
  test('a rewritten log: no bundle is written; --allow-unverified leaves its checkpoints out', () =>
    withRepo(async (s) => {
      await s.change({ name: 'c1', day: 1 });
      await forgeModelInFirstLog(s);
      const out = join(s.dir, 'provenance.intoto.jsonl');
      const refused = await trail(s.dir, 'report', 'slsa', '--out', out);
      assert.equal(refused.code, 1, refused.stderr);
      assert.equal(
        UNVERIFIED_REFUSAL.exec(refused.stderr)?.[1],
        '1 of 1 log fails trail verify',
        refused.stderr,
      );
      assert.equal(existsSync(out), false, 'no bundle written');
      assert.equal((await trail(s.dir, 'report', 'slsa')).stdout, '');

      const allowed = await trail(s.dir, 'report', 'slsa', '--out', out, '--allow-unverified');
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.equal(readFileSync(out, 'utf8'), '', 'the only checkpoint is in the rewritten log');
      assert.match(
        allowed.stderr,
        /^the ledger does not verify: signed 0 statements from logs that verify, left out 1 change whose checkpoint comes from a log that fails trail verify \(--allow-unverified\)$/m,
      );
      // A readable report says the ledger failed itself, and is made as before.
      const md = await trail(s.dir, 'report', 'slsa', '--format', 'md');
      assert.equal(md.code, 0, md.stderr);
      assert.match(md.stdout, /LEDGER VERIFICATION FAILED/);
      const misuse = await trail(s.dir, 'report', 'slsa', '--format', 'md', '--allow-unverified');
      assert.equal(misuse.code, 2);
    }));

  test('the library refuses as well: buildSlsaBundle over a ledger that fails verification', () =>
    withRepo(async (s) => {
      await s.change({ name: 'c1', day: 1 });
      await forgeModelInFirstLog(s);
      const input = await loadReportInput(s.ledger, {});
      const key = loadWriterKey(s.ledger);
      assert.throws(
        () => buildSlsaBundle(input, key),
        (e) => isTrailError(e) && e.code === 'VERIFY_FAILED',
      );
      const bundle = buildSlsaBundle(input, key, { allowUnverified: true });
      assert.equal(bundle.envelopes.length, 0);
      assert.equal(bundle.leftOut, 1);
    }));

  test('what may be signed over a failing ledger counts reviews as trail show does', () =>
    withRepo(async (s) => {
      const mine = await s.change({ name: 'c1', day: 1 });
      const theirs = await s.change({ name: 'c2', day: 2, checkpoint: false });
      const stranger = generateKeyPair();
      // Someone else's log, which fails verify (a key no one trusted), fails the ledger.
      await appendRecords(s.ledger, stranger, [
        {
          kind: 'checkpoint',
          v: 1,
          time: new Date(T0 + 2 * DAY).toISOString(),
          actor: { type: 'service', id: 'trail' },
          provenance: 'observed',
          commit: theirs.sha,
        },
      ]);
      // In this clone's log, which verifies: an approval signed by that untrusted key, bound to
      // the commit only so that verify's approval pass has nothing of it to reject.
      await s.append([
        signedReview(
          {
            commit: mine.sha,
            time: new Date(T0 + 3 * DAY).toISOString(),
            actor: { type: 'human', id: 'cto@example.com' },
            reviewer: 'cto@example.com',
          },
          stranger,
        ),
      ]);
      await assert.rejects(
        loadSignableReportInput(s.ledger, {}),
        (e) => isTrailError(e) && e.code === 'VERIFY_FAILED',
      );
      const { input, signable } = await loadSignableReportInput(s.ledger, {}, { allowUnverified: true });
      assert.equal(input.ledger.ok, false);
      assert.deepEqual([...signable.checkpointByCommit.keys()], [mine.sha], 'the failing log is left out');
      assert.equal(
        signable.reviewsByCommit.get(mine.sha),
        undefined,
        'the untrusted approval is not counted',
      );
      assert.equal(input.reviewsNotCounted, 1);
      const bundle = buildSlsaBundle(input, loadWriterKey(s.ledger), { allowUnverified: true, signable });
      assert.deepEqual(
        bundle.statements.map((st) => st.subject[0]!.digest.gitCommit),
        [mine.sha],
      );
      assert.equal(bundle.leftOut, 1);
    }));

  test('a log signed by a key no one trusted: refused; --allow-unverified signs the trusted log’s changes only', () =>
    withRepo(async (s) => {
      const mine = await s.change({ name: 'c1', day: 1 });
      const theirs = await s.change({ name: 'c2', day: 2, checkpoint: false });
      await appendRecords(s.ledger, generateKeyPair(), [
        {
          kind: 'checkpoint',
          v: 1,
          time: new Date(T0 + 2 * DAY).toISOString(),
          actor: { type: 'service', id: 'trail' },
          provenance: 'observed',
          commit: theirs.sha,
          sessions: [{ sessionId: 'sess-forged', agent: 'claude-code', model: FORGED_MODEL }],
        },
      ]);
      const refused = await trail(s.dir, 'report', 'slsa');
      assert.equal(refused.code, 1, refused.stderr);
      assert.equal(refused.stdout, '');
      assert.equal(
        UNVERIFIED_REFUSAL.exec(refused.stderr)?.[1],
        '1 of 2 logs fails trail verify',
        refused.stderr,
      );

      const allowed = await trail(s.dir, 'report', 'slsa', '--allow-unverified');
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.deepEqual(
        signedStatements<Statement>(s, allowed.stdout).map((st) => st.subject[0]!.digest.gitCommit),
        [mine.sha],
      );
      assert.doesNotMatch(allowed.stdout, new RegExp(FORGED_MODEL));
      assert.match(allowed.stderr, /signed 1 statement from logs that verify, left out 1 change whose/);
    }));

  test('a revoked writer key signs no bundle and no report', () =>
    withRepo(async (s) => {
      await s.change({ name: 'c1', day: 1 });
      const mine = loadWriterKey(s.ledger).keyId;
      revokeKey(s.ledger, mine, 'laptop lost');
      const refusal = new RegExp(
        `^trail: this clone's writer key ${mine} was revoked at [^ ]+ \\(laptop lost\\), so nothing was signed: run \`trail keys generate\` for a new key, then sign again\\n$`,
      );
      const slsa = await trail(s.dir, 'report', 'slsa');
      assert.equal(slsa.code, 1, slsa.stderr);
      assert.equal(slsa.stdout, '');
      assert.match(slsa.stderr, refusal);
      const out = join(s.dir, 'soc2.md');
      const signed = await trail(s.dir, 'report', 'soc2', '--out', out, '--sign');
      assert.equal(signed.code, 1, signed.stderr);
      assert.match(signed.stderr, refusal);
      assert.equal(existsSync(`${out}.sig.json`), false);
      // Unsigned, the report is made as before.
      assert.equal((await trail(s.dir, 'report', 'soc2', '--out', out)).code, 0);
    }));

  test('the subject’s DigestSet names the commit alone; its tree is an annotation', () =>
    withRepo(async (s) => {
      const c1 = await s.change({ name: 'c1', day: 1 });
      const tree = s.repo.git('rev-parse', `${c1.sha}^{tree}`);
      await s.append([
        {
          kind: 'checkpoint',
          v: 1,
          time: new Date(T0 + 3 * DAY).toISOString(),
          actor: { type: 'service', id: 'trail' },
          provenance: 'observed',
          commit: c1.sha,
          tree,
        },
      ]);
      const r = await trail(s.dir, 'report', 'slsa');
      assert.equal(r.code, 0, r.stderr);
      const subject = signedStatements<Statement>(s, r.stdout)[0]!.subject[0]!;
      assert.deepEqual(subject.digest, { gitCommit: c1.sha });
      assert.deepEqual(subject.annotations, { gitTree: tree });
    }));
});

describe('trail report slsa with nothing to attest', () => {
  test('says so on stderr, leaves stdout empty and exits 0', () =>
    withRepo(async (s) => {
      const empty = await trail(s.dir, 'report', 'slsa');
      assert.equal(empty.code, 0, empty.stderr);
      assert.equal(empty.stdout, '');
      assert.match(
        empty.stderr,
        /^nothing to attest: no commit with a checkpoint in the period \(all recorded history\), so the bundle is empty$/m,
      );
      await s.change({ name: 'c1', day: 1 });
      const one = await trail(s.dir, 'report', 'slsa');
      assert.equal(one.code, 0, one.stderr);
      assert.doesNotMatch(one.stderr, /nothing to attest/);
      assert.equal(one.stdout.trim().split('\n').length, 1);
    }));
});
