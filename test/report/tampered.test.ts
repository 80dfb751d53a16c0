/** A report over a ledger that fails verification says so, and the checklist does not call it immutable. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { listLogRefs } from '../../src/ledger/log-store.js';
import { trail } from '../helpers/cli.js';
import { tamper } from '../helpers/tamper.js';
import { csvObjects } from './csv.js';
import { ScriptedRepo } from './fixture.js';

describe('reports over a tampered ledger', () => {
  test('the ledger status is in every report and boxes 1.3 and 8.2 fail', async () => {
    const s = await ScriptedRepo.create();
    try {
      await s.change({
        name: 'c1',
        day: 1,
        reviews: [{ reviewer: 'bob@example.com' }],
        tests: { passed: 3, coverage: 90 },
      });
      const [log] = await listLogRefs(s.ledger);
      // Rewrite history: the approval now names someone else.
      await tamper(s.dir, log!.ref, (files) => {
        for (const [path, content] of files) {
          if (path.startsWith('log/') && content.includes('"reviewer":"bob@example.com"')) {
            files.set(path, content.replaceAll('bob@example.com', 'mallory@example.com'));
          }
        }
      });
      const r = await trail(s.dir, 'report', 'checklist', '--format', 'json');
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout);
      assert.equal(doc.ledger.ok, false);
      assert.ok(doc.ledger.problemCount > 0);
      assert.match(doc.ledger.problems[0], /^refs\/trail\/logs\/[0-9a-f]+ record \d+: /);
      const failures = doc.sections.find((x: { id: string }) => x.id === 'failures').table.rows;
      assert.deepEqual(
        failures
          .filter((f: { box: string }) => ['1.3', '4.4', '8.2'].includes(f.box))
          .map((f: { box: string; reason: string }) => [f.box, f.reason]),
        [
          ['1.3', "the writer's log fails trail verify"],
          ['4.4', 'approval held in a log that fails trail verify'],
          ['8.2', "the writer's log fails trail verify"],
        ],
      );
      const md = await trail(s.dir, 'report', 'soc2');
      assert.match(md.stdout, /^- LEDGER VERIFICATION FAILED: \d+ problems? \(run trail verify\)/m);
      // A CSV has no heading: every row of every kind says it instead.
      for (const kind of ['soc2', 'eu-ai-act', 'nist-ai-rmf', 'slsa', 'checklist', 'gaps']) {
        const csv = await trail(s.dir, 'report', kind, '--format', 'csv');
        assert.equal(csv.code, 0, csv.stderr);
        const rows = csvObjects(csv.stdout);
        assert.ok(rows.length > 0, kind);
        for (const row of rows)
          assert.match(row['Ledger verification'] ?? '', /^FAILED: \d+ problems? \(trail verify\)$/, kind);
      }
    } finally {
      s.cleanup();
    }
  });
});
