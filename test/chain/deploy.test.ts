/**
 * `trail deploy` and `trail rollback`: commit-ish arguments resolve to full commit ids,
 * `trail show` lists where and when a commit was deployed or rolled back, and
 * `trail log --deployed ENV` lists what runs there (rolled-back commits drop out).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail, trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

function aiCommit(repo: TempRepo, path: string, content: string, message: string): string {
  const agent = new ScriptedClaude(repo.dir).start().prompt(`write ${path}`);
  agent.write(path, content);
  agent.stop();
  repo.git('add', path);
  repo.git('commit', '-q', '-m', message);
  return repo.git('rev-parse', 'HEAD');
}

async function ok(repo: TempRepo, ...args: string[]): Promise<string> {
  const result = await trail(repo.dir, ...args);
  assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
  return result.stdout || result.stderr;
}

async function deployed(repo: TempRepo, env: string): Promise<string[]> {
  return JSON.parse(await ok(repo, 'log', '--deployed', env, '--json')).map(
    (c: { commit: string }) => c.commit,
  );
}

async function ledgerSize(repo: TempRepo): Promise<number> {
  return JSON.parse((await trail(repo.dir, 'verify', '--json')).stdout).records as number;
}

describe('trail deploy and trail rollback', () => {
  let repo: TempRepo;
  let a: string;
  let b: string;

  before(() => {
    repo = tempRepo();
    assert.equal(trailProcess(repo.dir, ['init', '--yes']).code, 0);
    repo.commit('trust this clone');
    a = aiCommit(repo, 'src/a.ts', 'export const a = 1;\n', 'Feature A');
    repo.git('tag', 'v1');
    b = aiCommit(repo, 'src/b.ts', 'export const b = 2;\n', 'Feature B');
  });
  after(() => repo.cleanup());

  test('deployments resolve commit-ish to full ids and show in trail show and trail log --deployed', async () => {
    const staging = JSON.parse(
      await ok(repo, 'deploy', '--env', 'staging', '--commit', a.slice(0, 7), '--json'),
    );
    assert.equal(staging.commit, a);
    assert.equal(staging.status, 'success');
    await ok(repo, 'deploy', '--env', 'production', '--commit', 'v1', '--url', 'https://app.example.com');
    const progress = await ok(
      repo,
      'deploy',
      '--env',
      'production',
      '--commit',
      'HEAD',
      '--status',
      'in-progress',
    );
    assert.match(
      progress,
      new RegExp(`^deployment of ${b.slice(0, 12)} to production: in-progress: record [0-9a-f]{12}\n$`),
    );
    assert.deepEqual(
      await deployed(repo, 'production'),
      [a],
      'an in-progress deployment is not yet deployed',
    );
    await ok(repo, 'deploy', '--env', 'production', '--commit', b);
    assert.deepEqual(await deployed(repo, 'production'), [b, a]);
    assert.deepEqual(await deployed(repo, 'staging'), [a]);
    assert.deepEqual(await deployed(repo, 'qa'), []);

    const view = JSON.parse(await ok(repo, 'show', a, '--json'));
    assert.deepEqual(
      view.deployments.map((d: { env: string; status: string; url?: string }) => [d.env, d.status, d.url]),
      [
        ['staging', 'success', undefined],
        ['production', 'success', 'https://app.example.com'],
      ],
    );
    const text = (await trail(repo.dir, 'show', a)).stderr;
    assert.match(
      text,
      /Deployments\n- staging: success at \S+\n- production: success at \S+ \(https:\/\/app\.example\.com\)/,
    );
  });

  test('a rollback takes the commit out of the environment, and both commits show it', async () => {
    const result = JSON.parse(
      await ok(
        repo,
        'rollback',
        '--env',
        'production',
        '--from',
        'HEAD',
        '--to',
        'v1',
        '--reason',
        'error rate doubled',
        '--json',
      ),
    );
    assert.equal(result.from, b);
    assert.equal(result.to, a);
    assert.deepEqual(await deployed(repo, 'production'), [a]);
    // The whole log says the same as --deployed (and the reports): b is out of production.
    const lineOf = (text: string, sha: string) =>
      text.split('\n').find((l) => l.startsWith(sha.slice(0, 10)));
    const log = (await trail(repo.dir, 'log')).stderr;
    assert.match(lineOf(log, b) ?? '', / rolled-back:production /);
    assert.doesNotMatch(lineOf(log, b) ?? '', /deployed:/);
    assert.match(lineOf(log, a) ?? '', / deployed:production,staging | deployed:staging,production /);
    const logJson = JSON.parse(await ok(repo, 'log', '--json')) as Array<{
      commit: string;
      deployedTo: string[];
      rolledBackFrom: string[];
    }>;
    assert.deepEqual(
      logJson.map((l) => [l.commit, l.deployedTo.sort(), l.rolledBackFrom]),
      [
        [b, [], ['production']],
        [a, ['production', 'staging'], []],
      ],
    );
    const viewB = JSON.parse(await ok(repo, 'show', b, '--json'));
    assert.deepEqual(
      viewB.rollbacks.map((r: { env: string; from: string; to: string; reason: string }) => [
        r.env,
        r.from,
        r.to,
        r.reason,
      ]),
      [['production', b, a, 'error rate doubled']],
    );
    assert.equal(JSON.parse(await ok(repo, 'show', a, '--json')).rollbacks.length, 1);
    const md = await ok(repo, 'show', b, '--md');
    assert.match(
      md,
      new RegExp(
        `- rolled back in production from ${b.slice(0, 12)} to ${a.slice(0, 12)}: error rate doubled`,
      ),
    );
    // Redeploying after the rollback puts it back.
    await ok(repo, 'deploy', '--env', 'production', '--commit', b);
    assert.deepEqual(await deployed(repo, 'production'), [b, a]);
    assert.equal((await trail(repo.dir, 'verify')).code, 0);
    // -n and a period read checkpoints first and then only what names them: the same lines as
    // reading all.
    const all = JSON.parse(await ok(repo, 'log', '--json'));
    assert.equal(all.length, 2);
    assert.ok(all.every((line: { deployments: unknown[] }) => line.deployments.length > 0));
    assert.deepEqual(JSON.parse(await ok(repo, 'log', '-n', '2', '--json')), all);
    assert.deepEqual(JSON.parse(await ok(repo, 'log', '-n', '1', '--json')), all.slice(0, 1));
    const [newer, older] = all as Array<{ time: string }>;
    assert.ok(newer!.time > older!.time);
    assert.deepEqual(JSON.parse(await ok(repo, 'log', '--since', newer!.time, '--json')), all.slice(0, 1));
    // An ISO time given to --until is where the period ends: the checkpoint at it is left out.
    assert.deepEqual(JSON.parse(await ok(repo, 'log', '--until', newer!.time, '--json')), all.slice(1));
    assert.deepEqual(JSON.parse(await ok(repo, 'log', '--since', older!.time, '--json')), all);
  });

  test('one-line errors, nothing recorded', async () => {
    const before = await ledgerSize(repo);
    const cases: Array<[string[], number, RegExp]> = [
      [
        ['deploy', '--env', 'prod', '--commit', 'deadbeef'],
        1,
        /^trail: --commit deadbeef: not a commit in this repository\n$/,
      ],
      [['deploy', '--commit', 'HEAD'], 2, /^trail: --env NAME is required/],
      [['deploy', '--env', 'prod'], 2, /^trail: --commit SHA is required\n$/],
      [
        ['deploy', '--env', 'prod', '--commit', 'HEAD', '--status', 'done'],
        2,
        /^trail: --status must be one of success, failure, in-progress, pending, error, inactive\n$/,
      ],
      [['rollback', '--env', 'prod', '--from', 'HEAD', '--to', 'v1'], 2, /^trail: --reason TEXT is required/],
      [
        ['rollback', '--env', 'prod', '--from', 'HEAD', '--reason', 'x'],
        2,
        /^trail: --from SHA and --to SHA are both required\n$/,
      ],
      [
        ['rollback', '--env', 'prod', '--from', 'HEAD', '--to', b, '--reason', 'x'],
        2,
        /^trail: --from and --to name the same commit\n$/,
      ],
      [
        ['rollback', '--env', 'prod', '--from', 'nope', '--to', 'v1', '--reason', 'x'],
        1,
        /^trail: --from nope: not a commit in this repository\n$/,
      ],
    ];
    for (const [args, code, message] of cases) {
      const result = await trail(repo.dir, ...args);
      assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    assert.equal(await ledgerSize(repo), before);
  });
});
