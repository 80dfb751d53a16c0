/**
 * Files whose names git prints quoted (non-ASCII, `"`, a tab, a control character): `trail blame`,
 * `trail show` and `trail stats` must all find the agent's lines by the file's own name.
 * git blame --porcelain names a line's original file in C-style quotes, and the checkpoint
 * keys its attribution by the name itself. Also names that are awkward for other reasons: a
 * backslash (an ordinary character on Linux, not a separator to turn into `/`), and a newline
 * or a final CR, which `git cat-file --batch` cannot take as a line of its input.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

const HUMAN = 'hümän/"by hand"\t.ts';
/** Names cat-file --batch cannot read back from a line: its checkpoint needs their blob ids. */
const UNLINEABLE = ['new\nline.ts', 'dir\nname/x.ts', 'cr.ts\r'];
const NAMES = [
  'plain.ts',
  'ünï.ts',
  'src/q"t.ts',
  'tab\there.ts',
  'sp ace/bell\x07.ts',
  'back\\slash.ts',
  ...UNLINEABLE,
];

describe('attribution of files with awkward names', () => {
  let repo: TempRepo;

  before(() => {
    repo = initialisedRepo();
    for (const name of NAMES) {
      const agent = new ScriptedClaude(repo.dir).start().prompt(`write ${name}`);
      agent.write(name, 'export const x = 1;\nexport const y = 2;\n');
      agent.stop();
      repo.git('add', '--', name);
      repo.git('commit', '-q', '-m', `add ${name}`);
    }
    // A person's commit, no checkpoint: stats reads its lines from git log.
    repo.write(HUMAN, 'a\nb\nc\n');
    repo.commit('a person adds a file');
  });
  after(() => repo.cleanup());

  test('blame calls the agent lines ai and names the original file by its name', async () => {
    for (const name of NAMES) {
      const result = await trail(repo.dir, 'blame', name, '--json');
      assert.equal(result.code, 0, result.stderr);
      const { lines } = JSON.parse(result.stdout) as {
        lines: Array<{ origin: string; originalPath: string; agent?: string }>;
      };
      assert.deepEqual(
        lines.map((l) => [l.origin, l.originalPath, l.agent]),
        [
          ['ai', name, 'claude-code'],
          ['ai', name, 'claude-code'],
        ],
        name,
      );
    }
  });

  test('every commit of an agent-written file has a checkpoint: show calls its lines ai', async () => {
    for (const name of NAMES) {
      const commit = repo.git('log', '-1', '--format=%H', '--', name);
      const result = await trail(repo.dir, 'show', commit, '--json');
      assert.equal(result.code, 0, `${JSON.stringify(name)}: ${result.stderr}`);
      const { checkpoint } = JSON.parse(result.stdout) as {
        checkpoint: {
          files: Array<{ path: string; aiLines: number; humanLines: number }>;
          attribution: Record<string, Array<{ start: number; end: number; origin: string }>>;
        };
      };
      const file = checkpoint.files.find((f) => f.path === name);
      assert.deepEqual(file && [file.aiLines, file.humanLines], [2, 0], JSON.stringify(name));
      assert.deepEqual(
        checkpoint.attribution[name]?.map((s) => [s.start, s.end, s.origin]),
        [[1, 2, 'ai']],
        JSON.stringify(name),
      );
    }
  });

  test('an amend of a commit whose file name holds a newline carries its lines', async () => {
    // Not one of NAMES: the amended commit would add to what stats counts for them.
    const name = 'amended\nname.ts';
    const agent = new ScriptedClaude(repo.dir).start().prompt(`write ${name}`);
    agent.write(name, 'export const x = 1;\nexport const y = 2;\n');
    agent.stop();
    repo.git('add', '--', name);
    repo.git('commit', '-q', '-m', 'to be amended');
    // post-rewrite reads the file in the old commit by its name.
    repo.git('commit', '-q', '--amend', '-m', 'amended');
    const shown = await trail(repo.dir, 'show', 'HEAD', '--json');
    assert.equal(shown.code, 0, shown.stderr);
    const { checkpoint } = JSON.parse(shown.stdout) as {
      checkpoint: { rewrittenFrom?: { how: string } };
    };
    assert.equal(checkpoint.rewrittenFrom?.how, 'amend');
    const blamed = await trail(repo.dir, 'blame', name, '--json');
    assert.equal(blamed.code, 0, blamed.stderr);
    const { lines } = JSON.parse(blamed.stdout) as { lines: Array<{ origin: string; commit: string }> };
    const head = repo.git('rev-parse', 'HEAD');
    assert.deepEqual(
      lines.map((l) => [l.origin, l.commit]),
      [
        ['ai', head],
        ['ai', head],
      ],
    );
  });

  test('a file renamed to an awkward name keeps its lines through the rename', async () => {
    mkdirSync(join(repo.dir, 'dir ünï'));
    repo.git('mv', 'plain.ts', 'dir ünï/"moved".ts');
    repo.commit('rename');
    const result = await trail(repo.dir, 'blame', 'dir ünï/"moved".ts', '--json');
    assert.equal(result.code, 0, result.stderr);
    const { lines } = JSON.parse(result.stdout) as { lines: Array<{ origin: string; originalPath: string }> };
    assert.deepEqual(
      lines.map((l) => [l.origin, l.originalPath]),
      [
        ['ai', 'plain.ts'],
        ['ai', 'plain.ts'],
      ],
    );
  });

  test('stats counts each file by its name, as blame does', async () => {
    const stats = JSON.parse((await trail(repo.dir, 'stats', '--json')).stdout) as {
      byFile: Array<{ key: string; ai: number; human: number; unknown: number }>;
    };
    for (const name of NAMES) {
      const row = stats.byFile.find((f) => f.key === name);
      assert.deepEqual(row && [row.ai, row.human, row.unknown], [2, 0, 0], name);
    }
    const human = stats.byFile.find((f) => f.key === HUMAN);
    assert.deepEqual(human && [human.ai, human.human, human.unknown], [0, 3, 0]);
    // The rename added no lines, and no file is listed under git's quoted form of its name.
    assert.ok(!stats.byFile.some((f) => f.key.startsWith('"') || f.key.includes('=>')));
  });
});
