/**
 * A capture gap names the transcript it could not read by a path under the user's home folder
 * (`/home/alice/.claude/projects/...`): it is written `~/.claude/projects/...`, so the ledger
 * gets no local user name from a gap (the session's boundary holds host and user, where
 * policy allows).
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { readGaps } from '../../src/capture/gaps.js';
import { withHomeAsTilde } from '../../src/core/home-path.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { trail, trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { gitEnv, tempDir, tempRepo } from '../helpers/temp-repo.js';

describe('capture gaps: no home folder', () => {
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const cleanup of cleanups) cleanup();
  });

  test('withHomeAsTilde replaces the whole home folder only', () => {
    const homes = ['/home/alice', undefined, '/'];
    assert.equal(
      withHomeAsTilde("ENOENT: open '/home/alice/.claude/x.jsonl'; /home/alice", homes),
      "ENOENT: open '~/.claude/x.jsonl'; ~",
    );
    assert.equal(withHomeAsTilde('/home/alicebob/x and /home/al', ['/home/al']), '/home/alicebob/x and ~');
    assert.equal(withHomeAsTilde('/home/a/b/c', ['/home/a', '/home/a/b']), '~/c');
  });

  test("a hook's gaps about transcripts under HOME hold ~, not HOME, in the spool and the ledger", async () => {
    const home = tempDir('trail-home-');
    const repo: TempRepo = tempRepo();
    cleanups.push(
      () => repo.cleanup(),
      () => rmSync(home, { recursive: true, force: true }),
    );
    assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
    repo.commit('Trail: trust this clone');
    const project = join(home, '.claude', 'projects', 'work');
    mkdirSync(project, { recursive: true });
    // A folder where the transcript should be, and a transcript that is not there.
    mkdirSync(join(project, 'folder.jsonl'));
    const hook = (event: string, transcript: string, fields: Record<string, unknown> = {}) => {
      const payload = {
        session_id: 'f1d2c3b4-0000-4000-8000-000000000001',
        transcript_path: join(project, transcript),
        cwd: repo.dir,
        hook_event_name: event,
        ...fields,
      };
      const run = trailProcess(repo.dir, ['hook', 'claude-code', event], JSON.stringify(payload), {
        HOME: home,
        CLAUDE_PROJECT_DIR: repo.dir,
      });
      assert.equal(run.code, 0, run.stderr);
    };
    hook('SessionStart', 'gone.jsonl', { source: 'startup', model: 'claude-sonnet-4-6' });
    hook('UserPromptSubmit', 'gone.jsonl', { prompt: 'write a.ts' });
    const write = {
      tool_name: 'Write',
      tool_use_id: 'toolu_1',
      tool_input: { file_path: join(repo.dir, 'a.ts'), content: 'export const a = 1;\n' },
    };
    hook('PreToolUse', 'gone.jsonl', write);
    repo.write('a.ts', 'export const a = 1;\n');
    hook('PostToolUse', 'gone.jsonl', { ...write, tool_response: { success: true } });
    hook('Stop', 'gone.jsonl');
    hook('Stop', 'folder.jsonl');

    const gaps = readGaps(join(repo.dir, '.git/trail'));
    assert.ok(gaps.length >= 2, JSON.stringify(gaps));
    assert.ok(
      gaps.some((g) => g.why.includes('~/.claude/projects/work/gone.jsonl')),
      JSON.stringify(gaps),
    );
    for (const gap of gaps) assert.ok(!JSON.stringify(gap).includes(home), JSON.stringify(gap));

    repo.git('add', 'a.ts');
    repo.git('commit', '-q', '-m', 'work');
    const show = await trail(repo.dir, 'show', 'HEAD', '--json');
    assert.equal(show.code, 0, show.stderr);
    const sealed = (JSON.parse(show.stdout) as { captureGaps: Array<{ why: string }> }).captureGaps;
    assert.ok(sealed.length >= 2);
    assert.ok(!show.stdout.includes(home));
  });

  test('a gap line written with the home folder, before gaps held ~, is sealed with ~', async () => {
    const repo: TempRepo = tempRepo();
    cleanups.push(() => repo.cleanup());
    assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
    repo.commit('Trail: trust this clone');
    // As an older Trail wrote it, under the HOME the git hook that seals it runs with.
    const home = gitEnv.HOME!;
    const old = {
      at: new Date().toISOString(),
      what: 'Stop: the transcript',
      why: `ENOENT: no such file or directory, open '${home}/.claude/projects/work/gone.jsonl'`,
      agent: 'claude-code',
    };
    mkdirSync(join(repo.dir, '.git/trail/spool'), { recursive: true });
    appendFileSync(join(repo.dir, '.git/trail/spool/gaps.jsonl'), `${JSON.stringify(old)}\n`);
    repo.write('notes.md', 'typed by hand\n');
    repo.commit('notes');
    const ix = await loadIndex(await findRepo(repo.dir));
    const sealed = ix.gaps.map((g) => g.record.why);
    assert.deepEqual(sealed, [
      "ENOENT: no such file or directory, open '~/.claude/projects/work/gone.jsonl'",
    ]);
  });
});
