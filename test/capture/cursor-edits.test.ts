/**
 * Cursor has no hook before an edit: its afterFileEdit says instead what each edit replaced and
 * wrote (`edits[{ old_string, new_string }]`, Cursor's hooks reference). Only the lines that text
 * wrote are the agent's; what else changed since Trail last looked is of unknown origin, never
 * the agent's, and an edit whose text is not in the file once is a capture gap. Real hooks
 * (the command `trail init --agents cursor` wrote into .cursor/hooks.json), real repositories,
 * real commits through the installed git hooks, then `trail blame`.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { installedCommand, originsByLine, runShellHook, trailWithEnv } from '../helpers/agent-hooks.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

const temps: TempRepo[] = [];
after(() => {
  for (const t of temps) t.cleanup();
});

const PRICE = [
  'export function price(base: number, rate: number): number {',
  '  const taxed = base * (1 + rate);',
  '  const rounded = Math.round(taxed * 100) / 100;',
  '  return rounded;',
  '}',
];
const text = (lines: string[]) => `${lines.join('\n')}\n`;

async function setup(files: Record<string, string>): Promise<TempRepo> {
  const repo = tempRepo();
  temps.push(repo);
  for (const [path, content] of Object.entries(files)) repo.write(path, content);
  repo.commit('base');
  const init = await trailWithEnv(repo.dir, {}, 'init', '--yes', '--agents', 'cursor');
  assert.equal(init.code, 0, init.stderr);
  repo.commit('Trail set up');
  return repo;
}

/** One Cursor conversation: its afterFileEdit payloads, in the shape the hooks reference gives. */
function cursorSession(repo: TempRepo) {
  const conversation = randomUUID();
  return (path: string, edits: Array<{ old_string: string; new_string: string }>) => {
    const payload = {
      conversation_id: conversation,
      generation_id: randomUUID(),
      model: 'claude-4.5-sonnet-thinking',
      cursor_version: '2.1.46',
      workspace_roots: [repo.dir],
      user_email: 'dev@example.com',
      transcript_path: null,
      hook_event_name: 'afterFileEdit',
      file_path: join(repo.dir, path),
      edits,
    };
    const command = installedCommand(repo.dir, 'cursor', 'afterFileEdit');
    assert.ok(command, 'no installed afterFileEdit hook');
    const result = runShellHook(command, JSON.stringify(payload), {
      cwd: repo.dir,
      env: { CURSOR_PROJECT_DIR: repo.dir },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '{}\n');
  };
}

const origins = (repo: TempRepo, path: string) => originsByLine(repo.dir, path);

function gaps(repo: TempRepo): string[] {
  const file = join(repo.dir, '.git/trail/spool/gaps.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { why: string }).why);
}

async function commit(repo: TempRepo) {
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'work');
  const index = await loadIndex(await findRepo(repo.dir));
  const checkpoint = index.checkpointByCommit.get(repo.git('rev-parse', 'HEAD'));
  assert.ok(checkpoint, 'the commit has a checkpoint');
  return checkpoint.record;
}

describe('Cursor edits: only the lines the agent wrote are its', () => {
  test("a person's change made before Cursor's edit is not credited to the agent", async () => {
    const repo = await setup({ 'src/price.ts': text(PRICE) });
    const edit = cursorSession(repo);
    // A person changes line 2; no hook sees it.
    const person = [...PRICE];
    person[1] = '  const taxed = base * (1 + rate / 100);';
    repo.write('src/price.ts', text(person));
    // Then the agent changes line 4, and Cursor's afterFileEdit says so.
    const agent = [...person];
    agent[3] = '  return Math.max(0, rounded);';
    repo.write('src/price.ts', text(agent));
    edit('src/price.ts', [{ old_string: '  return rounded;', new_string: '  return Math.max(0, rounded);' }]);
    assert.deepEqual(gaps(repo), []);

    const checkpoint = await commit(repo);
    const lines = await origins(repo, 'src/price.ts');
    assert.equal(lines[3], 'ai', 'line 4, the agent’s edit');
    assert.equal(lines[1], 'unknown', 'line 2, changed before the edit by someone Trail did not see');
    const file = checkpoint.files.find((f) => f.path === 'src/price.ts');
    assert.equal(file?.aiLines, 1);
    // No sessionStart or prompt hook came (hooks installed mid-conversation): the model and
    // version every Cursor payload carries still name the session.
    assert.deepEqual(
      checkpoint.sessions.map((s) => [s.agent, s.model]),
      [['cursor', 'claude-4.5-sonnet-thinking']],
    );
  });

  test("lines an edit kept from its old text are not the agent's; an edit whose hook comes late still is", async () => {
    const repo = await setup({ 'src/price.ts': text(PRICE) });
    const edit = cursorSession(repo);
    const person = [...PRICE];
    person[1] = '  const taxed = base * (1 + rate / 100);';
    repo.write('src/price.ts', text(person));
    // Edit 1 replaces lines 2-3 and keeps line 2 (the person's) as it was; edit 2 changes
    // line 4 before edit 1's hook has run, so edit 1's hook sees both.
    const one = [...person];
    one[2] = '  const rounded = Math.round(taxed * 1000) / 1000;';
    const two = [...one];
    two[3] = '  return Number(rounded.toFixed(3));';
    repo.write('src/price.ts', text(two));
    edit('src/price.ts', [{ old_string: `${person[1]}\n${person[2]}`, new_string: `${one[1]}\n${one[2]}` }]);
    edit('src/price.ts', [{ old_string: '  return rounded;', new_string: two[3]! }]);
    assert.deepEqual(gaps(repo), []);

    const checkpoint = await commit(repo);
    assert.deepEqual((await origins(repo, 'src/price.ts')).slice(1, 4), ['unknown', 'ai', 'ai']);
    assert.equal(checkpoint.files.find((f) => f.path === 'src/price.ts')?.aiLines, 2);
  });

  test('an edit whose text is not in the file once credits nothing and leaves a gap', async () => {
    const twice = [...PRICE, '', 'export const ZERO = price(0, 0);', 'export const ONE = price(1, 0);'];
    const repo = await setup({ 'src/price.ts': text(PRICE), 'src/twice.ts': text(twice) });
    const edit = cursorSession(repo);

    // Changed again by a person before the hook came: the agent's text is no longer there.
    const changed = [...PRICE];
    changed[0] = 'export function price(base: number, rate = 0): number {';
    changed[3] = '  return Math.max(0.01, rounded);';
    repo.write('src/price.ts', text(changed));
    edit('src/price.ts', [{ old_string: '  return rounded;', new_string: '  return Math.max(0, rounded);' }]);

    // The agent's new text is in the file twice: which one it wrote cannot be told.
    const after = [...twice];
    after[7] = 'export const ONE = price(0, 0);';
    repo.write('src/twice.ts', text(after));
    edit('src/twice.ts', [{ old_string: 'export const ONE = price(1, 0);', new_string: 'price(0, 0);' }]);

    assert.deepEqual(gaps(repo), [
      `the one edit to src/price.ts (edit) is not in the file once (changed again since, or its text is there more than once): the lines it changed count as of unknown origin`,
      `the one edit to src/twice.ts (edit) is not in the file once (changed again since, or its text is there more than once): the lines it changed count as of unknown origin`,
    ]);
    const checkpoint = await commit(repo);
    const price = await origins(repo, 'src/price.ts');
    assert.deepEqual([price[0], price[3]], ['unknown', 'unknown']);
    assert.equal((await origins(repo, 'src/twice.ts'))[7], 'unknown');
    for (const f of checkpoint.files) assert.equal(f.aiLines, 0, f.path);
  });
});
