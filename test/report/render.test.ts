/** The renderers: escaping, CSV quoting and formula guard, PDF pagination. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ReportDocument } from '../../src/report/document.js';
import { csvCell, ledgerCell, renderCsv } from '../../src/report/render-csv.js';
import { renderHtml } from '../../src/report/render-html.js';
import { renderJson } from '../../src/report/render-json.js';
import { renderMarkdown } from '../../src/report/render-md.js';
import { pdfLiteral, renderPdf, toWinAnsi, widenToFit } from '../../src/report/render-pdf.js';
import { trail } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-repo.js';
import { csvObjects, parseCsv } from './csv.js';
import { ScriptedRepo } from './fixture.js';
import { HAS_POPPLER, pdfPages, pdfText } from './pdf.js';

const HOSTILE =
  '=HYPERLINK("http://evil.example","x") <script>alert("owned")</script> | a, "quoted"\nsecond line';

function doc(
  rows: number,
  prompt = (i: number) =>
    `row-${String(i).padStart(4, '0')} ${'add validation to the refunds endpoint '.repeat(1 + (i % 3))}`,
): ReportDocument {
  return {
    title: 'SOC 2 change control',
    kind: 'soc2',
    period: { since: '2026-01-01T00:00:00.000Z', until: '2026-04-01T00:00:00.000Z' },
    scope: { repository: 'acme/payments', description: 'acme/payments: main' },
    generatedAt: '2026-04-02T09:00:00.000Z',
    policy: '.trail/policy.yml',
    ledger: { ok: true, records: 1234, writers: 2, logs: 2, problems: [], problemCount: 0 },
    summary: [{ label: 'Changes', value: rows }],
    sections: [
      {
        id: 'changes',
        title: 'Changes',
        intro: ['One row per change.'],
        table: {
          columns: [
            { key: 'date', title: 'Date', kind: 'time', weight: 1.2 },
            { key: 'commit', title: 'Commit', kind: 'id' },
            { key: 'prompt', title: 'Prompt summary', weight: 4, maxLines: 4 },
            { key: 'status', title: 'Status', kind: 'status' },
          ],
          rows: Array.from({ length: rows }, (_, i) => [
            `2026-02-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z`,
            i.toString(16).padStart(40, 'a'),
            prompt(i),
            i % 5 === 0 ? 'reverted' : 'deployed',
          ]),
        },
        notes: ['Status: deployed, reverted or pending.'],
      },
    ],
  };
}

describe('renderers', () => {
  test('CSV: RFC 4180 quoting, CRLF, a header, and formula cells defused', () => {
    assert.equal(csvCell('=1+1'), "'=1+1");
    assert.equal(csvCell('+1'), "'+1");
    assert.equal(csvCell('-1'), "'-1");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell('\tx'), "'\tx");
    assert.equal(csvCell(-1), '-1', 'numbers are numbers');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell(null), '');
    const d = doc(3, (i) => (i === 1 ? HOSTILE : `plain ${i}`));
    const text = renderCsv(d).toString('utf8');
    const table = parseCsv(text);
    assert.deepEqual(table[0], ['Date', 'Commit', 'Prompt summary', 'Status', 'Ledger verification']);
    assert.equal(table.length, 4);
    assert.ok(
      table.slice(1).every((row) => row[4] === ledgerCell(d.ledger)),
      'every row says whether the ledger holds',
    );
    assert.equal(table[2]![2], `'${HOSTILE}`, 'parses back to the value with its guard');
    assert.equal(table[2]![1], d.sections[0]!.table!.rows[1]![1], 'ids in full');
  });

  test('CSV of a report with several tables: a section column and the union of the columns', () => {
    const d = doc(2);
    d.sections.push({
      id: 'gaps',
      title: 'Gaps',
      table: {
        columns: [
          { key: 'commit', title: 'Commit', kind: 'id' },
          { key: 'gap', title: 'Gap' },
        ],
        rows: [['abc', 'no-approval']],
      },
    });
    const rows = csvObjects(renderCsv(d).toString('utf8'));
    assert.deepEqual(Object.keys(rows[0]!), [
      'section',
      'Date',
      'Commit',
      'Prompt summary',
      'Status',
      'Gap',
      'Ledger verification',
    ]);
    assert.deepEqual(
      rows.map((r) => [r.section, r.Commit, r.Gap]),
      [
        ['changes', d.sections[0]!.table!.rows[0]![1], ''],
        ['changes', d.sections[0]!.table!.rows[1]![1], ''],
        ['gaps', 'abc', 'no-approval'],
      ],
    );
  });

  test('HTML and Markdown escape everything from records', () => {
    const d = doc(2, (i) => (i === 0 ? HOSTILE : 'plain'));
    d.scope.repository = '<img src=x onerror=alert(1)>';
    const html = renderHtml(d);
    assert.ok(!html.includes('<script>'), 'no live script tag');
    assert.ok(!html.includes('<img'), 'no live markup from records');
    assert.ok(html.includes('&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;'));
    assert.ok(
      html.includes(`content="default-src 'none'; style-src 'unsafe-inline'"`),
      'a CSP forbids scripts anyway',
    );
    assert.match(html, /<thead><tr><th scope="col">Date<\/th>/);
    assert.match(html, /counter\(page\) " of " counter\(pages\)/, 'printed pages are numbered');
    const md = renderMarkdown(d);
    assert.ok(!md.includes('<script>'));
    assert.ok(md.includes('&lt;script&gt;'));
    const rowLine = md.split('\n').find((l) => l.includes('HYPERLINK'))!;
    assert.equal(rowLine.split(/(?<!\\)\|/).length - 2, 4, 'a pipe in a cell does not add a column');
    assert.ok(!rowLine.includes('\n'));
    const json = JSON.parse(renderJson(d));
    assert.equal(json.sections[0].table.rows[0].prompt, HOSTILE, 'JSON keeps the value as it is');
  });

  test('PDF text uses WinAnsi: accents, dashes and the euro survive, the rest becomes ?', () => {
    assert.equal(toWinAnsi('plain'), 'plain');
    assert.equal(toWinAnsi('café — 5 €'), `caf\u00e9 \u0097 5 \u0080`);
    assert.equal(toWinAnsi('漢字 🚀\tx'), '?? ? x');
    assert.equal(pdfLiteral('plain text'), '(plain text)');
    assert.equal(pdfLiteral('failed (1) \\ ok'), '(failed \\(1\\) \\\\ ok)');
    assert.equal(pdfLiteral(toWinAnsi('café…')), '(caf\\351\\205)');
  });

  test('PDF: a long table breaks across pages with its header on each, "Page N of M" on every page', async () => {
    const d = doc(400);
    d.sections[0]!.table!.rows[7]![2] = 'row-0007 café — €12 refund; 漢字 note';
    const pdf = await renderPdf(d);
    assert.equal(pdf.subarray(0, 8).toString('latin1'), '%PDF-1.3');
    const pages = pdfPages(pdf);
    assert.ok(pages >= 8, `400 rows take many pages (got ${pages})`);
    assert.equal((pdf.toString('latin1').match(/\/Type \/Pages\b/g) ?? []).length, 1);
    if (!HAS_POPPLER) return;
    const file = join(tempDir('trail-pdf-'), 'long.pdf');
    writeFileSync(file, pdf);
    assert.match(execFileSync('pdfinfo', [file], { encoding: 'utf8' }), new RegExp(`Pages:\\s+${pages}\\n`));
    // Every page rasterises (poppler parses each content stream and the page-count form).
    const images = tempDir('trail-pdf-png-');
    execFileSync('pdftoppm', ['-r', '12', '-png', file, join(images, 'page')]);
    assert.equal(readdirSync(images).filter((f) => f.endsWith('.png')).length, pages);
    const seen = new Map<string, number>();
    for (let p = 1; p <= pages; p++) {
      const text = pdfText(file, p);
      assert.ok(text.includes(`Page ${p} of ${pages}`), `footer on page ${p}`);
      assert.ok(text.includes('Ledger verified'), `ledger status on page ${p}`);
      if (p > 1) {
        assert.ok(text.includes('Changes (continued)'), `continued title on page ${p}`);
      }
      assert.match(text, /Date\s+Commit\s+Prompt summary\s+Status/, `header row on page ${p}`);
      for (const m of text.matchAll(/row-(\d{4})/g)) seen.set(m[1]!, (seen.get(m[1]!) ?? 0) + 1);
    }
    assert.equal(seen.size, 400, 'every row is drawn');
    assert.ok(
      [...seen.values()].every((n) => n === 1),
      'and drawn once',
    );
    const all = pdfText(file);
    assert.ok(all.includes('2026-01-01 to 2026-03-31'), 'the period');
    assert.ok(all.includes('acme/payments: main'), 'the scope');
    assert.ok(all.includes('café — €12 refund; ?? note'));
    assert.ok(all.includes('2026-02-01 10:00:00Z'), 'times readable');
    assert.ok(all.includes('aaaaaaaaaaaa'), 'ids shortened to 12 characters');
    assert.ok(!all.includes('aaaaaaaaaaaaa'), 'not longer');
  });

  test('PDF: no header word is broken between letters; the room comes from the wider columns', async () => {
    // As the SOC 2 table had it: "Environments" over a narrow column came out as "Environment" over "s".
    const d = doc(3);
    const table = d.sections[0]!.table!;
    table.columns = [
      ...table.columns,
      { key: 'approvedAt', title: 'Approved at', kind: 'time', weight: 1.3 },
      { key: 'requester', title: 'Requester', weight: 1.4 },
      { key: 'reviewer', title: 'Reviewer', weight: 1.4 },
      { key: 'tests', title: 'Tests', weight: 1.4 },
      { key: 'model', title: 'Model', weight: 1.6 },
      { key: 'environments', title: 'Environments', weight: 0.6 },
    ];
    table.rows = table.rows.map((row) => [
      ...row,
      null,
      'dana@acme.example',
      null,
      'none',
      'claude',
      'production',
    ]);
    const pdf = await renderPdf(d);
    if (!HAS_POPPLER) return;
    const file = join(tempDir('trail-pdf-'), 'headers.pdf');
    writeFileSync(file, pdf);
    const text = pdfText(file);
    assert.match(text, /Model\s+Environments\n/, 'the header word whole, on the header line');
    assert.match(text, /\saaaaaaaaaaaa\s/, 'an id whole, on one line');
  });

  test('widenToFit: short columns reach their least, the total stays, none falls below its least', () => {
    assert.deepEqual(widenToFit([100, 50, 50], [10, 10, 10]), [100, 50, 50]);
    const widened = widenToFit([100, 60, 20], [10, 20, 50]);
    assert.equal(widened[2], 50);
    assert.ok(Math.abs(widened.reduce((a, b) => a + b, 0) - 180) < 1e-9);
    // The 30 taken comes from the others' spare (90 and 40) in proportion.
    assert.ok(Math.abs(widened[0]! - (100 - 90 * (30 / 130))) < 1e-9);
    assert.ok(Math.abs(widened[1]! - (60 - 40 * (30 / 130))) < 1e-9);
    // More wanted than there is: shares by least.
    assert.deepEqual(widenToFit([10, 10], [30, 10]), [15, 5]);
  });

  test('PDF: a ledger that fails verification says so on every page', async () => {
    const d = doc(60);
    d.ledger = {
      ok: false,
      records: 10,
      writers: 1,
      logs: 1,
      problemCount: 1,
      problems: ['refs/trail/logs/abc record 3: hash-mismatch: the record was changed'],
    };
    const pdf = await renderPdf(d);
    if (!HAS_POPPLER) return;
    const file = join(tempDir('trail-pdf-'), 'bad.pdf');
    writeFileSync(file, pdf);
    const text = pdfText(file);
    assert.ok(text.includes('LEDGER VERIFICATION FAILED: 1 problem'));
    assert.ok(text.includes('hash-mismatch: the record was changed'));
    for (let p = 1; p <= pdfPages(pdf); p++)
      assert.ok(pdfText(file, p).includes('LEDGER VERIFICATION FAILED'));
  });

  test('progress is reported while long reports render', async () => {
    const calls: Array<[number, number]> = [];
    renderCsv(
      doc(12_000, () => 'x'),
      (done, total) => calls.push([done, total]),
    );
    assert.deepEqual(calls.at(-1), [10_000, 12_000]);
    const pdfCalls: number[] = [];
    await renderPdf(
      doc(4100, () => 'x'),
      (done) => pdfCalls.push(done),
    );
    assert.deepEqual(pdfCalls, [2000, 4000]);
  });

  test('through the CLI: a hostile prompt is escaped in HTML and defused in CSV', async () => {
    const s = await ScriptedRepo.create();
    try {
      await s.change({ name: 'evil', day: 1, prompt: HOSTILE });
      const dir = tempDir('trail-hostile-');
      for (const format of ['html', 'csv', 'md']) {
        const r = await trail(s.dir, 'report', 'soc2', '--out', join(dir, `r.${format}`));
        assert.equal(r.code, 0, r.stderr);
      }
      const html = readFileSync(join(dir, 'r.html'), 'utf8');
      assert.ok(!html.includes('<script>alert'), 'escaped');
      assert.ok(html.includes('&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;'));
      const rows = csvObjects(readFileSync(join(dir, 'r.csv'), 'utf8'));
      const evil = rows.find((r) => r['Prompt summary']!.includes('HYPERLINK'))!;
      assert.ok(evil['Prompt summary']!.startsWith(`'=HYPERLINK`), 'formula guard');
      assert.ok(!readFileSync(join(dir, 'r.md'), 'utf8').includes('<script>'));
      // A file name whose extension is no report format is refused, not filled with Markdown.
      const docx = await trail(s.dir, 'report', 'soc2', '--out', join(dir, 'r.docx'));
      assert.equal(docx.code, 2);
      assert.match(
        docx.stderr,
        /^trail: --out .*r\.docx: Trail writes no \.docx report: name the file \.md, /,
      );
      assert.ok(!existsSync(join(dir, 'r.docx')));
      // With --format the name is the person's choice; without an extension, the default (md).
      assert.equal(
        (await trail(s.dir, 'report', 'soc2', '--format', 'md', '--out', join(dir, 'r.docx'))).code,
        0,
      );
      assert.equal((await trail(s.dir, 'report', 'soc2', '--out', join(dir, 'report'))).code, 0);
      assert.match(readFileSync(join(dir, 'report'), 'utf8'), /^# SOC 2 change control/);
    } finally {
      s.cleanup();
    }
  });
});
