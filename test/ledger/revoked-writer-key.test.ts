/**
 * A clone whose own writer key is revoked stops appending with it: every tree head signed
 * after the revocation fails `trail verify` (revoked-key), and a ledger cannot take a record
 * back. `trail keys revoke` says so when it revokes this clone's key, appends are refused in
 * one line saying what to do, and a commit's seal, which must never fail the commit, records
 * a capture gap instead; after `trail keys generate` the owed work is sealed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readGaps } from '../../src/capture/gaps.js';
import { appendRecords, Recorder, readRecords, TrailError } from '../../src/index.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { trail } from '../helpers/cli.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

async function writerKeyId(dir: string): Promise<string> {
  const list = await trail(dir, 'keys', 'list', '--json');
  assert.equal(list.code, 0, list.stderr);
  return (JSON.parse(list.stdout) as { writer: string }).writer;
}

describe('a revoked writer key', () => {
  test('revoking this clone’s key warns; appends with it are refused in one line, and verify holds', async () => {
    const repo = initialisedRepo();
    try {
      const head = repo.git('rev-parse', 'HEAD');
      const record = ['record', 'deployment', '--env', 'prod', '--commit', head];
      assert.equal((await trail(repo.dir, ...record)).code, 0);

      // Another key revoked: nothing to warn about.
      const teammate = await trail(repo.dir, 'keys', 'trust', 'A'.repeat(43) + '=', '--name', 'mate');
      assert.equal(teammate.code, 0, teammate.stderr);
      const mateId = (await trail(repo.dir, 'keys', 'list', '--json')).stdout;
      const other = (JSON.parse(mateId) as { trusted: Array<{ keyId: string; name: string }> }).trusted.find(
        (k) => k.name === 'mate',
      )!.keyId;
      const revokeOther = await trail(repo.dir, 'keys', 'revoke', other, '--reason', 'left');
      assert.equal(revokeOther.code, 0, revokeOther.stderr);
      assert.doesNotMatch(revokeOther.stderr, /warning/);

      const mine = await writerKeyId(repo.dir);
      const revoke = await trail(repo.dir, 'keys', 'revoke', mine, '--reason', 'laptop lost');
      assert.equal(revoke.code, 0, revoke.stderr);
      const warnings = revoke.stderr.split('\n').filter((l) => /warning/.test(l));
      assert.deepEqual(warnings.length, 1, revoke.stderr);
      assert.match(
        warnings[0]!,
        new RegExp(`${mine} is this clone's writer key: run \`trail keys generate\``),
      );

      const refused = await trail(repo.dir, ...record);
      assert.equal(refused.code, 1);
      assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
      assert.match(
        refused.stderr,
        new RegExp(
          `^trail: this clone's writer key ${mine} was revoked at .* \\(laptop lost\\), so nothing was appended: run \`trail keys generate\``,
        ),
      );
      // The library's append is refused the same way.
      await assert.rejects(
        appendRecords(
          [
            {
              kind: 'deployment',
              v: 1,
              time: new Date().toISOString(),
              actor: { type: 'ci', id: 'ci' },
              provenance: 'observed',
              env: 'prod',
              commit: head,
            },
          ],
          repo.dir,
        ),
        (error: unknown) =>
          error instanceof TrailError && error.code === 'KEY_INVALID' && /revoked/.test(error.message),
      );
      assert.equal((await readRecords(repo.dir)).length, 1, 'an append went through with the revoked key');
      const verified = await trail(repo.dir, 'verify');
      assert.equal(verified.code, 0, verified.stderr);

      const rotated = await trail(repo.dir, 'keys', 'generate');
      assert.equal(rotated.code, 0, rotated.stderr);
      assert.equal((await trail(repo.dir, ...record)).code, 0);
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });

  test('a revocation dated later leaves the key appending until then', async () => {
    const repo = initialisedRepo();
    try {
      const mine = await writerKeyId(repo.dir);
      const at = new Date(Date.now() + 24 * 3600 * 1000).toISOString();
      const revoked = await trail(repo.dir, 'keys', 'revoke', mine, '--reason', 'rotating', '--at', at);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.match(
        revoked.stderr,
        new RegExp(
          `is this clone's writer key: it records until ${at}; run \`trail keys generate\` before then`,
        ),
      );
      // The list says the key still vouches for what it signs until then.
      assert.match(
        (await trail(repo.dir, 'keys', 'list')).stderr,
        new RegExp(`^${mine}  .*\\(this clone\\) in force until ${at}, revoked from then: rotating$`, 'm'),
      );
      const head = repo.git('rev-parse', 'HEAD');
      const appended = await trail(repo.dir, 'record', 'deployment', '--env', 'prod', '--commit', head);
      assert.equal(appended.code, 0, appended.stderr);
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });

  test('a commit sealed with a revoked key still succeeds, records a capture gap, and is sealed after rotation', async () => {
    const repo = initialisedRepo();
    try {
      const mine = await writerKeyId(repo.dir);
      assert.equal((await trail(repo.dir, 'keys', 'revoke', mine, '--reason', 'laptop lost')).code, 0);
      const r = await Recorder.start({ cwd: repo.dir, agent: 'bot', model: 'gpt-5' });
      await r.writeFile('w.txt', 'w\n');
      r.end();
      // Real git, real hooks: the post-commit seal cannot append, and the commit goes through.
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'ai work');
      const aiCommit = repo.git('rev-parse', 'HEAD');
      // The commit promises no checkpoint it cannot have: no trailer, and a gap saying why.
      assert.doesNotMatch(repo.git('log', '-1', '--format=%B'), /Trail-Checkpoint/);
      const gaps = readGaps((await findRepo(repo.dir)).stateDir);
      assert.ok(
        gaps.some(
          (g) =>
            g.hook === 'prepare-commit-msg' && /no Trail-Checkpoint trailer added.*was revoked/.test(g.why),
        ),
        JSON.stringify(gaps),
      );
      assert.ok(
        gaps.some((g) => g.hook === 'post-commit' && /writer key .* was revoked/.test(g.why)),
        JSON.stringify(gaps),
      );
      assert.deepEqual(await readRecords(repo.dir), []);
      assert.equal((await trail(repo.dir, 'verify')).code, 0);

      // A new key: the next commit seals the work the failed seal left, and the gap.
      assert.equal((await trail(repo.dir, 'keys', 'generate')).code, 0);
      repo.commit('trust the new key');
      const ix = await loadIndex(await findRepo(repo.dir));
      const checkpoint = ix.checkpointByCommit.get(aiCommit)?.record;
      assert.ok(checkpoint, 'the commit sealed with a revoked key never got its checkpoint');
      assert.deepEqual(checkpoint.attribution['w.txt'], [
        { start: 1, end: 1, origin: 'ai', sessionId: r.sessionId },
      ]);
      const sealedGaps = (await readRecords(repo.dir)).filter((s) => s.record.kind === 'capture-gap');
      assert.ok(sealedGaps.some((s) => /was revoked/.test((s.record as { why: string }).why)));
      const verified = await trail(repo.dir, 'verify');
      assert.equal(verified.code, 0, verified.stderr);
    } finally {
      repo.cleanup();
    }
  });
});
