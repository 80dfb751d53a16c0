/**
 * Attribution follows the lines through history rewrites done with real git and Trail's
 * installed hooks: amend, interactive rebase (squash and reorder), cherry-pick, merge,
 * stash/pop, and a squash merge made by the code host (re-linked by `trail relink`).
 * Lines that cannot be known are `unknown`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail, trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { gitEnv, tempRepo } from '../helpers/temp-repo.js';

async function origins(repo: TempRepo, path: string): Promise<Record<string, string>> {
  const result = await trail(repo.dir, 'blame', path, '--json');
  assert.equal(result.code, 0, result.stderr);
  const lines = JSON.parse(result.stdout).lines as Array<{ text: string; origin: string }>;
  return Object.fromEntries(lines.map((l) => [l.text, l.origin]));
}

function setup(): TempRepo {
  const repo = tempRepo();
  assert.equal(trailProcess(repo.dir, ['init', '--yes']).code, 0);
  repo.commit('trust this clone');
  return repo;
}

/** A commit whose file the agent wrote, committed through the real hooks. */
function aiCommit(repo: TempRepo, path: string, content: string, message: string): ScriptedClaude {
  const agent = new ScriptedClaude(repo.dir).start().prompt(`write ${path}`);
  agent.write(path, content);
  agent.stop();
  repo.git('add', path);
  repo.git('commit', '-q', '-m', message);
  return agent;
}

function humanCommit(repo: TempRepo, path: string, content: string, message: string): void {
  writeFileSync(join(repo.dir, path), content);
  repo.git('add', path);
  repo.git('commit', '-q', '-m', message);
}

/** git with a scripted sequence editor, for interactive rebase. */
function rebaseInteractive(repo: TempRepo, onto: string, todo: (lines: string[]) => string[]): void {
  const script = join(repo.dir, '.git', 'seq-editor.mjs');
  writeFileSync(
    script,
    `import { readFileSync, writeFileSync } from 'node:fs';\nconst f = process.argv[2];\nconst lines = readFileSync(f, 'utf8').split('\\n').filter((l) => l && !l.startsWith('#'));\nconst next = (${todo.toString()})(lines);\nwriteFileSync(f, next.join('\\n') + '\\n');\n`,
  );
  execFileSync('git', ['rebase', '-q', '-i', onto], {
    cwd: repo.dir,
    env: { ...gitEnv, GIT_SEQUENCE_EDITOR: `${process.execPath} ${script}`, GIT_EDITOR: 'true' },
    stdio: 'pipe',
  });
}

describe('attribution through history rewrites', () => {
  test('amend: AI lines stay AI, the line added in the amend is human', async () => {
    const repo = setup();
    try {
      aiCommit(repo, 'a.ts', 'export const ai1 = 1;\nexport const ai2 = 2;\n', 'ai work');
      writeFileSync(
        join(repo.dir, 'a.ts'),
        `${readFileSync(join(repo.dir, 'a.ts'), 'utf8')}export const mine = 3;\n`,
      );
      repo.git('add', 'a.ts');
      repo.git('commit', '-q', '--amend', '--no-edit');
      assert.deepEqual(await origins(repo, 'a.ts'), {
        'export const ai1 = 1;': 'ai',
        'export const ai2 = 2;': 'ai',
        'export const mine = 3;': 'human',
      });
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });

  test('interactive rebase: squash and reorder', async () => {
    const repo = setup();
    try {
      const base = repo.git('rev-parse', 'HEAD');
      aiCommit(repo, 'a.ts', 'export const fromAgent = "a";\n', 'A: ai');
      humanCommit(repo, 'b.ts', 'export const fromHuman = "b";\n', 'B: human');
      aiCommit(repo, 'c.ts', 'export const alsoAgent = "c";\n', 'C: ai');
      // Reorder C first, then squash B into A.
      rebaseInteractive(repo, base, (lines) => {
        const [a, b, c] = lines as [string, string, string];
        return [c, a, b.replace(/^pick/, 'squash')];
      });
      const subjects = repo.git('log', '--format=%s', `${base}..HEAD`).split('\n');
      assert.equal(subjects.length, 2);
      assert.deepEqual(await origins(repo, 'a.ts'), { 'export const fromAgent = "a";': 'ai' });
      assert.deepEqual(await origins(repo, 'b.ts'), { 'export const fromHuman = "b";': 'human' });
      assert.deepEqual(await origins(repo, 'c.ts'), { 'export const alsoAgent = "c";': 'ai' });
    } finally {
      repo.cleanup();
    }
  });

  test('a squash of a commit from before Trail tracked the repository: its lines stay unknown', async () => {
    const repo = setup();
    try {
      // A person's commit dated before `trail init` (trackedSince): Trail saw nothing of it.
      writeFileSync(join(repo.dir, 'old.ts'), 'export const old1 = 1;\nexport const old2 = 2;\n');
      repo.git('add', 'old.ts');
      execFileSync('git', ['commit', '-q', '-m', 'before Trail'], {
        cwd: repo.dir,
        env: {
          ...gitEnv,
          GIT_AUTHOR_DATE: '2020-01-01T00:00:00Z',
          GIT_COMMITTER_DATE: '2020-01-01T00:00:00Z',
        },
      });
      const before = { 'export const old1 = 1;': 'unknown', 'export const old2 = 2;': 'unknown' };
      assert.deepEqual(await origins(repo, 'old.ts'), before);
      aiCommit(repo, 'a.ts', 'export const fromAgent = "a";\n', 'A: ai');
      // Squashed into one commit, whose checkpoint is carried from A's: old.ts's lines are
      // blamed, in A, on the commit from before Trail.
      rebaseInteractive(repo, 'HEAD~2', (lines) => {
        const [old, a] = lines as [string, string];
        return [old, a.replace(/^pick/, 'squash')];
      });
      const shown = JSON.parse((await trail(repo.dir, 'show', 'HEAD', '--json')).stdout) as {
        checkpoint: { rewrittenFrom?: { how: string } };
      };
      assert.equal(shown.checkpoint.rewrittenFrom?.how, 'rebase');
      assert.deepEqual(await origins(repo, 'old.ts'), before);
      assert.deepEqual(await origins(repo, 'a.ts'), { 'export const fromAgent = "a";': 'ai' });
    } finally {
      repo.cleanup();
    }
  });

  test('cherry-pick and merge', async () => {
    const repo = setup();
    try {
      repo.git('checkout', '-q', '-b', 'feature');
      aiCommit(repo, 'f.ts', 'export const feature = () => "ai";\n', 'feature by agent');
      const picked = repo.git('rev-parse', 'HEAD');
      repo.git('checkout', '-q', 'main');
      repo.git('checkout', '-q', '-b', 'release');
      humanCommit(repo, 'r.ts', 'export const release = 1;\n', 'release work');
      repo.git('cherry-pick', picked);
      assert.notEqual(repo.git('rev-parse', 'HEAD'), picked);
      assert.deepEqual(await origins(repo, 'f.ts'), { 'export const feature = () => "ai";': 'ai' });
      repo.git('checkout', '-q', 'main');
      repo.git('merge', '-q', '--no-ff', '-m', 'merge feature', 'feature');
      assert.deepEqual(await origins(repo, 'f.ts'), { 'export const feature = () => "ai";': 'ai' });
    } finally {
      repo.cleanup();
    }
  });

  test('stash and pop keep the agent’s uncommitted lines', async () => {
    const repo = setup();
    try {
      humanCommit(repo, 's.ts', 'export const start = 0;\n', 'start');
      const agent = new ScriptedClaude(repo.dir).start().prompt('extend s.ts');
      agent.write('s.ts', 'export const start = 0;\nexport const agentLine = "written by the agent";\n');
      agent.stop();
      repo.git('stash');
      humanCommit(repo, 'other.ts', 'export const unrelated = 1;\n', 'unrelated human work');
      repo.git('stash', 'pop');
      repo.git('add', 's.ts');
      repo.git('commit', '-q', '-m', 'agent work after stash');
      assert.deepEqual(await origins(repo, 's.ts'), {
        'export const start = 0;': 'human',
        'export const agentLine = "written by the agent";': 'ai',
      });
    } finally {
      repo.cleanup();
    }
  });

  test('squash merge by the code host, re-linked by trailers; unknown where it cannot be known', async () => {
    const repo = setup();
    try {
      repo.git('checkout', '-q', '-b', 'topic');
      aiCommit(repo, 't.ts', 'export const one = "agent one";\n', 'one');
      aiCommit(repo, 't.ts', 'export const one = "agent one";\nexport const two = "agent two";\n', 'two');
      const messages = repo.git('log', '--format=%B', 'main..topic');
      repo.git('checkout', '-q', 'main');
      // The code host squashes without running anyone's hooks, keeping the messages (and trailers).
      execFileSync('git', ['merge', '--squash', 'topic'], { cwd: repo.dir, env: gitEnv, stdio: 'pipe' });
      writeFileSync(
        join(repo.dir, 't.ts'),
        `${readFileSync(join(repo.dir, 't.ts'), 'utf8')}export const host = "resolved on the host";\n`,
      );
      repo.git('add', 't.ts');
      execFileSync(
        'git',
        ['-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', `Topic (#12)\n\n${messages}`],
        {
          cwd: repo.dir,
          env: gitEnv,
        },
      );
      assert.equal((await trail(repo.dir, 'show', 'HEAD')).code, 1, 'no checkpoint before relink');
      const relink = await trail(repo.dir, 'relink', '--json');
      assert.equal(relink.code, 0, relink.stderr);
      assert.equal(JSON.parse(relink.stdout)[0].how, 'trailers');
      assert.deepEqual(await origins(repo, 't.ts'), {
        'export const one = "agent one";': 'ai',
        'export const two = "agent two";': 'ai',
        'export const host = "resolved on the host";': 'unknown',
      });
    } finally {
      repo.cleanup();
    }
  });
});
