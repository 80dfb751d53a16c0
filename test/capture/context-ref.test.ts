/**
 * Files an agent read are named in the record as git names them when they are in the
 * repository, and by their full path when they are not.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { contextNamedInRepo } from '../../src/capture/context-ref.js';
import type { EventBody } from '../../src/core/records.js';
import { tempDir } from '../helpers/temp-repo.js';

const read = (ref: string, source: 'file-read' | 'rule-file' | 'url' = 'file-read'): EventBody => ({
  type: 'context',
  source,
  ref,
});

test('a file read inside the work tree is named relative to it; outside, .git and URLs are kept', () => {
  const root = tempDir('trail-context-ref-');
  try {
    const workTree = join(root, 'repo');
    mkdirSync(join(workTree, 'src'), { recursive: true });
    const named = (event: EventBody) => (contextNamedInRepo(workTree, event) as { ref: string }).ref;

    assert.equal(named(read(join(workTree, 'src/cart.ts'))), 'src/cart.ts');
    assert.equal(named(read(join(workTree, 'AGENTS.md'), 'rule-file')), 'AGENTS.md');
    // Outside the repository: the whole path, which is what an auditor needs to see.
    assert.equal(named(read(join(root, 'home/.aws/credentials'))), join(root, 'home/.aws/credentials'));
    assert.equal(named(read(join(workTree, '.git/config'))), join(workTree, '.git/config'));
    assert.equal(named(read(workTree)), workTree, 'the work tree itself is no file of it');
    // Already relative (a glob, or a path the agent gave so), or not a path at all: as given.
    assert.equal(named(read('src/**/*.ts')), 'src/**/*.ts');
    assert.equal(named(read('https://example.com/a', 'url')), 'https://example.com/a');
    const prompt: EventBody = { type: 'prompt', text: join(workTree, 'src/cart.ts') };
    assert.equal(contextNamedInRepo(workTree, prompt), prompt);

    // Through a symlink to the work tree (a linked home folder): still the repository's file.
    const link = join(root, 'link');
    symlinkSync(workTree, link);
    assert.equal(named(read(join(link, 'src/cart.ts'))), 'src/cart.ts');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
