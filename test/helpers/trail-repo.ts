/**
 * A temp repository with one commit and Trail set up through the real CLI process, its
 * writer key committed ("trust this clone"): where most capture tests start.
 */
import assert from 'node:assert/strict';
import { trailProcess } from './cli.js';
import type { TempRepo } from './temp-repo.js';
import { tempRepo } from './temp-repo.js';

export function initialisedRepo(): TempRepo {
  const repo = tempRepo();
  repo.write('README.md', '# app\n');
  repo.commit('base');
  const init = trailProcess(repo.dir, ['init', '--yes']);
  assert.equal(init.code, 0, init.stderr);
  repo.commit('trust this clone');
  return repo;
}
