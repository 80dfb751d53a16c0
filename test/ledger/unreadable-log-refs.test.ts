/**
 * A ref under refs/trail/logs/ or refs/trail/remotes/<remote>/logs/ that holds no log (a blob,
 * a bare tree, a commit whose tree has no chunk and no signed head) can be pushed by anyone
 * who can push those refs, and so reach every clone. It must not stop the read commands: they
 * skip it and read every other log, and `trail verify` names it as a problem.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { gitEnv } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

const STRAY = 'refs/trail/remotes/origin/logs/beef';

function gitWithInput(dir: string, input: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: gitEnv, input, encoding: 'utf8' }).trim();
}

interface VerifyJson {
  ok: boolean;
  problems: Array<{ ref: string; kind: string; message: string }>;
}

async function verifyJson(dir: string): Promise<{ code: number; report: VerifyJson }> {
  const result = await trail(dir, 'verify', '--json');
  return { code: result.code, report: JSON.parse(result.stdout) as VerifyJson };
}

describe('refs that hold no log', () => {
  let repo: TempRepo;
  let commit: string;
  /** Object ids a stray ref can point at, each with the reason verify gives. */
  let strays: Array<{ name: string; oid: string; why: RegExp }>;

  before(async () => {
    repo = initialisedRepo();
    assert.equal(
      (await trail(repo.dir, 'session', 'start', '--agent', 'goose', '--prompt', 'add a')).code,
      0,
    );
    repo.write('a.txt', 'one\n');
    commit = repo.commit('add a');
    const deployed = await trail(repo.dir, 'record', 'deployment', '--env', 'prod', '--commit', commit);
    assert.equal(deployed.code, 0, deployed.stderr);
    const blob = gitWithInput(repo.dir, 'junk\n', 'hash-object', '-w', '--stdin');
    const tree = gitWithInput(repo.dir, `100644 blob ${blob}\tnotes.txt\n`, 'mktree');
    const emptyTree = gitWithInput(repo.dir, '', 'mktree');
    const noLayout = /its tree holds no chunk under log\/ and no signed tree head under heads\//;
    strays = [
      { name: 'a blob', oid: blob, why: /it points at a blob, not a commit/ },
      { name: 'a tree', oid: tree, why: /it points at a tree, not a commit/ },
      { name: 'an empty commit', oid: repo.git('commit-tree', '-m', 'x', emptyTree), why: noLayout },
      { name: 'a commit of other files', oid: repo.git('commit-tree', '-m', 'x', tree), why: noLayout },
    ];
    assert.equal((await verifyJson(repo.dir)).code, 0, 'the ledger holds before any stray ref');
  });
  after(() => repo.cleanup());

  test('read commands skip a fetched ref that is no log and read the others; verify names it', async () => {
    for (const stray of strays) {
      repo.git('update-ref', STRAY, stray.oid);
      try {
        const log = await trail(repo.dir, 'log', '--json');
        assert.equal(log.code, 0, `${stray.name}: ${log.stderr}`);
        const [shown] = JSON.parse(log.stdout) as Array<{ commit: string; deployedTo: string[] }>;
        assert.equal(shown?.commit, commit, stray.name);
        assert.deepEqual(shown?.deployedTo, ['prod'], `${stray.name}: the deployment is read too`);

        const { code, report } = await verifyJson(repo.dir);
        assert.equal(code, 1, stray.name);
        assert.equal(report.problems.length, 1, JSON.stringify(report.problems));
        assert.equal(report.problems[0]!.ref, STRAY);
        assert.equal(report.problems[0]!.kind, 'malformed');
        assert.match(report.problems[0]!.message, stray.why, stray.name);
      } finally {
        repo.git('update-ref', '-d', STRAY);
      }
    }
  });

  test('show, check and report read past it too, and verify says so in one line naming the ref', async () => {
    repo.git('update-ref', STRAY, strays[0]!.oid);
    try {
      const show = await trail(repo.dir, 'show', commit, '--json');
      assert.equal(show.code, 0, show.stderr);
      assert.equal(JSON.parse(show.stdout).checkpoint.commit, commit);
      const check = await trail(repo.dir, 'check', 'HEAD', '--json');
      assert.equal(check.code, 0, check.stderr);
      assert.equal(JSON.parse(check.stdout).commits[0].checkpoint !== undefined, true);
      const report = await trail(repo.dir, 'report', 'soc2', '--format', 'json');
      assert.equal(report.code, 0, report.stderr);
      assert.match(report.stdout, new RegExp(commit));
      assert.match(report.stdout, /refs\/trail\/remotes\/origin\/logs\/beef/, 'the report shows the failure');

      const verify = await trail(repo.dir, 'verify');
      assert.equal(verify.code, 1);
      assert.equal(
        verify.stderr,
        `${STRAY}: malformed: not a Trail log: it points at a blob, not a commit\nverify failed: 1 problem in 1 of 2 logs\n`,
      );
    } finally {
      repo.git('update-ref', '-d', STRAY);
    }
  });

  test("this clone's own log overwritten: readers use the fetched copy, verify names the ref", async () => {
    const own = repo.git('for-each-ref', '--format=%(refname)', 'refs/trail/logs/');
    const writerId = own.slice('refs/trail/logs/'.length);
    const fetched = `refs/trail/remotes/origin/logs/${writerId}`;
    const genuine = repo.git('rev-parse', own);
    repo.git('update-ref', fetched, genuine);
    repo.git('update-ref', own, strays[0]!.oid);
    try {
      const log = await trail(repo.dir, 'log', '--json');
      assert.equal(log.code, 0, log.stderr);
      assert.equal(JSON.parse(log.stdout)[0].commit, commit);
      const { code, report } = await verifyJson(repo.dir);
      assert.equal(code, 1);
      assert.deepEqual(
        report.problems.map((p) => [p.ref, p.kind]),
        [[own, 'malformed']],
        'the fetched copy holds every record seen, so nothing was lost: only the ref is named',
      );
      // An append into it says what is wrong, in one line, and writes nothing.
      const appended = await trail(repo.dir, 'record', 'deployment', '--env', 'staging', '--commit', commit);
      assert.equal(appended.code, 1);
      assert.equal(
        appended.stderr.split('\n')[0],
        `trail: ${own} does not hold a Trail log (it points at a blob), so nothing was appended: trail verify reports it; put the log back (from a remote's copy, git update-ref ${own} <commit>) and append again`,
      );
      assert.equal(repo.git('rev-parse', own), strays[0]!.oid);
    } finally {
      repo.git('update-ref', own, genuine);
      repo.git('update-ref', '-d', fetched);
    }
    assert.equal((await verifyJson(repo.dir)).code, 0, 'restored, it holds again');
  });
});
