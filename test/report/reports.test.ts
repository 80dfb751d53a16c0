/**
 * Every report kind over a scripted repository with compliant and non-compliant changes,
 * in every format: the expected rows and gaps, nothing more, nothing less.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { verifyEnvelope } from '../../src/core/dsse.js';
import { trustedKeyMap } from '../../src/ledger/keys.js';
import { findRepo } from '../../src/ledger/repo.js';
import { trail } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-repo.js';
import { csvObjects } from './csv.js';
import type { ScriptedRepo } from './fixture.js';
import { APPROVED_MODEL, AUTHOR, reportScenario } from './fixture.js';
import { HAS_POPPLER, pdfPages, pdfText } from './pdf.js';

interface JsonTable {
  columns: Array<{ key: string; title: string }>;
  rows: Array<Record<string, string | number | null>>;
}
interface JsonReport {
  title: string;
  kind: string;
  ledger: { ok: boolean; records: number };
  summary: Array<{ label: string; value: string | number }>;
  sections: Array<{ id: string; title: string; intro?: string[]; table?: JsonTable }>;
}

const KINDS = ['soc2', 'eu-ai-act', 'nist-ai-rmf', 'slsa', 'checklist', 'gaps'] as const;

describe('reports', () => {
  let s: ScriptedRepo;
  const out = tempDir('trail-reports-');
  const docs = new Map<string, JsonReport>();
  const name = new Map<string, string>();

  async function json(kind: string, ...args: string[]): Promise<JsonReport> {
    const r = await trail(s.dir, 'report', kind, '--format', 'json', ...args);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as JsonReport;
  }
  const table = (doc: JsonReport, id: string) => doc.sections.find((x) => x.id === id)!.table!;
  const who = (sha: unknown) => (typeof sha === 'string' && sha ? (name.get(sha) ?? sha) : '');

  before(async () => {
    s = await reportScenario();
    for (const [n, c] of s.changes) name.set(c.sha, n);
    for (const kind of KINDS) docs.set(kind, await json(kind));
  });
  after(() => s.cleanup());

  test('soc2: one row per change with its requester, model, reviewer, approval, tests and status', () => {
    const doc = docs.get('soc2')!;
    assert.equal(doc.ledger.ok, true);
    const rows = table(doc, 'changes').rows;
    assert.deepEqual(
      rows.map((r) => [who(r.commit), r.status, r.environments, r.reviewer, r.approvedAt, r.tests]),
      [
        ['base', 'pending', '', '', '', 'none'],
        [
          'c1-approved',
          'deployed',
          'prod',
          'bob@example.com',
          '2026-03-02T12:00:00Z',
          '12/12 passed, 91.5% lines',
        ],
        ['c2-unapproved', 'pending', '', '', '', '8/8 passed, 88% lines'],
        [
          'c3-failing',
          'pending',
          '',
          'bob@example.com',
          '2026-03-04T12:00:00Z',
          '10/12 passed, 2 failed, 85% lines',
        ],
        [
          'c4-gpt',
          'deployed',
          'staging',
          'carol@example.com',
          '2026-03-05T12:00:00Z',
          '9/9 passed, 90% lines',
        ],
        [
          'c5-reverted',
          'reverted',
          'prod',
          'bob@example.com',
          '2026-03-06T12:00:00Z',
          '14/14 passed, 93% lines',
        ],
        ['c6-by-hand', 'pending', '', '', '', 'none'],
      ],
    );
    const c1 = rows[1]!;
    assert.equal(c1.date, '2026-03-02T10:10:00Z');
    assert.equal(c1.checkpoint, s.changes.get('c1-approved')!.key);
    assert.equal(c1.requester, 'alice@example.com');
    assert.equal(c1.model, APPROVED_MODEL);
    assert.match(String(c1.prompt), /^Implement c1-approved for the payments service/);
    assert.equal(rows[4]!.model, 'gpt-4o-2024-08-06');
    assert.equal(rows[6]!.checkpoint, '');
    assert.equal(rows[6]!.prompt, 'no checkpoint; commit: c6-by-hand: change');
    const summary = Object.fromEntries(doc.summary.map((x) => [x.label, x.value]));
    assert.deepEqual(summary, {
      Changes: 7,
      'With a checkpoint': 5,
      'Without a checkpoint': 1,
      'Without a checkpoint, exempt by policy': 1,
      'Checkpoint removed by a retention purge': 0,
      Approved: 4,
      'Approval void (changed after approval)': 0,
      'Tests passing': 4,
      'Tests failing': 1,
      Deployed: 2,
      Reverted: 1,
      Pending: 4,
    });
  });

  test('gaps: exactly the missing approval, failed tests, unexamined reasoning, capture gap, unapproved model, missing field, hand-written commit', () => {
    const rows = table(docs.get('gaps')!, 'gaps').rows;
    assert.deepEqual(
      rows.map((r) => [who(r.commit), r.gap]),
      [
        ['c2-unapproved', 'no-approval'],
        ['c3-failing', 'tests-failed'],
        ['c3-failing', 'reasoning-not-examined'],
        ['', 'capture-gap'],
        ['c4-gpt', 'unapproved-model'],
        ['c4-gpt', 'missing-field'],
        ['c6-by-hand', 'no-checkpoint'],
      ],
    );
    assert.equal(rows[1]!.detail, '2 of 12 tests failed');
    assert.equal(
      rows[3]!.detail,
      'claude-code PostToolUse: the transcript could not be read (claude-code PostToolUse) in session sess-lost',
    );
    assert.equal(rows[4]!.detail, "gpt-4o-2024-08-06 is not in the policy's approved models");
    assert.equal(rows[5]!.detail, 'request.tickets missing (required by the policy)');
    assert.equal(
      rows[6]!.detail,
      `"c6-by-hand: change" by ${AUTHOR} has no checkpoint: hand-written, or capture failed`,
    );
  });

  test('checklist: each change scored on the eight sections, every failed box with its reason', () => {
    const doc = docs.get('checklist')!;
    const perChange = table(doc, 'changes').rows;
    assert.deepEqual(
      perChange.map((r) => [who(r.commit), r.s1, r.s2, r.s3, r.s4, r.s5, r.s6, r.s7, r.s8]),
      [
        ['c1-approved', 'passed', 'passed', 'passed', 'passed', 'passed', 'passed', 'passed', 'passed'],
        ['c2-unapproved', 'passed', 'passed', 'passed', 'failed (1)', 'passed', 'passed', 'passed', 'passed'],
        [
          'c3-failing',
          'passed',
          'passed',
          'passed',
          'failed (1)',
          'failed (1)',
          'passed',
          'passed',
          'passed',
        ],
        ['c4-gpt', 'passed', 'passed', 'passed', 'passed', 'passed', 'failed (1)', 'passed', 'passed'],
        ['c5-reverted', 'passed', 'passed', 'passed', 'passed', 'passed', 'passed', 'passed', 'passed'],
        [
          'c6-by-hand',
          'failed (1)',
          'not-applicable',
          'not-applicable',
          'not-applicable',
          'not-applicable',
          'not-applicable',
          'failed (1)',
          'not-applicable',
        ],
      ],
    );
    assert.deepEqual(
      table(doc, 'failures').rows.map((r) => [who(r.commit), r.box, r.reason]),
      [
        ['c2-unapproved', '4.1', 'no approving review recorded'],
        ['c3-failing', '4.3', 'approved without examining the reasoning'],
        ['c3-failing', '5.1', '2 of 12 tests failed'],
        [
          'c4-gpt',
          '6.2',
          'gpt-4o-2024-08-06: no release date (list the model with its release date in models.approved)',
        ],
        ['c6-by-hand', '1.1', 'commit has no checkpoint: the source of its lines is not recorded'],
        ['c6-by-hand', '7.1', 'commit has no checkpoint: it is not linked to a prompt or ticket'],
      ],
    );
    const boxes = table(doc, 'sections').rows;
    assert.equal(boxes.length, 30, 'every box of the eight sections');
    const box = (id: string) => boxes.find((b) => b.box === id)!;
    assert.deepEqual(
      [box('4.1').passed, box('4.1').failed, box('4.1').notApplicable, box('4.1').status],
      [4, 1, 1, 'failed'],
    );
    assert.deepEqual([box('7.4').passed, box('7.4').notApplicable, box('7.4').status], [1, 5, 'passed']);
    assert.deepEqual([box('8.4').passed, box('8.4').status], [5, 'passed']);
    const summary = Object.fromEntries(doc.summary.map((x) => [x.label, x.value]));
    assert.equal(summary['Changes scored'], 6, 'the exempt .trail/ commit is not scored');
    assert.equal(summary['Changes passing every box'], 2);
    assert.equal(summary['Boxes failed'], 6);
  });

  test('eu-ai-act: event logs per session, models in use, oversight evidence, gaps and retention', () => {
    const doc = docs.get('eu-ai-act')!;
    const sessions = table(doc, 'event-logs').rows;
    assert.deepEqual(
      sessions.map((r) => [r.session, r.model, r.requester, r.events, r.prompts, r.commands, r.edits]),
      ['c1-approved', 'c2-unapproved', 'c3-failing', 'c4-gpt', 'c5-reverted'].map((n) => [
        `sess-${n}`,
        n === 'c4-gpt' ? 'gpt-4o-2024-08-06' : APPROVED_MODEL,
        'alice@example.com',
        8,
        1,
        1,
        1,
      ]),
    );
    assert.equal(sessions[0]!.commits, s.sha('c1-approved').slice(0, 12));
    assert.deepEqual(
      table(doc, 'models').rows.map((r) => [r.model, r.approved, r.released, r.sessions, r.changes]),
      [
        [APPROVED_MODEL, 'approved', '2025-09-29', 4, 4],
        ['gpt-4o-2024-08-06', 'NOT approved', '', 1, 1],
      ],
    );
    assert.deepEqual(
      table(doc, 'oversight').rows.map((r) => [
        who(r.commit),
        r.reviewer,
        r.decision,
        r.examinedReasoning,
        r.independent,
      ]),
      [
        ['c1-approved', 'bob@example.com', 'approved', 'yes', 'yes'],
        ['c2-unapproved', '', 'no review', '', ''],
        ['c3-failing', 'bob@example.com', 'approved', 'no', 'yes'],
        ['c4-gpt', 'carol@example.com', 'approved', 'yes', 'yes'],
        ['c5-reverted', 'bob@example.com', 'approved', 'yes', 'yes'],
      ],
    );
    assert.deepEqual(
      table(doc, 'gaps').rows.map((r) => r.gap),
      table(docs.get('gaps')!, 'gaps').rows.map((r) => r.gap),
    );
    const retention = doc.sections.find((x) => x.id === 'retention')!;
    assert.match(retention.intro![0]!, /keeps records for 2555 days, at least the six months/);
    const summary = Object.fromEntries(doc.summary.map((x) => [x.label.trim(), x.value]));
    assert.equal(summary['Agent sessions logged'], 5);
    assert.equal(summary['Events logged'], 40);
    assert.equal(summary['Approved by a person'], 4);
    assert.equal(summary['Reviewer examined the reasoning'], 3);
  });

  test('nist-ai-rmf: Govern, Map, Measure and Manage, each with the evidence found', () => {
    const doc = docs.get('nist-ai-rmf')!;
    const find = (section: string, evidence: string) =>
      table(doc, section).rows.find((r) => r.evidence === evidence)!;
    assert.deepEqual(
      doc.sections.map((x) => x.title),
      ['Govern', 'Map', 'Measure', 'Manage', 'Risks recorded'],
    );
    assert.deepEqual(
      [
        find('govern', 'Human approval of changes').finding,
        find('govern', 'Human approval of changes').status,
      ],
      ['4 of 5 changes approved by a reviewer', 'partial'],
    );
    assert.match(
      String(find('govern', 'Policy compliance (trail check)').finding),
      /^8 violations in 4 changes: /,
    );
    assert.equal(find('govern', 'Tamper-evident record').status, 'evidence');
    assert.equal(
      find('govern', 'Commits without a checkpoint').finding,
      '1 commit without a checkpoint (hand-written or not captured)',
    );
    assert.deepEqual(
      [find('map', 'Requests linked to tickets').finding, find('map', 'Requests linked to tickets').status],
      ['4 of 5 changes cite a ticket or issue', 'partial'],
    );
    assert.equal(find('measure', 'Test results').finding, '5 of 5 changes have test results; 1 failing');
    assert.equal(
      find('manage', 'Rollbacks').finding,
      `prod: ${s.sha('c5-reverted').slice(0, 12)} to ${s.sha('c4-gpt').slice(0, 12)} (error rate rose after the deploy)`,
    );
    assert.equal(find('manage', 'Capture gaps').finding, '1 capture gap recorded by the hooks');
    assert.equal(table(doc, 'risks').rows.length, 5);
  });

  test('slsa: a DSSE-signed in-toto Statement per commit with a checkpoint, as JSON Lines', async () => {
    const r = await trail(s.dir, 'report', 'slsa');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 5);
    const keys = new Map([...trustedKeyMap(await findRepo(s.dir))].map(([id, k]) => [id, k.publicKey]));
    const statements = lines.map((line) => {
      const verified = verifyEnvelope(JSON.parse(line), keys);
      assert.equal(verified.payloadType, 'application/vnd.in-toto+json');
      return JSON.parse(verified.payload.toString('utf8'));
    });
    assert.deepEqual(
      statements.map((st) => who(st.subject[0].digest.gitCommit)),
      ['c1-approved', 'c2-unapproved', 'c3-failing', 'c4-gpt', 'c5-reverted'],
    );
    const c1 = statements[0];
    assert.equal(c1._type, 'https://in-toto.io/Statement/v1');
    assert.equal(c1.predicateType, 'https://slsa.dev/provenance/v1');
    assert.equal(c1.subject[0].digest.gitCommit, s.sha('c1-approved'));
    const p = c1.predicate;
    assert.equal(p.runDetails.builder.id, 'urn:trail:agent:claude-code@2.0.14');
    assert.deepEqual(p.runDetails.builder.version, { 'claude-code': '2.0.14' });
    assert.equal(p.runDetails.metadata.invocationId, 'sess-c1-approved');
    assert.equal(p.runDetails.metadata.startedOn, '2026-03-02T10:00:00Z');
    assert.match(p.buildDefinition.externalParameters.prompt, /^Implement c1-approved/);
    assert.deepEqual(p.buildDefinition.externalParameters.tickets, [
      { id: 'PAY-101', url: 'https://jira.example.com/browse/PAY-101' },
    ]);
    assert.equal(p.buildDefinition.externalParameters.requester, 'alice@example.com');
    assert.equal(p.buildDefinition.internalParameters.model, APPROVED_MODEL);
    assert.deepEqual(
      p.buildDefinition.resolvedDependencies.map((d: { digest: { gitCommit: string } }) =>
        who(d.digest.gitCommit),
      ),
      ['base'],
    );
    assert.equal(p.runDetails.byproducts[0].digest.sha256, s.changes.get('c1-approved')!.checkpointId);
    const summary = docs.get('slsa')!;
    assert.equal(table(summary, 'statements').rows.length, 5);
    assert.deepEqual(
      table(summary, 'missing').rows.map((row) => who(row.commit)),
      ['base', 'c6-by-hand'],
    );
  });

  test('--since and --until choose the period (a date is included whole)', async () => {
    const doc = await json('soc2', '--since', '2026-03-03', '--until', '2026-03-04');
    assert.deepEqual(
      table(doc, 'changes').rows.map((r) => who(r.commit)),
      ['c2-unapproved', 'c3-failing'],
    );
    const gaps = await json('gaps', '--since', '2026-03-04T12:00:00Z');
    assert.deepEqual(
      table(gaps, 'gaps').rows.map((r) => r.gap),
      ['capture-gap', 'unapproved-model', 'missing-field', 'no-checkpoint'],
    );
    const bad = await trail(s.dir, 'report', 'soc2', '--since', 'last tuesday');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--since needs a date/);
    const backwards = await trail(s.dir, 'report', 'soc2', '--since', '2026-03-05', '--until', '2026-03-01');
    assert.equal(backwards.code, 2);
  });

  test('--repo reports on another repository; unknown kinds and formats are usage errors', async () => {
    const elsewhere = tempDir();
    const r = await trail(elsewhere, 'report', 'gaps', '--repo', s.dir, '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(table(JSON.parse(r.stdout), 'gaps').rows.length, 7);
    const kind = await trail(s.dir, 'report', 'sox');
    assert.equal(kind.code, 2);
    assert.match(kind.stderr, /unknown report kind "sox": choose soc2, eu-ai-act/);
    const format = await trail(s.dir, 'report', 'soc2', '--format', 'docx');
    assert.equal(format.code, 2);
    const jsonl = await trail(s.dir, 'report', 'soc2', '--format', 'jsonl');
    assert.equal(jsonl.code, 2);
  });

  describe('every kind in every format lists the same rows', () => {
    for (const kind of KINDS) {
      test(`${kind}: csv, md, html and pdf`, async () => {
        const doc = docs.get(kind)!;
        const tables = doc.sections.filter((x) => x.table);
        const files: Record<string, string> = {};
        for (const format of ['csv', 'md', 'html', 'pdf']) {
          files[format] = join(out, `${kind}.${format}`);
          const r = await trail(s.dir, 'report', kind, '--format', format, '--out', files[format]!);
          assert.equal(r.code, 0, r.stderr);
          assert.match(
            r.stderr,
            new RegExp(`^wrote the ${kind} report \\(${format}, all recorded history, \\d+ rows\\)`),
          );
        }

        // CSV: RFC 4180, a header row, the same rows as the JSON.
        const csv = csvObjects(readFileSync(files.csv!, 'utf8'));
        if (tables.length === 1) {
          const t = tables[0]!.table!;
          assert.deepEqual(Object.keys(csv[0] ?? {}), [
            ...t.columns.map((c) => c.title),
            'Ledger verification',
          ]);
          assert.ok(
            csv.every((row) => row['Ledger verification']?.startsWith('verified: ')),
            `${kind} csv: every row says the ledger holds`,
          );
          assert.deepEqual(
            csv.map((row) => t.columns.map((c) => row[c.title])),
            t.rows.map((row) => t.columns.map((c) => (row[c.key] === null ? '' : String(row[c.key])))),
          );
        } else {
          for (const section of tables) {
            const mine = csv.filter((row) => row.section === section.id);
            assert.equal(mine.length, section.table!.rows.length, `${kind} csv ${section.id}`);
            const first = section.table!.columns[0]!;
            assert.deepEqual(
              mine.map((row) => row[first.title]),
              section.table!.rows.map((row) => (row[first.key] === null ? '' : String(row[first.key]))),
            );
          }
        }

        // Markdown and HTML: each section's table has its rows.
        const md = readFileSync(files.md!, 'utf8');
        const html = readFileSync(files.html!, 'utf8');
        for (const section of tables) {
          const n = section.table!.rows.length;
          const mdPart = md
            .split(/^## /m)
            .find((p) => p.startsWith(section.title.replace(/[_*[\]]/g, '\\$&')))!;
          assert.ok(mdPart, `${kind} md has ${section.title}`);
          const mdRows = mdPart.split('\n').filter((l) => l.startsWith('| ')).length - 2;
          assert.equal(mdRows, n === 0 ? -1 : n, `${kind} md ${section.id}`);
          const htmlPart = html.slice(html.indexOf(`<section id="${section.id}">`));
          const body = htmlPart.slice(htmlPart.indexOf('<tbody>'), htmlPart.indexOf('</tbody>'));
          assert.equal((body.match(/<tr>/g) ?? []).length, Math.max(n, 1), `${kind} html ${section.id}`);
        }
        assert.match(html, /Ledger verified: \d+ records in 1 log from 1 writer/);
        assert.match(
          md,
          /^- Ledger verified: \d+ records in 1 log from 1 writer/m,
          'named once, not "Ledger: Ledger"',
        );

        // PDF: a real PDF with the pages it says it has, and the rows in its text.
        const pdf = readFileSync(files.pdf!);
        assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
        assert.match(pdf.subarray(-6).toString('latin1'), /%%EOF\s*$/);
        const pages = pdfPages(pdf);
        assert.ok(pages >= 1);
        if (HAS_POPPLER) {
          const info = execFileSync('pdfinfo', [files.pdf!], { encoding: 'utf8' });
          assert.match(info, new RegExp(`Pages:\\s+${pages}\\n`));
          const text = pdfText(files.pdf!);
          assert.ok(text.includes(doc.title), 'title');
          assert.ok(text.includes('Ledger verified'), 'ledger status');
          for (let p = 1; p <= pages; p++)
            assert.ok(text.includes(`Page ${p} of ${pages}`), `page ${p} of ${pages}`);
          for (const section of tables) {
            for (const row of section.table!.rows) {
              const commit = row.commit;
              if (typeof commit === 'string' && commit.length === 40) {
                assert.ok(text.includes(commit.slice(0, 12)), `${kind} pdf ${section.id} has ${who(commit)}`);
              }
            }
          }
          if (kind === 'gaps') {
            for (const gap of [
              'no-approval',
              'tests-failed',
              'reasoning-not-examined',
              'capture-gap',
              'unapproved-model',
              'missing-field',
              'no-checkpoint',
            ]) {
              assert.ok(text.includes(gap), gap);
            }
          }
        }
      });
    }
  });
});
