/** `generateReport`: the entry the server's GET /api/v1/reports/:kind loads from src/report. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isTrailError } from '../../src/core/errors.js';
import { buildIndex } from '../../src/core/trail-index.js';
import { loadRecords } from '../../src/ledger/read.js';
import { generateReport } from '../../src/report/index.js';
import { loadReportModule } from '../../src/server/routes/reports.js';
import { csvObjects } from './csv.js';
import { reportScenario } from './fixture.js';

describe('report module entry for the server', () => {
  test('renders any kind in any document format from the records the server holds', async () => {
    const s = await reportScenario();
    try {
      const records = await loadRecords(s.ledger);
      const input = {
        kind: 'soc2',
        repo: 'acme/payments',
        repos: ['acme/payments'],
        records,
        index: buildIndex(records),
      };
      const csv = await generateReport('soc2', { ...input, format: 'csv' });
      assert.equal(csv.contentType, 'text/csv; charset=utf-8');
      const rows = csvObjects(Buffer.from(csv.body).toString('utf8'));
      assert.deepEqual(
        rows.map((r) => r.Commit),
        ['c1-approved', 'c2-unapproved', 'c3-failing', 'c4-gpt', 'c5-reverted'].map((n) => s.sha(n)),
        'the checkpoints the server holds (it has no commits, so no hand-written ones)',
      );
      const json = JSON.parse(
        Buffer.from(
          (await generateReport('gaps', { ...input, since: '2026-03-03T00:00:00.000Z' })).body,
        ).toString('utf8'),
      );
      assert.deepEqual(
        json.sections[0].table.rows.map((r: { gap: string }) => r.gap),
        ['no-approval', 'tests-failed', 'reasoning-not-examined', 'capture-gap'],
        'judged against the default policy: the server holds no .trail/policy.yml',
      );
      assert.equal(json.ledger.checkedBy, 'the Trail server');
      const pdf = await generateReport('checklist', { ...input, format: 'pdf' });
      assert.equal(pdf.contentType, 'application/pdf');
      assert.equal(Buffer.from(pdf.body).subarray(0, 5).toString('latin1'), '%PDF-');
      await assert.rejects(generateReport('sox', input), (e) => isTrailError(e) && e.code === 'NOT_FOUND');
      await assert.rejects(
        generateReport('slsa', { ...input, format: 'jsonl' }),
        (e) => isTrailError(e) && e.code === 'USAGE',
      );
      const module = await loadReportModule();
      assert.equal(typeof module?.generateReport, 'function', "the server's loader finds it");
    } finally {
      s.cleanup();
    }
  });
});
