/**
 * Load: a repository with 10,000 checkpoints (from several writers, as a team's clones
 * would produce) verifies, reads back completely, and answers log and show.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateKeyPair } from '../../src/core/signature.js';
import { loadWriterKey, trustKey } from '../../src/ledger/keys.js';
import { appendRecords } from '../../src/ledger/log-store.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { trail } from '../helpers/cli.js';
import { tempRepo } from '../helpers/temp-repo.js';

describe('load', () => {
  test('10,000 checkpoints from four writers: all verify, none lost', async () => {
    const repo = tempRepo();
    try {
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
      const ledger = await findRepo(repo.dir);
      const commits = Array.from({ length: 20 }, (_, i) => repo.commit(`c${i}`));
      const writers = [loadWriterKey(ledger), generateKeyPair(), generateKeyPair(), generateKeyPair()];
      for (const [i, w] of writers.entries()) if (i > 0) trustKey(ledger, w.publicKey, `teammate ${i}`);
      let n = 0;
      for (const [w, key] of writers.entries()) {
        for (let batch = 0; batch < 5; batch++) {
          const records = Array.from({ length: 500 }, () => {
            const i = n++;
            return {
              kind: 'checkpoint',
              v: 1,
              time: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
              actor: { type: 'human', id: `dev${w}@example.com` },
              provenance: 'observed',
              commit: commits[i % commits.length],
              summary: `change ${i}`,
              files: [
                {
                  path: `src/f${i % 50}.ts`,
                  status: 'modified',
                  added: 3,
                  removed: 1,
                  aiLines: 2,
                  humanLines: 1,
                  unknownLines: 0,
                },
              ],
            };
          });
          await appendRecords(ledger, key, records);
        }
      }
      assert.equal(n, 10_000);
      const verify = await trail(repo.dir, 'verify', '--json');
      assert.equal(verify.code, 0, verify.stderr);
      const report = JSON.parse(verify.stdout);
      assert.equal(report.records, 10_000);
      assert.equal(report.writers, 4);
      const index = await loadIndex(ledger);
      assert.equal(index.checkpoints.length, 10_000);
      const summaries = new Set(index.checkpoints.map((c) => c.record.summary));
      assert.equal(summaries.size, 10_000, 'every checkpoint present exactly once');
      const log = await trail(repo.dir, 'log', '--json', '-n', '5');
      assert.equal(log.code, 0, log.stderr);
      assert.equal(JSON.parse(log.stdout).length, 5);
    } finally {
      repo.cleanup();
    }
  });
});
