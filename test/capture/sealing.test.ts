/**
 * Sealing at commit, through real hooks and real commits: which pending sessions a commit
 * involves, the scan cache that keeps sessions which touch no commit from being read again
 * on every commit, the branch of a linked worktree, and how few git processes post-commit
 * starts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { appendSpool, sessionKey } from '../../src/capture/spool.js';
import { BUILTIN_RULES } from '../../src/core/redact.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { TRAIL_BIN, trail, trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { git, gitEnv, tempDir } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

interface Checkpoint {
  branch?: string;
  sessions: Array<{ sessionId: string }>;
  events: string[];
}

async function checkpointOf(dir: string, rev = 'HEAD'): Promise<Checkpoint | undefined> {
  const show = await trail(dir, 'show', rev, '--json');
  return show.code === 0 ? (JSON.parse(show.stdout) as { checkpoint: Checkpoint }).checkpoint : undefined;
}

const spoolFile = (dir: string, sessionId: string) =>
  join(dir, '.git/trail/spool/sessions', `${sessionKey('claude-code', sessionId)}.jsonl`);
const scanCacheFile = (dir: string) => join(dir, '.git/trail/spool/scanned.json');
type ScanCache = Record<
  string,
  { from: number; offset: number; edited: Record<string, string[]>; ended?: boolean; events?: boolean }
>;

/** Each line of `path` as `trail blame` gives it in `dir`: its origin and session. */
async function blameOf(dir: string, path: string): Promise<Array<[string, string | undefined]>> {
  const blame = JSON.parse((await trail(dir, 'blame', path, '--json')).stdout) as {
    lines: Array<{ origin: string; sessionId?: string }>;
  };
  return blame.lines.map((l) => [l.origin, l.sessionId]);
}

/** Two linked worktrees under `outside`, each on a branch of its own with an agent at work. */
function agentsInTwoWorktrees(repo: TempRepo, outside: string) {
  const trees = [join(outside, 'wt-a'), join(outside, 'wt-b')];
  const agents = trees.map((tree, i) => {
    repo.git('worktree', 'add', '-q', '-b', `agent-${i}`, tree);
    return new ScriptedClaude(tree).start().prompt(`task ${i}`);
  });
  return { trees, agents };
}

/** `trail <args>` as a process of its own, not waited for synchronously: several can overlap. */
function trailAsync(cwd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TRAIL_BIN, ...args], { cwd, env: gitEnv, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

describe('sealing at commit', () => {
  test('a session that touches no commit is scanned once; when it does, all it did since is sealed', async () => {
    const repo = initialisedRepo();
    try {
      const agent = new ScriptedClaude(repo.dir).start().prompt('draft some notes');
      agent.write('notes.md', '# notes\n');
      repo.write('other.ts', 'export const other = 1;\n');
      repo.git('add', 'other.ts');
      repo.git('commit', '-q', '-m', 'by hand');
      assert.equal(await checkpointOf(repo.dir), undefined, 'a commit no session touched has no checkpoint');

      const key = sessionKey('claude-code', agent.sessionId);
      const cache = JSON.parse(readFileSync(scanCacheFile(repo.dir), 'utf8')) as ScanCache;
      assert.deepEqual(cache[key], {
        from: 0,
        offset: statSync(spoolFile(repo.dir, agent.sessionId)).size,
        edited: { main: ['notes.md'] },
        ended: false,
        events: true,
      });

      agent.prompt('now the app').write('app.ts', 'export const app = 1;\n');
      repo.git('add', 'notes.md', 'app.ts');
      repo.git('commit', '-q', '-m', 'notes and app');
      const checkpoint = await checkpointOf(repo.dir);
      assert.ok(checkpoint, 'the commit is sealed');
      assert.deepEqual(
        checkpoint.sessions.map((s) => s.sessionId),
        [agent.sessionId],
      );
      // Both prompts, including the one before the first commit.
      const show = JSON.parse((await trail(repo.dir, 'show', 'HEAD', '--json')).stdout) as {
        prompts: Array<{ text: string }>;
      };
      assert.deepEqual(
        show.prompts.map((p) => p.text),
        ['draft some notes', 'now the app'],
      );
      const after = JSON.parse(readFileSync(scanCacheFile(repo.dir), 'utf8')) as ScanCache;
      assert.equal(after[key], undefined, 'a sealed session starts a fresh scan');
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });

  test('the scan cache is what a commit reads, and a stale entry is ignored', async () => {
    const repo = initialisedRepo();
    try {
      const agent = new ScriptedClaude(repo.dir).start().prompt('just a question');
      const key = sessionKey('claude-code', agent.sessionId);
      const size = statSync(spoolFile(repo.dir, agent.sessionId)).size;

      // Says the session edited `path` in the main worktree since `from`, then commits `path`
      // by hand. An entry written before the cache kept whether the session ended, or whether
      // its lines hold events, lacks that field; one written before it kept edits by worktree
      // lists them.
      const commitWithCacheEntry = async (
        from: number,
        path: string,
        lacking?: 'ended' | 'events' | 'worktrees',
      ) => {
        const entry: Record<string, unknown> = {
          from,
          offset: size,
          edited: lacking === 'worktrees' ? [path] : { main: [path] },
          ended: false,
          events: true,
        };
        if (lacking === 'ended' || lacking === 'events') delete entry[lacking];
        writeFileSync(scanCacheFile(repo.dir), JSON.stringify({ [key]: entry }));
        repo.write(path, 'export const v = 1;\n');
        repo.git('add', path);
        repo.git('commit', '-q', '-m', `${path} by hand`);
        return checkpointOf(repo.dir);
      };
      // An entry scanned from another sealed offset says nothing about the session now.
      assert.equal(await commitWithCacheEntry(7, 'a.ts'), undefined, 'the stale entry was not believed');
      // Nor is one written before the cache kept whether the session ended, or held events.
      assert.equal(await commitWithCacheEntry(0, 'c.ts', 'ended'), undefined, 'the old entry was read again');
      assert.equal(
        await commitWithCacheEntry(0, 'd.ts', 'events'),
        undefined,
        'the old entry was read again',
      );
      assert.equal(
        await commitWithCacheEntry(0, 'e.ts', 'worktrees'),
        undefined,
        'the old entry was read again',
      );
      // A current entry is believed without reading the spool again: that is what it is for.
      const checkpoint = await commitWithCacheEntry(0, 'b.ts');
      assert.deepEqual(
        checkpoint?.sessions.map((s) => s.sessionId),
        [agent.sessionId],
      );
    } finally {
      repo.cleanup();
    }
  });

  test('a hand commit takes waiting capture gaps to the ledger, on their own', async () => {
    const repo = initialisedRepo();
    try {
      const hook = trailProcess(repo.dir, ['hook', 'claude-code', 'UserPromptSubmit'], '{"prompt": ');
      assert.equal(hook.code, 0, 'a hook never fails the agent');
      const status = async () => JSON.parse((await trail(repo.dir, 'status', '--json')).stdout);
      assert.equal((await status()).unsealedGaps, 1);
      const ledger = await findRepo(repo.dir);
      const before = (await loadIndex(ledger)).records.length;

      const commit = repo.commit('by hand');
      let index = await loadIndex(ledger);
      assert.deepEqual(
        index.records.slice(before).map((r) => r.record.kind),
        ['capture-gap'],
      );
      assert.equal(index.checkpointByCommit.get(commit), undefined, 'no agent was involved: no checkpoint');
      assert.equal((await status()).unsealedGaps, 0);

      repo.commit('by hand again');
      index = await loadIndex(ledger);
      assert.equal(index.records.length, before + 1, 'nothing waited, so nothing was appended');

      // A gap line that cannot be read (a torn write) makes no record, and no seal failure.
      appendFileSync(join(repo.dir, '.git/trail/spool/gaps.jsonl'), 'not json\n');
      const gapsBefore = (await status()).gaps.length;
      repo.commit('by hand, a torn gap line waiting');
      index = await loadIndex(ledger);
      assert.equal(index.records.length, before + 1);
      assert.equal((await status()).gaps.length, gapsBefore, 'post-commit recorded no failure of its own');
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });

  test('a session resumed after its spool left is sealed from its first new line', async () => {
    const repo = initialisedRepo();
    try {
      const agent = new ScriptedClaude(repo.dir).start().prompt('first prompt');
      agent.write('a.ts', 'export const a = 1;\n').end();
      repo.commit('a');
      const key = sessionKey('claude-code', agent.sessionId);
      assert.equal(
        existsSync(spoolFile(repo.dir, agent.sessionId)),
        false,
        'an ended, sealed session leaves',
      );
      // The seal state keeps only what is in the spool; the session is retired, with its record.
      const sealed = JSON.parse(readFileSync(join(repo.dir, '.git/trail/spool/sealed.json'), 'utf8')) as {
        offsets: Record<string, number>;
        sessions: Record<string, unknown>;
      };
      assert.equal(sealed.offsets[key], undefined, 'its sealed offset went with its spool');
      assert.equal(sealed.sessions[key], undefined);
      const first = (await checkpointOf(repo.dir))!.sessions[0] as { sessionId: string; record: string };
      const retired = readFileSync(join(repo.dir, '.git/trail/spool/known-sessions.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { key: string; sessionId: string; record?: string });
      assert.deepEqual(
        retired.map((r) => [r.key, r.sessionId, r.record]),
        [[key, agent.sessionId, first.record]],
      );

      // The same session id again (an agent's resume): a new spool, shorter than the old one.
      agent.prompt('resumed').write('b.ts', 'export const b = 1;\n');
      repo.commit('b');
      const show = JSON.parse((await trail(repo.dir, 'show', 'HEAD', '--json')).stdout) as {
        prompts: Array<{ text: string }>;
      };
      assert.deepEqual(
        show.prompts.map((p) => p.text),
        ['resumed'],
      );
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });

  test('AI lines committed after their session left the spool keep its identity', async () => {
    const repo = initialisedRepo();
    try {
      const agent = new ScriptedClaude(repo.dir).start().prompt('two files');
      agent.write('a.ts', 'export const a = 1;\n').write('later.ts', 'export const later = 1;\n').end();
      repo.git('add', 'a.ts');
      repo.git('commit', '-q', '-m', 'a only');
      const first = (await checkpointOf(repo.dir))!.sessions;
      assert.equal(existsSync(spoolFile(repo.dir, agent.sessionId)), false, 'the session left the spool');

      repo.git('add', 'later.ts');
      repo.git('commit', '-q', '-m', 'the rest, a day later');
      const checkpoint = await checkpointOf(repo.dir);
      assert.deepEqual(checkpoint?.sessions, first, 'the session sealed before, by its record');
      assert.deepEqual(await blameOf(repo.dir, 'later.ts'), [['ai', agent.sessionId]]);
      const index = await loadIndex(await findRepo(repo.dir));
      assert.equal(
        index.records.filter((r) => r.record.kind === 'session').length,
        1,
        'no second session record',
      );
      // Still found by its id, under its own agent.
      const ended = await trail(repo.dir, 'session', 'end', '--session', agent.sessionId, '--json');
      assert.equal(ended.code, 0, ended.stderr);
      assert.equal(JSON.parse(ended.stdout).agent, 'claude-code');
    } finally {
      repo.cleanup();
    }
  });

  test('sessions an older seal state still holds are retired at the next seal', async () => {
    const repo = initialisedRepo();
    try {
      const agent = new ScriptedClaude(repo.dir).start().prompt('one');
      agent.write('one.ts', 'export const one = 1;\n');
      repo.commit('one');
      // As Trail kept it before 2026-12-03: a session whose spool left long ago, still in the state.
      const stateFile = join(repo.dir, '.git/trail/spool/sealed.json');
      const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { sessions: Record<string, object> };
      const old = { agent: 'codex', sessionId: 'old-thread', record: 'ab'.repeat(32) };
      state.sessions['00000000000000aa'] = old;
      writeFileSync(stateFile, JSON.stringify(state));

      agent.prompt('two').write('two.ts', 'export const two = 2;\n');
      repo.commit('two');
      const after = JSON.parse(readFileSync(stateFile, 'utf8')) as { sessions: Record<string, object> };
      assert.deepEqual(Object.keys(after.sessions), [sessionKey('claude-code', agent.sessionId)]);
      const retired = readFileSync(join(repo.dir, '.git/trail/spool/known-sessions.jsonl'), 'utf8');
      assert.deepEqual(JSON.parse(retired.trim()), { key: '00000000000000aa', ...old });
    } finally {
      repo.cleanup();
    }
  });

  test('a linked worktree: its branch for the checkpoint and the session, and its cherry-picks', async () => {
    const repo = initialisedRepo();
    const outside = tempDir();
    const worktree = join(outside, 'wt');
    try {
      repo.git('worktree', 'add', '-q', '-b', 'feature/limits', worktree);
      const inTree = new ScriptedClaude(worktree).start().prompt('limit it');
      inTree.write('limit.ts', 'export const max = 3;\n');
      git(worktree, 'add', '-A');
      git(worktree, 'commit', '-q', '-m', 'limits');
      assert.equal((await checkpointOf(worktree))?.branch, 'feature/limits');
      // The session's own record too: its hooks read the worktree's HEAD, not the main one's.
      const index = await loadIndex(await findRepo(repo.dir));
      assert.equal(index.sessions.get(inTree.sessionId)?.record.boundary?.branch, 'feature/limits');

      const onMain = new ScriptedClaude(repo.dir).start().prompt('main work');
      onMain.write('main.ts', 'export const m = 1;\n');
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'on main');
      assert.equal((await checkpointOf(repo.dir))?.branch, 'main');

      // Cherry-picked into the worktree, whose shadows never saw main.ts: carried from the pick.
      git(worktree, 'cherry-pick', repo.git('rev-parse', 'HEAD'));
      assert.deepEqual(await blameOf(worktree, 'main.ts'), [['ai', onMain.sessionId]]);

      repo.git('checkout', '-q', '--detach');
      new ScriptedClaude(repo.dir).start().prompt('detached').write('d.ts', 'export const d = 1;\n');
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'detached');
      const detached = await checkpointOf(repo.dir);
      assert.ok(detached, 'sealed');
      assert.equal(detached.branch, undefined, 'a detached HEAD is on no branch');
    } finally {
      repo.cleanup();
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test('the same file in two worktrees, written by two agents: each keeps its own origins', async () => {
    const repo = initialisedRepo();
    const outside = tempDir();
    try {
      const { trees, agents } = agentsInTwoWorktrees(repo, outside);
      agents[0]!.write('src/x.ts', 'export const fromA = 1;\nexport const alsoFromA = 2;\n');
      agents[1]!.write('src/x.ts', 'export const fromB = 1;\n');
      for (const [i, tree] of trees.entries()) {
        git(tree, 'add', '-A');
        git(tree, 'commit', '-q', '-m', `agent ${i}`);
        const expected = i === 0 ? 2 : 1;
        assert.deepEqual(
          await blameOf(tree, 'src/x.ts'),
          Array.from({ length: expected }, () => ['ai', agents[i]!.sessionId]),
          `worktree ${i}`,
        );
      }
    } finally {
      repo.cleanup();
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test("the same path edited in three worktrees: each commit carries only its own worktree's session", async () => {
    const repo = initialisedRepo();
    const outside = tempDir();
    try {
      // The linked worktrees' agents work first: before sessions were matched by worktree, the
      // main worktree's commit took them all, as they had edited a path it committed.
      const { trees, agents } = agentsInTwoWorktrees(repo, outside);
      const all = [...trees, repo.dir].map((dir, i) => ({
        dir,
        agent: i < 2 ? agents[i]! : new ScriptedClaude(repo.dir).start().prompt('task 2'),
        content: `export const from${i} = ${i};\nexport const also${i} = ${i};\n`,
      }));
      for (const { agent, content } of all) agent.write('src/x.ts', content);
      // The main worktree commits first, then the linked ones: each must still find its session.
      for (const { dir, agent } of [all[2]!, all[0]!, all[1]!]) {
        git(dir, 'add', 'src/x.ts');
        git(dir, 'commit', '-q', '-m', `x in ${dir}`);
        const show = JSON.parse((await trail(dir, 'show', 'HEAD', '--json')).stdout) as {
          checkpoint: Checkpoint;
          prompts: Array<{ text: string; sessionId: string }>;
          lines: { ai: number; human: number; unknown: number };
        };
        const i = all.findIndex((w) => w.dir === dir);
        assert.deepEqual(
          show.checkpoint.sessions.map((s) => s.sessionId),
          [agent.sessionId],
          `worktree ${i}: its session alone`,
        );
        assert.deepEqual(
          show.prompts.map((p) => [p.text, p.sessionId]),
          [[`task ${i}`, agent.sessionId]],
          `worktree ${i}: its prompt alone`,
        );
        assert.deepEqual(show.lines, { ai: 2, human: 0, unknown: 0, added: 2, removed: 0 }, `worktree ${i}`);
        assert.deepEqual(
          await blameOf(dir, 'src/x.ts'),
          [
            ['ai', agent.sessionId],
            ['ai', agent.sessionId],
          ],
          `worktree ${i}: its lines`,
        );
      }
      // Each session was sealed once, by its own worktree's commit.
      const index = await loadIndex(await findRepo(repo.dir));
      assert.equal(index.checkpoints.length, 3);
      for (const { agent } of all) {
        const edits = (index.eventsBySession.get(agent.sessionId) ?? []).filter(
          (e) => e.record.event.type === 'file-edit',
        );
        assert.equal(edits.length, 1, `${agent.sessionId}: its edit sealed once`);
      }
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test('a session spooled before lines named their worktree is carried by a commit in any worktree', async () => {
    const repo = initialisedRepo();
    const outside = tempDir();
    try {
      const tree = join(outside, 'wt');
      repo.git('worktree', 'add', '-q', '-b', 'old-work', tree);
      // Lines as hooks wrote them before: no `worktree`.
      const line = {
        v: 1 as const,
        at: new Date().toISOString(),
        agent: 'claude-code',
        sessionId: 'old',
        hook: 'h',
      };
      appendSpool(
        join(repo.dir, '.git/trail'),
        sessionKey('claude-code', 'old'),
        [
          { ...line, type: 'session', info: {} },
          { ...line, type: 'event', event: { type: 'prompt', text: 'older work' }, provenance: 'observed' },
          {
            ...line,
            type: 'event',
            event: { type: 'file-edit', path: 'old.ts', change: 'created', ranges: [], via: 'edit-tool' },
            provenance: 'observed',
          },
        ],
        BUILTIN_RULES,
      );
      writeFileSync(join(tree, 'old.ts'), 'export const old = 1;\n');
      git(tree, 'add', 'old.ts');
      git(tree, 'commit', '-q', '-m', 'old work');
      assert.deepEqual(
        (await checkpointOf(tree))?.sessions.map((s) => s.sessionId),
        ['old'],
      );
    } finally {
      repo.cleanup();
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test('two worktrees sealing at the same moment seal each session once', async () => {
    const repo = initialisedRepo();
    const outside = tempDir();
    try {
      const { trees, agents } = agentsInTwoWorktrees(repo, outside);
      for (let round = 0; round < 3; round++) {
        trees.forEach((tree, i) => {
          agents[i]!.write(`f${i}-${round}.ts`, `export const v = ${round};\n`);
          git(tree, 'add', '-A');
          git(tree, '-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', `round ${round}`);
        });
        // Both post-commits at once, as two agents committing in their worktrees do.
        await Promise.all(trees.map((tree) => trailAsync(tree, ['hook', 'git', 'post-commit'])));
      }
      const index = await loadIndex(await findRepo(repo.dir));
      agents.forEach((agent, i) => {
        const prompts = (index.eventsBySession.get(agent.sessionId) ?? []).filter(
          (e) => e.record.event.type === 'prompt',
        );
        assert.equal(prompts.length, 1, `session ${i}: its prompt sealed once`);
        const edits = (index.eventsBySession.get(agent.sessionId) ?? []).filter(
          (e) => e.record.event.type === 'file-edit',
        );
        assert.equal(edits.length, 3, `session ${i}: each edit sealed once`);
      });
      assert.equal(index.checkpoints.length, 6, 'one checkpoint per commit');
    } finally {
      repo.cleanup();
      rmSync(outside, { recursive: true, force: true });
    }
  });

  test('post-commit starts only the git processes it needs', async () => {
    const repo = initialisedRepo();
    try {
      repo.git('config', 'user.email', 'dev@example.com');
      const agent = new ScriptedClaude(repo.dir)
        .start()
        .prompt('add w')
        .write('w.ts', 'export const w = 1;\n');
      repo.commit('w, sealed by the hook: the log exists now');
      // That first append named the writer, which costs asking git for the user's email.
      const [logRef] = repo.git('for-each-ref', '--format=%(refname)', 'refs/trail/logs/').split('\n');
      const writer = JSON.parse(repo.git('show', `${logRef}:writer.json`)) as { name: string };
      assert.equal(writer.name, `dev@example.com on ${hostname()}`);
      agent.prompt('add x').write('x.ts', 'export const x = 1;\n');
      repo.git('add', '-A');
      repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'x');
      const trace = join(repo.dir, '.git', 'trace.txt');
      const sealed = trailProcess(repo.dir, ['hook', 'git', 'post-commit'], undefined, { GIT_TRACE: trace });
      assert.equal(sealed.code, 0, sealed.stderr);
      assert.ok(await checkpointOf(repo.dir), 'sealed');
      const commands = readFileSync(trace, 'utf8')
        .split('\n')
        .flatMap((line) => /trace: built-in: git ([a-z-]+)/.exec(line)?.[1] ?? [])
        // fast-import hands a small pack to unpack-objects itself; not a process Trail starts.
        .filter((command) => command !== 'unpack-objects');
      // Where the repository is, the commit, what it changed, the files' contents, the append.
      // The user's email (a writer's name) and the log's tip are asked only by a log's first
      // append, and the branch is read from HEAD.
      assert.deepEqual(commands, ['rev-parse', 'log', 'diff-tree', 'cat-file', 'fast-import']);
    } finally {
      repo.cleanup();
    }
  });
});
