/**
 * Repositories whose own folder is named awkwardly: a path holding a newline (git answers
 * path questions one per line), and a clone reached through a symlink (git names the work
 * tree by its real path, a person or an agent by the one they typed).
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Recorder } from '../../src/index.js';
import { trail } from '../helpers/cli.js';
import { git, tempDir } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

describe('awkward repository paths', () => {
  test('a repository in a folder whose name holds a newline: init, record and verify work', async () => {
    const outside = tempDir();
    try {
      const dir = join(outside, 'two\nlines');
      mkdirSync(dir);
      git(dir, 'init', '-q');
      git(dir, 'commit', '-q', '--allow-empty', '-m', 'base');
      const init = await trail(dir, 'init', '--yes');
      assert.equal(init.code, 0, init.stderr);
      const head = git(dir, 'rev-parse', 'HEAD');
      const recorded = await trail(dir, 'record', 'deployment', '--env', 'prod', '--commit', head);
      assert.equal(recorded.code, 0, recorded.stderr);
      const verified = await trail(dir, 'verify', '--json');
      assert.equal(verified.code, 0, verified.stderr);
      assert.equal((JSON.parse(verified.stdout) as { records: number }).records, 1);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test('a clone reached through a symlink: blame and the SDK take paths through either name', async () => {
    const repo = initialisedRepo();
    const outside = tempDir();
    try {
      const link = join(outside, 'link');
      symlinkSync(repo.dir, link);
      // The SDK started in the real folder, told of a file by the symlinked path.
      const r = await Recorder.start({ cwd: repo.dir, agent: 'bot', model: 'gpt-5' });
      await r.writeFile(join(link, 'src', 'w.ts'), 'export const w = 1;\n');
      r.end();
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'w');
      // blame run in the real folder, of the file by its symlinked path, and the other way round.
      for (const [cwd, file] of [
        [repo.dir, join(link, 'src', 'w.ts')],
        [link, join(repo.dir, 'src', 'w.ts')],
      ] as const) {
        const blame = await trail(cwd, 'blame', file, '--json');
        assert.equal(blame.code, 0, blame.stderr);
        const lines = (JSON.parse(blame.stdout) as { lines: Array<{ origin: string; sessionId?: string }> })
          .lines;
        assert.deepEqual(
          lines.map((l) => [l.origin, l.sessionId]),
          [['ai', r.sessionId]],
        );
      }
      // A file outside the clone is still outside, through a symlink in the same folder.
      symlinkSync(join(repo.dir, 'src', 'w.ts'), join(outside, 'w-link.ts'));
      const outsider = await trail(repo.dir, 'blame', join(outside, 'w-link.ts'));
      assert.deepEqual(
        [outsider.code, outsider.stderr],
        [1, `trail: ${join(outside, 'w-link.ts')} is outside the repository\n`],
      );
    } finally {
      repo.cleanup();
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
