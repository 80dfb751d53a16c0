/**
 * `trail hook` run with a source or event missing or unknown (a hook set up by hand, or
 * mistyped) still exits 0, as every hook must, and writes down what it could not capture as
 * a capture gap where Trail is set up; elsewhere it leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CaptureGap } from '../../src/capture/gaps.js';
import { gapsFile, readGaps } from '../../src/capture/gaps.js';
import { trail, trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempDir, tempRepo } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

describe('trail hook with arguments missing or unknown', () => {
  let repo: TempRepo;
  const stateDir = () => join(repo.dir, '.git', 'trail');
  /** The gaps recorded while `run` runs. */
  const gapsOf = async (run: () => Promise<unknown> | unknown): Promise<CaptureGap[]> => {
    rmSync(gapsFile(stateDir()), { force: true });
    await run();
    return readGaps(stateDir());
  };

  before(() => {
    repo = initialisedRepo();
  });
  after(() => repo.cleanup());

  test('as git and agents run it (bin/trail): exit 0, nothing printed, one gap saying what was wrong', async () => {
    const cases: Array<{ args: string[]; what: RegExp; why: RegExp }> = [
      { args: ['hook'], what: /^hook$/, why: /^no hook source given: trail hook <agent\|git> <event>$/ },
      { args: ['hook', 'git'], what: /^git hook$/, why: /^no git hook named/ },
      {
        args: ['hook', 'git', 'post-merge'],
        what: /^git post-merge hook$/,
        why: /"post-merge" is not a git hook Trail handles/,
      },
      {
        args: ['hook', 'no-such-agent'],
        what: /^no-such-agent hook$/,
        why: /^unknown agent no-such-agent$/,
      },
    ];
    for (const { args, what, why } of cases) {
      let result = { code: -1, stdout: '', stderr: '' };
      const gaps = await gapsOf(() => {
        result = trailProcess(repo.dir, args, '');
      });
      assert.deepEqual([result.code, result.stdout, result.stderr], [0, '', ''], args.join(' '));
      assert.equal(gaps.length, 1, `${args.join(' ')}: ${JSON.stringify(gaps)}`);
      assert.match(gaps[0]!.what, what);
      assert.match(gaps[0]!.why, why);
    }
  });

  // Only cases that fail before reading a payload: in-process, standard input is the runner's.
  test('in-process, and with -C: the same', async () => {
    for (const args of [['hook'], ['hook', 'git'], ['hook', 'git', 'no-such-hook']]) {
      let result = { code: -1, stdout: '', stderr: '' };
      const gaps = await gapsOf(async () => {
        result = await trail(repo.dir, ...args);
      });
      assert.deepEqual([result.code, result.stdout, result.stderr], [0, '', ''], args.join(' '));
      assert.equal(gaps.length, 1, args.join(' '));
    }
  });

  test('the hooks Trail installs still record no gap', async () => {
    const gaps = await gapsOf(() => {
      const result = trailProcess(repo.dir, ['hook', 'git', 'prepare-commit-msg'], '');
      assert.equal(result.code, 0, result.stderr);
    });
    assert.deepEqual(gaps, []);
  });

  test('outside a repository, or where Trail is not set up: exit 0 and nothing written', async () => {
    const plain = tempRepo();
    const outside = tempDir();
    try {
      for (const dir of [plain.dir, outside]) {
        for (const args of [['hook'], ['hook', 'git', 'nosuch']]) {
          const result = trailProcess(dir, args, '');
          assert.deepEqual(
            [result.code, result.stdout, result.stderr],
            [0, '', ''],
            `${dir}: ${args.join(' ')}`,
          );
          const inProcess = await trail(dir, ...args);
          assert.deepEqual([inProcess.code, inProcess.stderr], [0, ''], `${dir}: ${args.join(' ')}`);
        }
      }
      assert.equal(
        existsSync(join(plain.dir, '.git', 'trail')),
        false,
        'no Trail state in a repository without Trail',
      );
    } finally {
      plain.cleanup();
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
