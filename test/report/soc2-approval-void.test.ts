/**
 * An approval changed after it was given (a correction after it, an altered record it seals)
 * no longer holds: `trail verify` says "changed after approval", and the reports must not
 * call the change approved. A change whose approval is untouched still reads as approved.
 * Real hooks, real `trail review`, real corrections and real tampering of the log in git.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail, trailProcess } from '../helpers/cli.js';
import { entryLines, setEntryLines, tamper } from '../helpers/tamper.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';
import { csvObjects } from './csv.js';

const REVIEWER = 'rev@example.com';
const VOID = 'void: changed after approval';
const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

interface JsonReport {
  ledger: { ok: boolean };
  summary: Array<{ label: string; value: string | number }>;
  sections: Array<{
    id: string;
    intro?: string[];
    notes?: string[];
    table?: { rows: Array<Record<string, string | number | null>> };
  }>;
}

/** One agent session (the real hooks) that writes a file, committed and approved with `trail review`. */
async function approvedChange(
  repo: TempRepo,
  prompt: string,
  path: string,
): Promise<{ commit: string; checkpoint: string }> {
  const agent = new ScriptedClaude(repo.dir).start().prompt(prompt);
  agent.write(path, `export const value = ${JSON.stringify(prompt)};\n`);
  agent.stop();
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', prompt);
  const approved = await trail(repo.dir, 'review', 'HEAD', '--approve', '--reviewer', REVIEWER, '--json');
  assert.equal(approved.code, 0, approved.stderr);
  const checkpoint = JSON.parse(approved.stdout).reviews[0].checkpoint;
  assert.ok(checkpoint, 'the post-commit hook wrote a checkpoint and the approval is bound to it');
  return { commit: repo.git('rev-parse', 'HEAD'), checkpoint };
}

async function report(repo: TempRepo, kind: string): Promise<JsonReport> {
  const r = await trail(repo.dir, 'report', kind, '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as JsonReport;
}

const summaryOf = (doc: JsonReport) => Object.fromEntries(doc.summary.map((x) => [x.label.trim(), x.value]));
const section = (doc: JsonReport, id: string) => doc.sections.find((x) => x.id === id)!;

describe('reports over an approval changed after it was given', () => {
  let repo: TempRepo;
  let corrected: { commit: string; checkpoint: string };
  let untouched: { commit: string; checkpoint: string };

  before(async () => {
    repo = tempRepo();
    assert.equal(trailProcess(repo.dir, ['init', '--yes']).code, 0);
    repo.commit('trust this clone');
    corrected = await approvedChange(repo, 'PROJ-12: retry uploads on timeout', 'src/retry.ts');
    untouched = await approvedChange(repo, 'PROJ-13: cache the upload token', 'src/token.ts');
    const correction = await trail(
      repo.dir,
      'record',
      'correction',
      '--target',
      corrected.checkpoint,
      '--reason',
      'the ticket was PROJ-14',
    );
    assert.equal(correction.code, 0, correction.stderr);
    const verify = await trail(repo.dir, 'verify');
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(
      verify.stderr,
      new RegExp(
        `notice: ${corrected.checkpoint.slice(0, 12)} approved by ${REVIEWER} at \\S+: changed after approval: correction`,
      ),
    );
  });
  after(() => repo.cleanup());

  test('soc2 CSV: the corrected change reads "void: changed after approval", the untouched one its approval time', async () => {
    const csv = await trail(repo.dir, 'report', 'soc2', '--format', 'csv');
    assert.equal(csv.code, 0, csv.stderr);
    const rows = csvObjects(csv.stdout);
    const row = (commit: string) => rows.find((r) => r.Commit === commit)!;
    assert.equal(row(corrected.commit)['Approved at'], VOID);
    assert.equal(row(corrected.commit).Reviewer, REVIEWER, 'who approved is still named');
    assert.match(row(untouched.commit)['Approved at']!, ISO_SECONDS);
    assert.equal(row(untouched.commit).Reviewer, REVIEWER);
  });

  test('soc2 JSON: the void approval is not counted as approved, is counted as void, and a note says why', async () => {
    const doc = await report(repo, 'soc2');
    const summary = summaryOf(doc);
    assert.equal(summary.Approved, 1);
    assert.equal(summary['Approval void (changed after approval)'], 1);
    const changes = section(doc, 'changes');
    const row = (commit: string) => changes.table!.rows.find((r) => r.commit === commit)!;
    assert.equal(row(corrected.commit).approvedAt, VOID);
    assert.match(String(row(untouched.commit).approvedAt), ISO_SECONDS);
    assert.ok(
      changes.notes!.some((n) => n.startsWith(`"${VOID}" in Approved at: trail verify found`)),
      changes.notes!.join('\n'),
    );
  });

  test('eu-ai-act and nist-ai-rmf: the void approval is not counted as approved either', async () => {
    const eu = await report(repo, 'eu-ai-act');
    assert.equal(summaryOf(eu)['Approved by a person'], 1);
    assert.equal(summaryOf(eu)['Approval void (changed after approval)'], 1);
    const oversight = section(eu, 'oversight').table!.rows;
    const decision = (commit: string) => oversight.find((r) => r.commit === commit)!;
    assert.deepEqual(
      [decision(corrected.commit).decision, decision(corrected.commit).approvedAt],
      ['approval void', VOID],
    );
    assert.equal(decision(untouched.commit).decision, 'approved');
    assert.match(String(decision(untouched.commit).approvedAt), ISO_SECONDS);

    const nist = await report(repo, 'nist-ai-rmf');
    const approval = section(nist, 'govern').table!.rows.find(
      (r) => r.evidence === 'Human approval of changes',
    )!;
    assert.deepEqual(
      [approval.finding, approval.status],
      [
        '1 of 2 changes approved by a reviewer; the approval of 1 more is void: changed after approval (trail verify)',
        'partial',
      ],
    );
  });

  test('checklist: box 4.4 (approval immutable) fails for the void approval, with what changed', async () => {
    const doc = await report(repo, 'checklist');
    const failures = section(doc, 'failures').table!.rows;
    const box44 = (commit: string) => failures.filter((r) => r.commit === commit && r.box === '4.4');
    assert.deepEqual(
      box44(corrected.commit).map((r) =>
        String(r.reason).replace(/correction \w+ at \d{4}-\d\d-\d\dT[\d:.]+Z/, 'correction X'),
      ),
      ['changed after approval: correction X: the ticket was PROJ-14'],
    );
    assert.deepEqual(box44(untouched.commit), []);
  });

  test('gaps: the void approval is a gap of its own, with what changed and what to do', async () => {
    const doc = await report(repo, 'gaps');
    const rows = doc.sections.flatMap((x) => x.table?.rows ?? []);
    const voids = rows.filter((r) => r.gap === 'approval-void');
    assert.deepEqual(
      voids.map((r) => [
        r.commit,
        String(r.detail).startsWith(`approved by ${REVIEWER}, then changed after approval: correction`),
      ]),
      [[corrected.commit, true]],
    );
    assert.ok(!rows.some((r) => r.commit === corrected.commit && r.gap === 'no-approval'));
  });

  test('approving the corrected change again makes it approved again: only the approval given before the correction is void', async () => {
    const again = await trail(repo.dir, 'review', corrected.commit, '--approve', '--reviewer', REVIEWER);
    assert.equal(again.code, 0, again.stderr);
    const doc = await report(repo, 'soc2');
    assert.equal(summaryOf(doc).Approved, 2);
    assert.equal(summaryOf(doc)['Approval void (changed after approval)'], 0);
    const row = section(doc, 'changes').table!.rows.find((r) => r.commit === corrected.commit)!;
    assert.match(String(row.approvedAt), ISO_SECONDS);
  });

  test('an altered record an approval seals (a verify problem, not a notice) voids that approval too', async () => {
    const writer = JSON.parse((await trail(repo.dir, 'keys', 'list', '--json')).stdout).writer;
    await tamper(repo.dir, `refs/trail/logs/${writer}`, (files) => {
      const lines = entryLines(files);
      const prompt = lines.find(
        (l) => l.line.includes('"type":"prompt"') && l.line.includes('PROJ-13: cache'),
      );
      assert.ok(prompt, 'the prompt event is in the log');
      prompt.line = prompt.line.replace('PROJ-13: cache', 'PROJ-13: leak');
      setEntryLines(files, lines);
    });
    const verify = await trail(repo.dir, 'verify');
    assert.equal(verify.code, 1, verify.stderr);
    assert.match(
      verify.stderr,
      new RegExp(
        `${untouched.checkpoint.slice(0, 12)} approved by ${REVIEWER} at \\S+: changed after approval: record`,
      ),
    );
    const doc = await report(repo, 'soc2');
    assert.equal(doc.ledger.ok, false);
    const row = (commit: string) => section(doc, 'changes').table!.rows.find((r) => r.commit === commit)!;
    assert.equal(row(untouched.commit).approvedAt, VOID);
    assert.match(String(row(corrected.commit).approvedAt), ISO_SECONDS);
    assert.equal(summaryOf(doc).Approved, 1);
    assert.equal(summaryOf(doc)['Approval void (changed after approval)'], 1);
  });
});
