/**
 * The memo of review signatures this clone has checked: each signed approval is checked once,
 * not on every verify, and the memo never makes a bad or no-longer-trusted signature pass.
 * Real git ledgers in temp folders; the reviewer has a key of their own, trusted in the repo.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { headSignatureId } from '../../src/core/log-verifier.js';
import { recordIdOf } from '../../src/core/record-id.js';
import type { TrailRecord } from '../../src/core/records.js';
import { validateRecord } from '../../src/core/records.js';
import type { KeyPair } from '../../src/core/signature.js';
import { generateKeyPair } from '../../src/core/signature.js';
import { loadWriterKey, revokeKey, trustKey } from '../../src/ledger/keys.js';
import { appendRecords, listLogRefs, logRef, readLogs } from '../../src/ledger/log-store.js';
import type { Repo } from '../../src/ledger/repo.js';
import { findRepo } from '../../src/ledger/repo.js';
import { SignatureMemo, signatureMemoPath } from '../../src/ledger/signature-memo.js';
import { verifyRepository } from '../../src/ledger/verify.js';
import { trail } from '../helpers/cli.js';
import { signedReview } from '../helpers/signed-review.js';
import { tamper } from '../helpers/tamper.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

const COMMIT = 'c'.repeat(40);
const header = (time: string) => ({ v: 1, time, actor: { type: 'human', id: 'x@example.com' } });

function checkpoint(): TrailRecord {
  return validateRecord({
    kind: 'checkpoint',
    ...header('2026-05-01T10:00:00.000Z'),
    provenance: 'observed',
    commit: COMMIT,
  });
}

function approval(of: TrailRecord, key: KeyPair, time = '2026-05-02T09:00:00.000Z') {
  return signedReview({ ...header(time), commit: COMMIT, checkpoint: recordIdOf(of) }, key);
}

describe('the review signature memo', () => {
  let temp: TempRepo;
  let repo: Repo;
  let reviewer: KeyPair;
  let review: TrailRecord;

  before(async () => {
    temp = tempRepo();
    assert.equal((await trail(temp.dir, 'init', '--yes')).code, 0);
    repo = await findRepo(temp.dir);
    reviewer = generateKeyPair();
    trustKey(repo, reviewer.publicKey, 'rev@example.com');
    const approved = checkpoint();
    review = approval(approved, reviewer);
    await appendRecords(repo, loadWriterKey(repo), [approved, review]);
  });
  after(() => temp.cleanup());

  test('a first verify checks the signature and remembers it; the next adds nothing', async () => {
    assert.equal(existsSync(signatureMemoPath(repo)), false);
    const first = await verifyRepository(repo);
    assert.equal(first.ok, true, JSON.stringify(first.approvals));
    assert.equal(first.approvals.approvals, 1);
    // Two entries: the one signed review, and the tree head its append signed.
    assert.equal(statSync(signatureMemoPath(repo)).size, 64);
    assert.equal(SignatureMemo.load(repo).holds(recordIdOf(review), reviewer.publicKey), true);
    // The same review under another key is not remembered.
    assert.equal(SignatureMemo.load(repo).holds(recordIdOf(review), generateKeyPair().publicKey), false);
    const second = await verifyRepository(repo);
    assert.equal(second.ok, true);
    assert.equal(statSync(signatureMemoPath(repo)).size, 64);
  });

  test('a signature that does not verify is reported on every run and never remembered', async () => {
    const forged = { ...approval(checkpoint(), reviewer), reviewer: 'mallory@example.com' };
    await appendRecords(repo, loadWriterKey(repo), [forged]);
    for (let run = 0; run < 2; run++) {
      const result = await verifyRepository(repo);
      assert.equal(result.ok, false);
      assert.deepEqual(
        result.approvals.problems.map((p) => p.reviewer),
        ['mallory@example.com'],
      );
      assert.match(result.approvals.problems[0]!.message, /does not verify/);
    }
    assert.equal(SignatureMemo.load(repo).holds(recordIdOf(forged), reviewer.publicKey), false);
    // Only the tree head of the forged review's append was added.
    assert.equal(statSync(signatureMemoPath(repo)).size, 96);
  });

  test('a remembered signature whose key is revoked since is still judged revoked', async () => {
    assert.equal(SignatureMemo.load(repo).holds(recordIdOf(review), reviewer.publicKey), true);
    revokeKey(repo, reviewer.keyId, 'the laptop was lost', '2026-05-01T00:00:00.000Z');
    const result = await verifyRepository(repo);
    const revoked = result.approvals.problems.filter((p) => p.reviewer === 'rev@example.com');
    assert.equal(revoked.length, 1);
    assert.match(revoked[0]!.message, /after it was revoked/);
  });
});

/** A clone with Trail set up and `appends` appends of one checkpoint each. */
async function withAppends(appends: number) {
  const temp = tempRepo();
  assert.equal((await trail(temp.dir, 'init', '--yes')).code, 0);
  const repo = await findRepo(temp.dir);
  const writer = loadWriterKey(repo);
  for (let i = 0; i < appends; i++) await appendRecords(repo, writer, [checkpoint()]);
  return { temp, repo, writer };
}

/** Replaces, in git, the signature of the head of size `size` with what `change` makes of it. */
async function changeHeadSignature(
  dir: string,
  ref: string,
  size: number,
  change: (sig: Buffer) => Buffer,
): Promise<void> {
  await tamper(dir, ref, (files) => {
    const path = [...files.keys()].find((p) => new RegExp(`^heads/.*/0*${size}\\.json$`).test(p))!;
    const head = JSON.parse(files.get(path)!) as { sig: string };
    const sig = change(Buffer.from(head.sig, 'base64')).toString('base64');
    files.set(path, `${JSON.stringify({ ...head, sig })}\n`);
  });
}

describe('tree head signatures in the memo', () => {
  test('a head is checked once; a head whose bytes or signature changed is checked again', async () => {
    const { temp, repo, writer } = await withAppends(2);
    try {
      assert.equal((await verifyRepository(repo)).ok, true);
      const [snapshot] = await readLogs(repo, await listLogRefs(repo));
      const heads = snapshot!.heads;
      assert.equal(heads.length, 2);
      const memo = SignatureMemo.load(repo);
      for (const head of heads) assert.equal(memo.holds(headSignatureId(head)!, writer.publicKey), true);
      assert.equal(
        memo.holds(headSignatureId(heads[0]!)!, generateKeyPair().publicKey),
        false,
        'under its key only',
      );

      // The newest head's signature, changed: its id changes, so it is checked, and fails.
      await changeHeadSignature(temp.dir, logRef(writer.keyId), 2, (sig) => {
        sig[0]! ^= 1;
        return sig;
      });
      const tampered = await verifyRepository(repo);
      assert.equal(tampered.ok, false);
      assert.match(tampered.problems.map((p) => p.message).join('\n'), /signature/);
    } finally {
      temp.cleanup();
    }
  });

  test('a remembered verdict is taken as it is, not checked again (the memo is trusted as the witness is)', async () => {
    const { temp, repo, writer } = await withAppends(1);
    try {
      await changeHeadSignature(temp.dir, logRef(writer.keyId), 1, () => Buffer.alloc(64));
      assert.equal((await verifyRepository(repo)).ok, false, 'a bad signature, checked');
      const [snapshot] = await readLogs(repo, await listLogRefs(repo));
      const memo = SignatureMemo.load(repo);
      memo.remember(headSignatureId(snapshot!.heads[0]!)!, writer.publicKey);
      memo.save();
      assert.equal((await verifyRepository(repo)).ok, true, 'the verdict came from the memo');
    } finally {
      temp.cleanup();
    }
  });
});

describe('the memo file', () => {
  test('a torn last entry is cut off before the next append, so entries stay aligned', async () => {
    const temp = tempRepo();
    try {
      assert.equal((await trail(temp.dir, 'init', '--yes')).code, 0);
      const repo = await findRepo(temp.dir);
      const key = generateKeyPair().publicKey;
      const memo = SignatureMemo.load(repo);
      memo.remember('a'.repeat(64), key);
      memo.save();
      // A crash mid-append leaves part of an entry.
      writeFileSync(
        signatureMemoPath(repo),
        Buffer.concat([readFileSync(signatureMemoPath(repo)), Buffer.alloc(7)]),
      );
      const reopened = SignatureMemo.load(repo);
      assert.equal(reopened.holds('a'.repeat(64), key), true);
      reopened.remember('b'.repeat(64), key);
      reopened.save();
      assert.equal(statSync(signatureMemoPath(repo)).size, 64);
      const last = SignatureMemo.load(repo);
      assert.equal(last.holds('a'.repeat(64), key), true);
      assert.equal(last.holds('b'.repeat(64), key), true);
    } finally {
      temp.cleanup();
    }
  });
});
