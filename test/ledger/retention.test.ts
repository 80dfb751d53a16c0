/**
 * Retention: a dry run lists what would go; the real run purges old, unheld content, leaves
 * tombstones so every log still verifies (here and against the witness of before), records
 * the purge, and the old content leaves git. A tombstone without a purge naming it fails.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sha256Hex } from '../../src/core/hash.js';
import { decodeEntry, encodeTombstone, entryLeafHash } from '../../src/core/log-entry.js';
import { loadWriterKey } from '../../src/ledger/keys.js';
import { appendRecords, logRef } from '../../src/ledger/log-store.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { trail } from '../helpers/cli.js';
import { entryLines, setEntryLines, tamper } from '../helpers/tamper.js';
import { gitEnv, tempRepo } from '../helpers/temp-repo.js';

const OLD = '2025-01-10T10:00:00.000Z';
const NEW = new Date().toISOString();

function deployment(env: string, commit: string, time: string) {
  return {
    kind: 'deployment',
    v: 1,
    time,
    actor: { type: 'ci', id: 'ci' },
    provenance: 'observed',
    env,
    commit,
  };
}

function checkpoint(commit: string, time: string, note: string) {
  return {
    kind: 'checkpoint',
    v: 1,
    time,
    actor: { type: 'human', id: 'dev@example.com' },
    provenance: 'observed',
    commit,
    summary: note,
  };
}

describe('trail retention apply', () => {
  test('dry run, purge with tombstones and a legal hold, verify before and after', async () => {
    const repo = tempRepo();
    try {
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
      const a = repo.commit('a');
      const b = repo.commit('b');
      const ledger = await findRepo(repo.dir);
      const key = loadWriterKey(ledger);
      await appendRecords(ledger, key, [
        checkpoint(a, OLD, 'old change with SECRET-SOUNDING-TEXT-123'),
        deployment('prod', a, OLD),
        checkpoint(b, OLD, 'old change under legal hold'),
      ]);
      await appendRecords(ledger, key, [checkpoint(b, NEW, 'recent change'), deployment('prod', b, NEW)]);
      writeFileSync(
        join(repo.dir, '.trail', 'policy.yml'),
        `retention:\n  days: 180\n  legalHolds:\n    - commit: ${b}\n      reason: litigation hold\n`,
      );
      assert.equal((await trail(repo.dir, 'verify')).code, 0, 'the witness now holds all five records');

      const dry = await trail(repo.dir, 'retention', 'apply', '--dry-run', '--json');
      assert.equal(dry.code, 0, dry.stderr);
      const plan = JSON.parse(dry.stdout);
      assert.deepEqual(plan.purge.map((p: { kind: string }) => p.kind).sort(), ['checkpoint', 'deployment']);
      assert.equal(plan.held.length, 1);
      assert.equal(plan.held[0].reason, 'litigation hold');
      assert.equal((await loadIndex(ledger)).records.length, 5, 'a dry run changes nothing');

      const apply = await trail(repo.dir, 'retention', 'apply', '--json');
      assert.equal(apply.code, 0, apply.stderr);
      const index = await loadIndex(ledger);
      const kinds = index.records.map((r) => r.record.kind).sort();
      assert.deepEqual(kinds, ['checkpoint', 'checkpoint', 'deployment', 'retention-purge']);
      assert.ok(
        !index.records.some((r) => r.record.kind === 'checkpoint' && r.record.summary?.includes('SECRET')),
      );
      const verify = await trail(repo.dir, 'verify');
      assert.equal(verify.code, 0, `the purged log verifies against the earlier witness: ${verify.stderr}`);
      // The old content leaves git once unreachable objects are pruned.
      repo.git('gc', '--prune=now', '-q');
      const objects = repo.git('cat-file', '--batch-all-objects', '--batch');
      assert.doesNotMatch(objects, /SECRET-SOUNDING-TEXT-123/);
      assert.equal(repo.git('rev-list', '--count', logRef(key.keyId)), '1');
    } finally {
      repo.cleanup();
    }
  });

  test('a commit whose checkpoint was purged is reported as purged, not as hand-written', async () => {
    const repo = tempRepo();
    try {
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
      repo.write('.trail/policy.yml', 'allowCommitsWithoutCheckpoint: false\nretention:\n  days: 180\n');
      const setUp = repo.commit('trail set up');
      const oldCommit = (message: string) => {
        repo.write(`${message.length}.txt`, `${message}\n`);
        repo.git('add', '-A');
        execFileSync('git', ['commit', '-q', '-m', message], {
          cwd: repo.dir,
          env: { ...gitEnv, GIT_AUTHOR_DATE: OLD, GIT_COMMITTER_DATE: OLD },
        });
        return repo.git('rev-parse', 'HEAD').trim();
      };
      const sealed = oldCommit('agent work\n\nTrail-Checkpoint: ckpt_0123456789abcdef');
      const byHand = oldCommit('written by hand');
      const ledger = await findRepo(repo.dir);
      await appendRecords(ledger, loadWriterKey(ledger), [
        { ...checkpoint(sealed, OLD, 'agent work'), key: 'ckpt_0123456789abcdef' },
      ]);
      // A read keeps the checkpoint's bytes in the read memo; the purge must take them too.
      assert.equal((await trail(repo.dir, 'log', '-n', '1')).code, 0);
      const memo = join(ledger.stateDir, 'read-memo', loadWriterKey(ledger).keyId);
      assert.ok(readFileSync(memo).includes(sealed));
      assert.equal((await trail(repo.dir, 'retention', 'apply')).code, 0);
      assert.equal(existsSync(memo), false);

      const check = await trail(repo.dir, 'check', `${sealed}~1..${byHand}`);
      assert.match(
        check.stderr,
        new RegExp(
          `^${sealed.slice(0, 7)} note: its checkpoint was removed by a logged retention purge of records before \\d{4}-`,
          'm',
        ),
      );
      assert.match(
        check.stderr,
        new RegExp(`^${byHand.slice(0, 7)} checkpoint: no checkpoint: written without`, 'm'),
      );
      assert.match(
        check.stderr,
        /check failed: 1 violation in 1 of 2 commits/,
        'only the hand-written one fails',
      );
      assert.ok(!readFileSync(memo).includes(sealed), 'read again, the memo holds no purged bytes');
      const shown = await trail(repo.dir, 'show', sealed);
      assert.equal(shown.code, 1);
      assert.match(
        shown.stderr,
        /^trail: commit [0-9a-f]{12} had a checkpoint, removed by a logged retention purge of records before /,
      );
      const gaps = JSON.parse(
        (await trail(repo.dir, 'report', 'gaps', '--format', 'json', '--since', '2025-01-01')).stdout,
      );
      const missing = gaps.sections
        .flatMap((x: { table?: { rows: Array<Record<string, string>> } }) => x.table?.rows ?? [])
        .filter((r: Record<string, string>) => r.gap === 'no-checkpoint')
        .map((r: Record<string, string>) => r.commit);
      assert.deepEqual(missing, [byHand]);
      // The NIST AI RMF report counts as trail check and the gaps report do, and says why.
      const nist = JSON.parse(
        (await trail(repo.dir, 'report', 'nist-ai-rmf', '--format', 'json', '--since', '2025-01-01')).stdout,
      );
      const row = nist.sections
        .find((x: { id: string }) => x.id === 'govern')
        .table.rows.find((r: Record<string, string>) => r.evidence === 'Commits without a checkpoint');
      assert.equal(
        row.finding,
        '1 commit without a checkpoint (hand-written or not captured); 1 commit had a checkpoint, removed by a logged retention purge (the retention policy at work, not a gap)',
      );
      const purgedText =
        '1 commit had a checkpoint, removed by a logged retention purge (the retention policy at work, not a gap)';
      const report = async (kind: string) =>
        JSON.parse(
          (await trail(repo.dir, 'report', kind, '--format', 'json', '--since', '2025-01-01')).stdout,
        );
      type Section = {
        id: string;
        intro?: string[];
        notes?: string[];
        table: { rows: Array<Record<string, string | number>> };
      };
      const section = (doc: { sections: Section[] }, id: string) => doc.sections.find((x) => x.id === id)!;
      const summary = (doc: { summary: Array<{ label: string; value: string | number }> }) =>
        Object.fromEntries(doc.summary.map((x) => [x.label, x.value]));
      // The checklist fails 1.1 and 7.1 for the hand-written commit only: the purged one's
      // boxes are not applicable, and the report says why.
      const checklist = await report('checklist');
      assert.deepEqual(
        section(checklist, 'failures').table.rows.map((r) => [r.commit, r.box]),
        [
          [byHand, '1.1'],
          [byHand, '7.1'],
        ],
      );
      assert.equal(summary(checklist)['Changes passing every box'], 0, 'nothing judged is no pass');
      const sealedRow = section(checklist, 'changes').table.rows.find((r) => r.commit === sealed)!;
      assert.equal(sealedRow.s1, 'not-applicable');
      assert.equal(sealedRow.s7, 'not-applicable');
      assert.ok(
        section(checklist, 'sections').intro!.some((p) =>
          p.startsWith(`${purgedText}: its boxes are not applicable`),
        ),
      );
      // SLSA: no provenance either way, but the purged commit is not called hand-written.
      const slsa = await report('slsa');
      assert.deepEqual(
        section(slsa, 'missing').table.rows.map((r) => r.commit),
        [byHand, setUp],
      );
      assert.ok(
        section(slsa, 'missing').intro!.includes(
          `Not listed: ${purgedText}. No provenance can be made from a removed checkpoint.`,
        ),
      );
      assert.equal(summary(slsa)['Commits without provenance'], 2);
      assert.equal(summary(slsa)['Commits whose checkpoint a retention purge removed'], 1);
      // SOC 2: the purged commit is counted apart from those without a checkpoint (the
      // hand-written one) and from those exempt by policy (the set-up commit).
      const soc2 = await report('soc2');
      assert.equal(summary(soc2)['Without a checkpoint'], 1);
      assert.equal(summary(soc2)['Without a checkpoint, exempt by policy'], 1);
      assert.equal(summary(soc2)['Checkpoint removed by a retention purge'], 1);
      assert.equal(
        section(soc2, 'changes').table.rows.find((r) => r.commit === sealed)!.prompt,
        'checkpoint removed by a retention purge; commit: agent work',
      );
      assert.ok(section(soc2, 'changes').notes!.some((n) => n.startsWith(`${purgedText}: counted apart`)));
    } finally {
      repo.cleanup();
    }
  });

  test('a tombstone no retention-purge record authorises is a deletion', async () => {
    const repo = tempRepo();
    try {
      await trail(repo.dir, 'init', '--yes');
      const a = repo.commit('a');
      const ledger = await findRepo(repo.dir);
      const key = loadWriterKey(ledger);
      await appendRecords(ledger, key, [deployment('prod', a, NEW), deployment('staging', a, NEW)]);
      await tamper(repo.dir, logRef(key.keyId), (files) => {
        const lines = entryLines(files);
        const line = lines[0]!.line;
        const entry = decodeEntry(line);
        const start = line.indexOf('"record":') + 9;
        lines[0]!.line = encodeTombstone({
          prev: entry.prev,
          seq: entry.seq,
          leaf: entryLeafHash(line).toString('hex'),
          recordId: sha256Hex(line.slice(start, line.lastIndexOf(',"seq":'))),
          time: entry.record.time,
        });
        setEntryLines(files, lines);
      });
      const verify = await trail(repo.dir, 'verify');
      assert.equal(verify.code, 1);
      assert.match(
        verify.stderr,
        /record 0 \([0-9a-f]{12}\): deleted: record 0 was purged without a retention-purge record/,
      );
    } finally {
      repo.cleanup();
    }
  });

  test('no retention period configured: a clear error', async () => {
    const repo = tempRepo();
    try {
      await trail(repo.dir, 'init', '--yes');
      await trail(repo.dir, 'record', 'deployment', '--env', 'x', '--commit', repo.commit('a'));
      const result = await trail(repo.dir, 'retention', 'apply');
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /^trail: no retention period is set: add retention.days to .trail\/policy.yml/,
      );
    } finally {
      repo.cleanup();
    }
  });
});
