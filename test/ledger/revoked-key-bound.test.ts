/**
 * A tree head's time is its signer's own claim. Once a writer key is stolen and revoked, the
 * thief can go on appending to its log with heads dated before the revocation; judged by time
 * alone they would verify. `trail keys revoke` therefore records how many records the key's
 * log held here, and verify fails a head the key signed past that, whatever time it claims.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { SignedTreeHead } from '../../src/core/log-entry.js';
import { signTreeHead } from '../../src/core/log-entry.js';
import { loadWriterKey } from '../../src/ledger/keys.js';
import { appendRecords, logRef } from '../../src/ledger/log-store.js';
import { findRepo } from '../../src/ledger/repo.js';
import { trail } from '../helpers/cli.js';
import { tamper } from '../helpers/tamper.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

describe('a revoked writer key and heads dated before its revocation', () => {
  test('a head the stolen key signs past the log held at revocation fails, whatever its time', async () => {
    const repo = initialisedRepo();
    try {
      const head = repo.git('rev-parse', 'HEAD');
      const record = ['record', 'deployment', '--env', 'prod', '--commit', head];
      assert.equal((await trail(repo.dir, ...record)).code, 0);
      assert.equal((await trail(repo.dir, ...record)).code, 0);
      const ledger = await findRepo(repo.dir);
      const stolen = loadWriterKey(ledger);

      const revoke = await trail(repo.dir, 'keys', 'revoke', stolen.keyId, '--reason', 'laptop stolen');
      assert.equal(revoke.code, 0, revoke.stderr);
      assert.match(
        revoke.stderr,
        /its log holds 2 records here: a head it signs past them fails trail verify/,
      );
      assert.match(
        revoke.stderr,
        /^no trusted timestamp over its log predates the revocation: the reviews it signed no longer count/m,
      );
      const keyFile = JSON.parse(readFileSync(join(repo.dir, '.trail/keys', `${stolen.keyId}.json`), 'utf8'));
      assert.equal(keyFile.revokedAtSize, 2);
      assert.equal((await trail(repo.dir, 'verify')).code, 0, 'what the key signed before still holds');

      // The thief appends with the stolen key, then dates the new head a minute before the
      // revocation and signs it again: by its time alone it would pass.
      await appendRecords(ledger, stolen, [
        {
          kind: 'deployment',
          v: 1,
          time: '2026-01-01T00:00:00.000Z',
          actor: { type: 'ci', id: 'ci' },
          provenance: 'observed',
          env: 'prod',
          commit: head,
        },
      ]);
      const backdated = new Date(Date.parse(keyFile.revokedAt) - 60_000).toISOString();
      await tamper(repo.dir, logRef(stolen.keyId), (files) => {
        const path = [...files.keys()]
          .filter((p) => p.startsWith('heads/'))
          .sort()
          .at(-1)!;
        const forged = JSON.parse(files.get(path)!) as SignedTreeHead;
        assert.equal(forged.size, 3);
        const { log, size, root, last } = forged;
        files.set(path, JSON.stringify(signTreeHead({ log, size, root, last, time: backdated }, stolen)));
      });

      const verify = await trail(repo.dir, 'verify');
      assert.equal(verify.code, 1, verify.stderr);
      assert.match(
        verify.stderr,
        new RegExp(
          `tree head of size 3 goes past the 2 records the log held when key ${stolen.keyId} was revoked at \\S+: it was signed after the revocation, whatever time it claims \\(${backdated.replace(/\./g, '\\.')}\\)`,
        ),
      );
    } finally {
      repo.cleanup();
    }
  });

  test('a revocation dated later records no bound: the key signs on until then', async () => {
    const repo = initialisedRepo();
    try {
      const ledger = await findRepo(repo.dir);
      const key = loadWriterKey(ledger);
      const later = new Date(Date.now() + 24 * 3600_000).toISOString();
      const revoke = await trail(
        repo.dir,
        'keys',
        'revoke',
        key.keyId,
        '--reason',
        'rotating',
        '--at',
        later,
      );
      assert.equal(revoke.code, 0, revoke.stderr);
      const keyFile = JSON.parse(readFileSync(join(repo.dir, '.trail/keys', `${key.keyId}.json`), 'utf8'));
      assert.equal(keyFile.revokedAtSize, undefined);
      const head = repo.git('rev-parse', 'HEAD');
      assert.equal(
        (await trail(repo.dir, 'record', 'deployment', '--env', 'prod', '--commit', head)).code,
        0,
      );
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });
});
