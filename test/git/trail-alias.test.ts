/**
 * The `git trail` alias that committed files call Trail by, in a real repository: it runs the
 * command it was given however odd its path (spaces, quotes), from the folder git was called
 * in, with the arguments as given; a second install changes nothing; a user's own alias of
 * that name is never replaced or removed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  installTrailAlias,
  isTrailAlias,
  trailAliasState,
  trailAliasValue,
  uninstallTrailAlias,
} from '../../src/git/trail-alias.js';
import { gitEnv, tempDir, tempRepo } from '../helpers/temp-repo.js';

const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups) c();
});

describe('the git trail alias', () => {
  test('runs an oddly named program from the calling folder with the arguments as given', async () => {
    const repo = tempRepo();
    const place = tempDir('trail-alias-');
    cleanups.push(repo.cleanup, () => rmSync(place, { recursive: true, force: true }));
    // A stand-in for bin/trail in a folder whose name needs quoting twice over.
    const folder = join(place, `it's a "dir" $HOME`);
    mkdirSync(folder);
    const program = join(folder, 'trail');
    writeFileSync(program, '#!/bin/sh\nprintf "%s\\n" "$PWD" "$@"\n');
    chmodSync(program, 0o755);

    assert.equal(await installTrailAlias(repo.dir, ['/bin/sh', program]), 'set');
    assert.equal(await installTrailAlias(repo.dir, ['/bin/sh', program]), 'unchanged');
    assert.equal(await trailAliasState(repo.dir, ['/bin/sh', program]), 'this');
    assert.equal(await trailAliasState(repo.dir, ['/usr/bin/node', program]), 'other', 'Node moved');
    assert.ok(isTrailAlias(trailAliasValue(['/bin/sh', program])));

    const sub = join(repo.dir, 'src', 'deep dir');
    mkdirSync(sub, { recursive: true });
    const out = execFileSync('git', ['trail', 'blame', 'a b.ts', "it's"], {
      cwd: sub,
      env: gitEnv,
      encoding: 'utf8',
    });
    assert.deepEqual(out.split('\n').slice(0, -1), [realpathSync(sub), 'blame', 'a b.ts', "it's"]);
    const top = execFileSync('git', ['trail'], { cwd: repo.dir, env: gitEnv, encoding: 'utf8' });
    assert.equal(top.trim(), realpathSync(repo.dir));

    assert.equal(await uninstallTrailAlias(repo.dir), true);
    assert.equal(await trailAliasState(repo.dir, ['/bin/sh', program]), 'missing');
    assert.equal(await uninstallTrailAlias(repo.dir), false);
  });

  test('a user’s own alias named trail is neither replaced nor removed', async () => {
    const repo = tempRepo();
    cleanups.push(repo.cleanup);
    repo.git('config', 'alias.trail', 'log --oneline');
    assert.equal(await trailAliasState(repo.dir, [process.execPath, '/srv/trail/bin/trail']), 'theirs');
    assert.equal(await installTrailAlias(repo.dir, [process.execPath, '/srv/trail/bin/trail']), 'theirs');
    assert.equal(await uninstallTrailAlias(repo.dir), false);
    assert.equal(repo.git('config', '--get', 'alias.trail'), 'log --oneline');
    assert.ok(!isTrailAlias('!trail-of-my-own'));
    assert.ok(!isTrailAlias(trailAliasValue(['/usr/bin/my-tool'])), 'the same form, another program');
  });
});
