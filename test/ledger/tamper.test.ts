/**
 * The tamper matrix of issue 2: every way of changing a stored log after the fact makes
 * `trail verify` exit 1 and name the record (or head) at fault.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, beforeEach, describe, test } from 'node:test';
import { canonicalize } from '../../src/core/canonical-json.js';
import {
  decodeEntry,
  encodeEntry,
  entryLeafHash,
  GENESIS_PREV,
  signTreeHead,
} from '../../src/core/log-entry.js';
import { MerkleFrontier } from '../../src/core/merkle.js';
import type { TrailRecord } from '../../src/core/records.js';
import type { KeyPair } from '../../src/core/signature.js';
import { generateKeyPair } from '../../src/core/signature.js';
import { loadWriterKey } from '../../src/ledger/keys.js';
import { appendRecords, logRef } from '../../src/ledger/log-store.js';
import type { Repo } from '../../src/ledger/repo.js';
import { findRepo } from '../../src/ledger/repo.js';
import { trail } from '../helpers/cli.js';
import { entryLines, readLogFiles, setEntryLines, tamper, writeLogFiles } from '../helpers/tamper.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

const SHA = 'a'.repeat(40);

function deployment(i: number) {
  return {
    kind: 'deployment',
    v: 1,
    time: `2026-11-0${(i % 9) + 1}T10:00:00.000Z`,
    actor: { type: 'ci', id: 'ci@example.com' },
    provenance: 'observed',
    env: `env-${i}`,
    commit: SHA,
  };
}

/** Builds a whole log signed by `key`: what someone holding a key could forge from scratch. */
function forgeLog(records: TrailRecord[], key: KeyPair, writerId: string): Map<string, string> {
  const files = new Map<string, string>();
  const frontier = new MerkleFrontier();
  let prev = GENESIS_PREV;
  records.forEach((record, seq) => {
    const line = encodeEntry({ prev, record, seq });
    const leaf = entryLeafHash(line);
    frontier.append(leaf);
    prev = leaf.toString('hex');
    const n = String(seq).padStart(12, '0');
    const size = String(seq + 1).padStart(12, '0');
    files.set(`log/0000/000/${n}.jsonl`, `${line}\n`);
    const head = signTreeHead(
      { log: writerId, size: seq + 1, root: frontier.root().toString('hex'), last: prev, time: record.time },
      key,
    );
    files.set(`heads/0000/000/${size}.json`, `${canonicalize(head)}\n`);
  });
  return files;
}

describe('trail verify: tamper matrix', () => {
  let repo: TempRepo;
  let ledger: Repo;
  let ref: string;

  before(async () => {
    repo = tempRepo();
    assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
    ledger = await findRepo(repo.dir);
  });
  after(() => repo.cleanup());

  beforeEach(async () => {
    // A fresh log for each case: five appends of one record and one append of three.
    const key = loadWriterKey(ledger);
    ref = logRef(key.keyId);
    await repo.git('update-ref', '-d', ref);
    rmSync(`${ledger.stateDir}/witness`, { recursive: true, force: true });
    rmSync(`${ledger.stateDir}/cache`, { recursive: true, force: true });
    for (let i = 0; i < 5; i++) await appendRecords(ledger, key, [deployment(i)]);
    await appendRecords(ledger, key, [deployment(5), deployment(6), deployment(7)]);
    const clean = await trail(repo.dir, 'verify');
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stderr, /verified 8 records in 1 log from 1 writer: all hold/);
  });

  async function verifyFails(pattern: RegExp): Promise<string> {
    const result = await trail(repo.dir, 'verify');
    assert.equal(result.code, 1, `verify should fail: ${result.stderr}`);
    assert.match(result.stderr, pattern);
    const json = await trail(repo.dir, 'verify', '--json');
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stdout).ok, false);
    return result.stderr;
  }

  test('modified: a changed field in the middle of the log', async () => {
    await tamper(repo.dir, ref, (files) => {
      const lines = entryLines(files);
      lines[2]!.line = lines[2]!.line.replace('"env-2"', '"env-X"');
      setEntryLines(files, lines);
    });
    const out = await verifyFails(/record 2 \([0-9a-f]{12}\): modified/);
    // The later heads' roots cover record 2 too: said once, without naming records 3..7 as
    // changed (they are not).
    assert.deepEqual(
      out
        .split('\n')
        .filter((l) => l.startsWith('refs/'))
        .map((l) => l.replace(/^\S+ /, '').replace(/\([0-9a-f]{12}\)/, '(id)')),
      [
        'record 2 (id): modified: record 2 was modified: record 3 no longer chains to it',
        'head-mismatch: 3 later tree heads (sizes 4 to 8) cannot vouch for records 3..7: their Merkle roots cover record 2, found changed above, so they do not match either',
      ],
    );
  });

  test('modified: the newest record, which no later entry chains to', async () => {
    await tamper(repo.dir, ref, (files) => {
      const lines = entryLines(files);
      lines[7]!.line = lines[7]!.line.replace('"env-7"', '"env-Y"');
      setEntryLines(files, lines);
    });
    await verifyFails(/record 7 \([0-9a-f]{12}\): modified/);
  });

  test('deleted: a record removed from the middle', async () => {
    await tamper(repo.dir, ref, (files) => {
      setEntryLines(
        files,
        entryLines(files).filter((_, i) => i !== 3),
      );
    });
    await verifyFails(/record 3: deleted: record 3 was deleted/);
  });

  test('reordered: two records swapped', async () => {
    await tamper(repo.dir, ref, (files) => {
      const lines = entryLines(files);
      const five = lines[5]!.line;
      lines[5]!.line = lines[6]!.line;
      lines[6]!.line = five;
      setEntryLines(files, lines);
    });
    await verifyFails(/record 6 \([0-9a-f]{12}\): reordered/);
  });

  test('truncated: the newest records and their heads rolled back consistently', async () => {
    // Roll the ref back three appends: an internally consistent older log. Only the witness
    // (what this clone saw before) can tell.
    const older = repo.git('rev-parse', `${ref}~1`);
    repo.git('update-ref', ref, older);
    await verifyFails(
      /truncated: the log was truncated: 8 records were seen before, the longest copy holds 5/,
    );
  });

  test('truncated: records removed but the signed head kept', async () => {
    await tamper(repo.dir, ref, (files) => {
      setEntryLines(files, entryLines(files).slice(0, 6));
    });
    await verifyFails(/record 6: truncated: the log was truncated: tree head of size 8/);
  });

  test('inserted: a forged record spliced into the middle', async () => {
    await tamper(repo.dir, ref, (files) => {
      const lines = entryLines(files);
      const forged = decodeEntry(lines[4]!.line);
      const line = encodeEntry({ ...forged, record: { ...forged.record, time: '2026-11-20T00:00:00.000Z' } });
      lines.splice(5, 0, { path: lines[4]!.path, line });
      setEntryLines(files, lines);
    });
    await verifyFails(/record 4 \([0-9a-f]{12}\): inserted/);
  });

  test('inserted: a record appended without a signed tree head', async () => {
    await tamper(repo.dir, ref, (files) => {
      const lines = entryLines(files);
      const last = lines[lines.length - 1]!;
      const prev = entryLeafHash(last.line).toString('hex');
      lines.push({
        path: last.path,
        line: encodeEntry({ prev, record: deployment(8) as TrailRecord, seq: 8 }),
      });
      setEntryLines(files, lines);
    });
    await verifyFails(
      /record 8 \([0-9a-f]{12}\): inserted: records 8..8 are not covered by any signed tree head/,
    );
  });

  test('bad and missing signatures on tree heads', async () => {
    await tamper(repo.dir, ref, (files) => {
      const path = [...files.keys()].find((p) => p.endsWith('000000000003.json'))!;
      const head = JSON.parse(files.get(path)!);
      head.sig = Buffer.alloc(64, 7).toString('base64');
      files.set(path, JSON.stringify(head));
      const path2 = [...files.keys()].find((p) => p.endsWith('000000000004.json'))!;
      const head2 = JSON.parse(files.get(path2)!);
      delete head2.sig;
      files.set(path2, JSON.stringify(head2));
    });
    const out = await verifyFails(/bad-signature: tree head of size 3 has a signature that does not verify/);
    assert.match(out, /missing-signature: tree head of size 4 is not signed/);
  });

  test('re-signed with an untrusted key after changing a record', async () => {
    const files = await readLogFiles(repo.dir, ref);
    const records = entryLines(files).map(({ line }) => decodeEntry(line).record);
    (records[1] as { env: string }).env = 'env-forged';
    const attacker = generateKeyPair();
    await writeLogFiles(repo.dir, ref, forgeLog(records, attacker, loadWriterKey(ledger).keyId));
    const out = await verifyFails(
      /unknown-key: tree head of size 1 is signed by key [0-9a-f]{32}, not by this log's writer key/,
    );
    assert.match(out, /record 1 \([0-9a-f]{12}\): rewritten: history rewritten/);
  });

  test("rewritten consistently with the writer's own key (a force-pushed history)", async () => {
    const files = await readLogFiles(repo.dir, ref);
    const records = entryLines(files).map(({ line }) => decodeEntry(line).record);
    (records[3] as { env: string }).env = 'env-rewritten';
    const key = loadWriterKey(ledger);
    await writeLogFiles(repo.dir, ref, forgeLog(records, key, key.keyId));
    // Internally the forged log is perfect: only the witness catches it.
    const out = await verifyFails(
      /record 3 \([0-9a-f]{12}\): rewritten: history rewritten: record 3 differs/,
    );
    assert.doesNotMatch(out, /bad-signature|unknown-key/);
  });

  test('forked: two copies of one log, each perfect alone, where no witness saw either (a fresh clone)', async () => {
    const files = await readLogFiles(repo.dir, ref);
    const records = entryLines(files).map(({ line }) => decodeEntry(line).record);
    (records[5] as { env: string }).env = 'env-forked';
    const key = loadWriterKey(ledger);
    // The honest log as a remote holds it; this clone's own copy is the fork, signed with the
    // same key: internally perfect, and no witness here has seen either.
    const remote = `refs/trail/remotes/origin/logs/${key.keyId}`;
    try {
      repo.git('update-ref', remote, repo.git('rev-parse', ref));
      await writeLogFiles(repo.dir, ref, forgeLog(records, key, key.keyId));
      rmSync(`${ledger.stateDir}/witness`, { recursive: true, force: true });
      const out = await verifyFails(
        /: rewritten: history forked: record 5 differs from record 5 of refs\/trail\/(logs|remotes\/origin\/logs)\/[0-9a-f]{32}, which also verifies/,
      );
      assert.doesNotMatch(out, /bad-signature|unknown-key|truncated/);
    } finally {
      repo.git('update-ref', '-d', remote);
    }
  });

  test('a head signed after the key was revoked', async () => {
    const key = loadWriterKey(ledger);
    const revoke = await trail(repo.dir, 'keys', 'revoke', key.keyId, '--reason', 'laptop lost');
    assert.equal(revoke.code, 0, revoke.stderr);
    try {
      await appendRecords(ledger, key, [deployment(9)]);
      await verifyFails(
        /revoked-key: tree head of size 9 was signed at .* after key [0-9a-f]{32} was revoked/,
      );
    } finally {
      // Un-revoke for the other cases by trusting the key file again without revokedAt.
      const { writeFileSync, readFileSync } = await import('node:fs');
      const path = `${ledger.configDir}/keys/${key.keyId}.json`;
      const entry = JSON.parse(readFileSync(path, 'utf8'));
      delete entry.revokedAt;
      delete entry.revokedReason;
      writeFileSync(path, JSON.stringify(entry));
    }
  });
});
