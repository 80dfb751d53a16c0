/**
 * `trail pr-summary` over a scripted branch: a check that failed and then passed after a
 * repair, a required check that never ran (skipped), a missing approval and a hand-written
 * commit all appear, in Markdown and in JSON. Record text is escaped in Markdown.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildPrSummary, renderPrSummaryMarkdown } from '../../src/chain/pr-summary.js';
import type { TrailRecord } from '../../src/core/records.js';
import { recordIdOf, validateRecord } from '../../src/core/records.js';
import { buildIndex } from '../../src/core/trail-index.js';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail, trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

describe('trail pr-summary on a scripted branch', () => {
  let repo: TempRepo;
  let ai: string;
  let human: string;

  before(() => {
    repo = tempRepo();
    assert.equal(trailProcess(repo.dir, ['init', '--yes']).code, 0);
    const configPath = join(repo.dir, '.trail/config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    config.checks.required = ['test', 'lint'];
    writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
    repo.commit('trust this clone, require test and lint');
    repo.git('checkout', '-q', '-b', 'PROJ-7-retry');

    const agent = new ScriptedClaude(repo.dir).start().prompt('PROJ-7: retry card payments on timeout');
    agent.write('src/payments/retry.ts', 'export const retries = 3;\nexport const timeoutMs = 100;\n');
    agent.bash('npm test', 1, 'not ok 1 - retries twice');
    agent.write('src/payments/retry.ts', 'export const retries = 2;\nexport const timeoutMs = 100;\n');
    agent.bash('npm test', 0, 'ok 1 - retries twice');
    agent.stop();
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'Retry card payments');
    ai = repo.git('rev-parse', 'HEAD');
    repo.write('docs/retry.md', 'Retries: see <b>payments</b>\n');
    human = repo.commit('Docs for *retry* <script>x</script>');
  });
  after(() => repo.cleanup());

  test('JSON: the repaired check, the skipped check, the missing approval and the commit without checkpoint', async () => {
    const result = await trail(repo.dir, 'pr-summary', '--format', 'json');
    assert.equal(result.code, 0, result.stderr);
    const s = JSON.parse(result.stdout);
    assert.equal(s.branch, 'PROJ-7-retry');
    assert.equal(s.base.ref, 'main');
    assert.deepEqual(
      s.commits.map((c: { sha: string }) => c.sha),
      [ai, human],
    );
    assert.deepEqual(
      s.source.tickets.map((t: { id: string }) => t.id),
      ['PROJ-7'],
    );
    assert.deepEqual(s.run.agents.length, 1);
    assert.match(s.run.agents[0], /^claude-code/);
    assert.deepEqual(s.run.models, ['claude-sonnet-4-6']);
    assert.equal(s.run.sessions, 1);
    assert.equal(s.run.withCheckpoint, 1);

    const test = s.validation.checks.find((c: { check: string }) => c.check === 'test');
    assert.equal(test.outcome, 'repaired');
    assert.deepEqual(
      test.attempts.map((a: { attempt: number; status: string; exitCode?: number }) => [
        a.attempt,
        a.status,
        a.exitCode,
      ]),
      [
        [1, 'failed', 1],
        [2, 'passed', 0],
      ],
    );
    assert.deepEqual(test.repairedFiles, ['src/payments/retry.ts']);
    const lint = s.validation.checks.find((c: { check: string }) => c.check === 'lint');
    assert.equal(lint.outcome, 'skipped');
    assert.equal(lint.attempts[0].reason, 'required by configuration but not run in this session');
    assert.deepEqual(s.validation.counts, { passed: 0, failed: 0, skipped: 1, repaired: 1 });

    const kinds = s.gaps.map(
      (g: { kind: string; commit?: string }) => `${g.kind}:${g.commit?.slice(0, 7) ?? ''}`,
    );
    assert.ok(kinds.includes(`no-approval:${ai.slice(0, 7)}`), kinds.join(' '));
    assert.ok(kinds.includes(`no-checkpoint:${human.slice(0, 7)}`), kinds.join(' '));
    assert.ok(kinds.includes(`no-tests:${human.slice(0, 7)}`), kinds.join(' '));
    assert.ok(
      s.gaps.some(
        (g: { kind: string; message: string }) =>
          g.kind === 'missing-field' && /no acceptance criteria/.test(g.message),
      ),
    );
    assert.match(s.gaps.find((g: { kind: string }) => g.kind === 'no-approval').message, /not reviewed/);

    assert.deepEqual(s.focus.highRisk, [{ path: 'src/payments/retry.ts', area: 'payments' }]);
    assert.equal(s.focus.highRiskSource, 'built-in');
    assert.deepEqual(s.focus.aiFiles, [{ path: 'src/payments/retry.ts', aiLines: 2, humanLines: 0 }]);
    assert.deepEqual(
      s.focus.repairedChecks.map((c: { check: string }) => c.check),
      ['test'],
    );
    assert.deepEqual(s.evidence, [
      {
        commit: ai,
        checkpoint: s.commits[0].checkpoint,
        key: s.commits[0].key,
        show: `trail show ${ai.slice(0, 12)}`,
      },
    ]);
  });

  test('Markdown: the same three findings, never hidden, record text escaped', async () => {
    const result = await trail(repo.dir, 'pr-summary');
    assert.equal(result.code, 0, result.stderr);
    const md = result.stdout;
    assert.match(md, /^## Trail summary: `PROJ-7-retry` → `main` \(2 commits\)\n/);
    assert.match(md, /\*\*Checks:\*\* 0 passed, 1 repaired, 0 failed, 1 skipped/);
    assert.match(
      md,
      new RegExp(
        `\\| 🔧 failed, then passed after repair \\| test \\| \`${ai.slice(0, 12)}\` \\| #1 failed \\(exit 1\\) → #2 passed \\(exit 0\\); repaired in src/payments/retry\\.ts \\|`,
      ),
    );
    assert.match(
      md,
      /\| ⚠️ skipped \| lint \| `[0-9a-f]{12}` \| skipped: required by configuration but not run in this session \|/,
    );
    assert.match(md, new RegExp(`### Known gaps\n(- .*\n)*- ${ai.slice(0, 12)}: not reviewed\n`));
    assert.match(md, /has no checkpoint: written by hand/);
    assert.match(md, /Docs for \\\*retry\\\* \\<script\\>x\\<\/script\\>/, 'commit subjects are escaped');
    assert.doesNotMatch(md, /<script>/);
    assert.match(md, /- High-risk paths touched: `src\/payments\/retry\.ts` \(payments\)/);
    assert.match(
      md,
      /- Check test in `[0-9a-f]{12}` failed before it passed: #1 failed \(exit 1\) → #2 passed \(exit 0\)/,
    );
    assert.match(
      md,
      new RegExp(
        `### Evidence\n- \`${ai.slice(0, 12)}\`: checkpoint \`ckpt_[0-9a-f]{16}\` \\([0-9a-f]{12}\\) — \`trail show ${ai.slice(0, 12)}\``,
      ),
    );
  });

  test('approval and tests close their gaps; --base and --format are checked', async () => {
    assert.equal((await trail(repo.dir, 'review', ai, '--approve', '--reviewer', 'rev@example.com')).code, 0);
    const junit = new URL('../fixtures/junit/jest-junit.xml', import.meta.url).pathname;
    assert.equal((await trail(repo.dir, 'tests', 'attach', junit)).code, 0);
    const s = JSON.parse((await trail(repo.dir, 'pr-summary', '--json', '--base', 'main')).stdout);
    const kinds = s.gaps.map((g: { kind: string }) => g.kind);
    assert.ok(!kinds.includes('no-approval'), kinds.join(' '));
    assert.ok(!kinds.includes('no-tests'), kinds.join(' '));
    // The attached report has a failing test: that is a gap too, and it is listed under validation.
    assert.ok(kinds.includes('failing-tests'), kinds.join(' '));
    assert.deepEqual(s.validation.tests[0].totals, {
      tests: 5,
      passed: 3,
      failed: 1,
      skipped: 1,
      errored: 0,
    });
    assert.equal(s.commits[0].approval, 'approved by rev@example.com, unchanged since approval');
    // The repaired and skipped checks stay in the summary after approval.
    assert.deepEqual(s.validation.counts, { passed: 0, failed: 0, skipped: 1, repaired: 1 });

    const bad = await trail(repo.dir, 'pr-summary', '--format', 'html');
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'trail: --format must be md or json\n');
    // The base itself: no commits on top of it, so no findings either.
    const none = await trail(repo.dir, 'pr-summary', '--base', 'HEAD');
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /\(0 commits\)\n\nNo commits on top of `HEAD`: nothing to summarise\.\n$/);
    assert.doesNotMatch(none.stdout, /⚠️/);
    const noBase = await trail(repo.dir, 'pr-summary', '--base', 'nope');
    assert.equal(noBase.code, 1);
    assert.equal(noBase.stderr, 'trail: --base nope: not a branch or commit in this repository\n');
    // On the base branch itself, with no other to compare with: said so, not "no base found".
    repo.git('checkout', '-q', 'main');
    try {
      const onBase = await trail(repo.dir, 'pr-summary');
      assert.equal(onBase.code, 2);
      assert.equal(
        onBase.stderr,
        'trail: main is the base branch itself, so there is no pull request to summarise: pass --base REF (HEAD~3, say)\n',
      );
    } finally {
      repo.git('checkout', '-q', 'PROJ-7-retry');
    }
  });
});

describe('buildPrSummary (pure): risks, constraints and a failing check', () => {
  const header = (time: string) => ({
    v: 1,
    time,
    actor: { type: 'agent', id: 'claude-code' },
    provenance: 'agent-reported',
  });
  const SHA = 'a'.repeat(40);
  const events = [
    { type: 'constraint', text: 'Keep the `v1` API | stable' },
    { type: 'risk', text: 'Could double-charge <card>', severity: 'high' },
    { type: 'validation', check: 'typecheck', status: 'failed', attempt: 1, exitCode: 2 },
  ].map((event, i) =>
    validateRecord({ kind: 'event', ...header(`2026-01-01T10:0${i}:00.000Z`), sessionId: 's1', event }),
  );
  const session = validateRecord({
    kind: 'session',
    ...header('2026-01-01T09:59:00.000Z'),
    sessionId: 's1',
    agent: { name: 'codex', version: '0.40.0' },
    request: {
      tickets: [{ id: 'PAY-1', url: 'https://jira.example.com/browse/PAY-1?x=(1)' }],
      requester: 'pm@example.com',
      acceptanceCriteria: ['No charge is made twice'],
    },
    startedAt: '2026-01-01T09:59:00.000Z',
  });
  const checkpoint = validateRecord({
    kind: 'checkpoint',
    ...header('2026-01-01T10:05:00.000Z'),
    commit: SHA,
    sessions: [{ sessionId: 's1', record: recordIdOf(session), agent: 'codex' }],
    events: events.map(recordIdOf),
    files: [
      {
        path: 'db/migrations/001.sql',
        status: 'added',
        added: 4,
        removed: 0,
        aiLines: 4,
        humanLines: 0,
        unknownLines: 0,
      },
    ],
  });
  const records: TrailRecord[] = [session, ...events, checkpoint];
  const index = buildIndex(
    records.map((record, seq) => ({ id: recordIdOf(record), writerId: 'w', seq, record })),
  );
  const summary = buildPrSummary({
    index,
    base: { ref: 'main', sha: 'b'.repeat(40) },
    head: SHA,
    commits: [{ sha: SHA, subject: 'Charge once', author: 'Dev <dev@example.com>' }],
    changedPaths: ['db/migrations/001.sql'],
    highRisk: [{ name: 'schema', paths: ['db/**'] }],
    highRiskSource: 'policy',
  });

  test('the failing check, constraints and risks are in the focus areas', () => {
    assert.deepEqual(summary.validation.counts, { passed: 0, failed: 1, skipped: 0, repaired: 0 });
    assert.deepEqual(summary.focus.highRisk, [{ path: 'db/migrations/001.sql', area: 'schema' }]);
    assert.deepEqual(
      summary.focus.constraints.map((c) => c.text),
      ['Keep the `v1` API | stable'],
    );
    assert.deepEqual(
      summary.focus.risks.map((r) => [r.text, r.severity, r.provenance]),
      [['Could double-charge <card>', 'high', 'agent-reported']],
    );
    assert.deepEqual(summary.source.acceptanceCriteria, ['No charge is made twice']);
    assert.deepEqual(summary.run.agents, ['codex 0.40.0']);
    assert.ok(summary.gaps.some((g) => g.kind === 'missing-field' && /no model recorded/.test(g.message)));
  });

  test('Markdown escapes what records say and keeps links safe', () => {
    const md = renderPrSummaryMarkdown(summary);
    assert.match(md, /\| ❌ failed \| typecheck \| `aaaaaaaaaaaa` \| #1 failed \(exit 2\) \|/);
    assert.match(md, /- Constraint noted \(agent-reported\): Keep the \\`v1\\` API \\\| stable/);
    assert.match(md, /- Risk noted \(\*\*high\*\*\) \(agent-reported\): Could double-charge \\<card\\>/);
    assert.match(md, /Ticket: \[PAY-1\]\(https:\/\/jira\.example\.com\/browse\/PAY-1\?x=%281%29\)/);
    assert.match(
      md,
      /High-risk paths touched \(from \.trail\/policy\.yml\): `db\/migrations\/001\.sql` \(schema\)/,
    );
    assert.match(md, /- Check typecheck in `aaaaaaaaaaaa` still fails: #1 failed \(exit 2\)/);
  });

  test('Markdown: one request on its line, several as a list of their own', () => {
    const withRequests = (summaries: string[]) =>
      renderPrSummaryMarkdown({ ...summary, source: { ...summary.source, summaries } });
    assert.match(withRequests(['Charge once.']), /\n- Request: Charge once\.\n/);
    const two = withRequests(['PAY-142: refunds never exceed the charge.', 'PAY-150: rate-limit *refunds*']);
    assert.match(
      two,
      /\n- Requests:\n {2}- PAY-142: refunds never exceed the charge\.\n {2}- PAY-150: rate-limit \\\*refunds\\\*\n/,
    );
    assert.doesNotMatch(two, /\.; /);
    assert.doesNotMatch(withRequests([]), /- Requests?:/);
  });
});
