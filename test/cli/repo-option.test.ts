/**
 * `--repo` names a repository (ORG/NAME) in trail export, push, pull and admin; a path is the
 * global `-C PATH`, as in git, before or after the command. trail report and verify-report
 * took `--repo PATH` before: the old spelling still works with a note, and a value that is
 * no folder (a name, as the other commands take) is one line, exit 2.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CliResult } from '../helpers/cli.js';
import { trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempDir } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

function assertUsageLine(r: CliResult, line: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
  assert.match(r.stderr, line);
}

describe('--repo is a name, -C is a path', () => {
  let repo: TempRepo;
  let elsewhere: string;

  before(() => {
    repo = initialisedRepo();
    elsewhere = tempDir();
    const signed = trailProcess(repo.dir, ['report', 'gaps', '--out', join(elsewhere, 'gaps.md'), '--sign']);
    assert.equal(signed.code, 0, signed.stderr);
  });
  after(() => repo.cleanup());

  test('trail report and verify-report take the repository path as -C, after the command too', () => {
    const report = trailProcess(elsewhere, ['report', 'gaps', '--format', 'json', '-C', repo.dir]);
    assert.equal(report.code, 0, report.stderr);
    assert.equal(JSON.parse(report.stdout).kind, 'gaps');
    assert.doesNotMatch(report.stderr, /note/);
    const verified = trailProcess(elsewhere, ['-C', repo.dir, 'verify-report', join(elsewhere, 'gaps.md')]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stderr, /gaps\.md: intact\./);
  });

  test('the old --repo PATH still works, and says -C is the spelling now', () => {
    const report = trailProcess(elsewhere, ['report', 'gaps', '--format', 'json', '--repo', repo.dir]);
    assert.equal(report.code, 0, report.stderr);
    assert.equal(JSON.parse(report.stdout).kind, 'gaps');
    assert.equal(
      report.stderr.split('\n')[0],
      `trail: note: --repo PATH is the old spelling of -C PATH in trail report; use -C ${repo.dir}`,
    );
    // Relative to where it runs, as before: the report file is not looked for in the repository.
    const verified = trailProcess(elsewhere, ['verify-report', 'gaps.md', '--repo', repo.dir]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stderr, /note: --repo PATH is the old spelling of -C PATH in trail verify-report/);
    assert.match(verified.stderr, /gaps\.md: intact\./);
  });

  test('a repository name given to report or verify-report as --repo is one line, exit 2', () => {
    assertUsageLine(
      trailProcess(elsewhere, ['report', 'gaps', '--repo', 'acme/api']),
      /^trail: --repo acme\/api is not a folder: trail report takes the repository's path as -C PATH \(--repo names a repository, ORG\/NAME, in trail export, push and pull\)\n$/,
    );
    assertUsageLine(
      trailProcess(elsewhere, ['verify-report', 'gaps.md', '--repo', 'acme/api']),
      /^trail: --repo acme\/api is not a folder: trail verify-report takes the repository's path as -C PATH/,
    );
    const noFolder = trailProcess(elsewhere, ['report', 'gaps', '-C', join(elsewhere, 'gone')]);
    assert.equal(noFolder.code, 1, noFolder.stderr);
    assert.equal(noFolder.stderr, `trail: ${join(elsewhere, 'gone')}: no such folder\n`);
  });

  test('help offers --repo as a name only: export lists it, report and verify-report do not', () => {
    assert.match(trailProcess(elsewhere, ['export', '--help']).stderr, /--repo <name>/);
    for (const command of ['report', 'verify-report']) {
      const help = trailProcess(elsewhere, [command, '--help']).stderr;
      assert.doesNotMatch(help, /--repo/, command);
      assert.match(help, /-C, --cwd <dir>/, command);
    }
  });
});
