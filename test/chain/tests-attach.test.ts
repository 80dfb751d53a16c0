/**
 * `trail tests attach`: JUnit reports from five tools and the three coverage formats,
 * recorded as one test-result record per invocation, linked to the commit and its
 * checkpoints, with the exact counts visible in `trail show --json`. A broken file is one
 * line naming it, and nothing is recorded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail, trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

const junit = (name: string) => fileURLToPath(new URL(`../fixtures/junit/${name}`, import.meta.url));
const coverage = (name: string) => fileURLToPath(new URL(`../fixtures/coverage/${name}`, import.meta.url));

async function ledgerSize(repo: TempRepo): Promise<number> {
  return JSON.parse((await trail(repo.dir, 'verify', '--json')).stdout).records as number;
}

describe('trail tests attach', () => {
  let repo: TempRepo;
  let trust: string;
  let head: string;

  before(() => {
    repo = tempRepo();
    assert.equal(trailProcess(repo.dir, ['init', '--yes']).code, 0);
    trust = repo.commit('trust this clone');
    const agent = new ScriptedClaude(repo.dir).start().prompt('add a calculator');
    agent.write('src/calc.ts', 'export const add = (a: number, b: number) => a + b;\n');
    agent.stop();
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'Calculator');
    head = repo.git('rev-parse', 'HEAD');
  });
  after(() => repo.cleanup());

  test('five tools in one invocation with lcov coverage: one record, counts added up', async () => {
    const before = await ledgerSize(repo);
    const result = await trail(
      repo.dir,
      'tests',
      'attach',
      junit('pytest.xml'),
      junit('jest-junit.xml'),
      junit('vitest.xml'),
      junit('go-junit-report.xml'),
      junit('maven-surefire.xml'),
      '--coverage',
      coverage('lcov.info'),
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /^attached to [0-9a-f]{12} \(1 checkpoint\): 29 tests, 15 passed, 6 failed, 2 errored, 6 skipped; line coverage 66\.67% \(lcov\): record [0-9a-f]{12}\n/,
    );
    assert.equal(await ledgerSize(repo), before + 1);

    const view = JSON.parse((await trail(repo.dir, 'show', 'HEAD', '--json')).stdout);
    assert.equal(view.tests.length, 1);
    const t = view.tests[0];
    assert.equal(t.commit, head);
    assert.deepEqual(t.checkpoints, [view.id]);
    assert.equal(t.tool, 'pytest,jest,vitest,go,maven-surefire');
    // pytest 9/4/2/2/1 + jest 5/3/1/1/0 + vitest 4/2/1/1/0 + go 5/3/1/1/0 + surefire 6/3/1/1/1
    assert.deepEqual(t.totals, { tests: 29, passed: 15, failed: 6, skipped: 6, errored: 2 });
    assert.equal(t.suites.length, 9);
    assert.deepEqual(t.suites[1], {
      name: 'Calculator',
      tests: 3,
      passed: 2,
      failed: 1,
      skipped: 0,
      errored: 0,
      durationMs: 871,
    });
    assert.deepEqual(
      t.failing.map((f: { name: string }) => f.name),
      [
        'tests.test_math.test_div',
        'tests.test_math.test_mul',
        'tests.test_db.test_query',
        'Calculator divides by a fraction',
        'math > rounds half up',
        'TestList',
        'divides',
        'parsesInput',
      ],
    );
    assert.equal(t.durationMs, 412 + 1284 + 512 + 265 + 89);
    assert.deepEqual(t.coverage, {
      format: 'lcov',
      lines: { covered: 8, total: 12, pct: 66.67 },
      branches: { covered: 3, total: 6, pct: 50 },
    });
    const text = await trail(repo.dir, 'show', 'HEAD');
    assert.match(text.stderr, /15\/29 passed, 6 failed, 6 skipped; line coverage 66\.67%/);
  });

  test('Cobertura and Istanbul json-summary coverage; --commit names any commit-ish', async () => {
    const cobertura = await trail(
      repo.dir,
      'tests',
      'attach',
      junit('nested-suites.xml'),
      '--coverage',
      coverage('cobertura.xml'),
      '--commit',
      trust.slice(0, 8),
      '--json',
    );
    assert.equal(cobertura.code, 0, cobertura.stderr);
    const record = JSON.parse(cobertura.stdout);
    assert.equal(record.commit, trust);
    assert.deepEqual(record.checkpoints, [], 'a commit without a checkpoint still gets its test result');
    assert.equal(record.tool, 'generic');
    assert.deepEqual(record.totals, { tests: 9, passed: 7, failed: 1, skipped: 1, errored: 0 });
    assert.deepEqual(record.coverage, {
      format: 'cobertura',
      lines: { covered: 9, total: 12, pct: 75 },
      branches: { covered: 3, total: 4, pct: 75 },
    });

    const istanbul = await trail(
      repo.dir,
      'tests',
      'attach',
      junit('vitest.xml'),
      '--coverage',
      coverage('coverage-summary.json'),
    );
    assert.equal(istanbul.code, 0, istanbul.stderr);
    const view = JSON.parse((await trail(repo.dir, 'show', 'HEAD', '--json')).stdout);
    assert.equal(view.tests.length, 2);
    const latest = view.tests[1];
    assert.equal(latest.tool, 'vitest');
    assert.deepEqual(latest.totals, { tests: 4, passed: 2, failed: 1, skipped: 1, errored: 0 });
    assert.deepEqual(latest.coverage, {
      format: 'istanbul',
      lines: { covered: 96, total: 120, pct: 80 },
      branches: { covered: 27, total: 40, pct: 67.5 },
    });
  });

  test('a truncated, foreign or missing file is one line naming it; nothing recorded', async () => {
    const before = await ledgerSize(repo);
    const cases: Array<[string[], number, RegExp]> = [
      [['tests', 'attach', junit('pytest.xml'), junit('truncated.xml')], 1, /^trail: \S+truncated\.xml: /],
      [['tests', 'attach', junit('not-junit.html')], 1, /^trail: \S+not-junit\.html: not JUnit XML/],
      [
        ['tests', 'attach', junit('pytest.xml'), '--coverage', junit('pytest.xml')],
        1,
        /^trail: \S+pytest\.xml: /,
      ],
      [
        ['tests', 'attach', junit('pytest.xml'), '--coverage', 'nope.info'],
        1,
        /^trail: cannot read nope\.info: no such file\n$/,
      ],
      [
        ['tests', 'attach', junit('pytest.xml'), '--commit', 'no-such-commit'],
        1,
        /^trail: no-such-commit is not a commit/,
      ],
    ];
    for (const [args, code, message] of cases) {
      const result = await trail(repo.dir, ...args);
      assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      if (code === 1) assert.equal(result.stderr.split('\n').length, 2, `one line: ${result.stderr}`);
    }
    assert.equal(await ledgerSize(repo), before);
  });
});
