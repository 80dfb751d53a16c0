// Fills the hooks' V8 code caches (src/capture/code-cache.ts) by running, in a scratch
// repository and each as the real process, the agent hooks a session runs most and then a
// commit of their work (git's prepare-commit-msg and post-commit, which seals it): the caches
// then hold the functions they compile. Without this, the first hook of each kind on a machine
// writes its cache with what it ran. A failure here costs only speed: the build warns, goes on.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TRAIL = fileURLToPath(new URL('../bin/trail', import.meta.url));

export function warmHookCaches() {
  const dir = mkdtempSync(join(tmpdir(), 'trail-warm-hook-'));
  // Agents start hooks without Node options as a rule; a cache made under others (a build's
  // NODE_OPTIONS) would sit under another name (src/capture/code-cache.ts).
  const { NODE_OPTIONS: _options, ...inherited } = process.env;
  const env = {
    ...inherited,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Trail build',
    GIT_AUTHOR_EMAIL: 'build@trail.invalid',
    GIT_COMMITTER_NAME: 'Trail build',
    GIT_COMMITTER_EMAIL: 'build@trail.invalid',
    // Every hook run here, the git hooks a commit runs included, writes its cache afresh.
    TRAIL_CODE_CACHE_REFRESH: '1',
  };
  const run = (command, args, input) => {
    const result = spawnSync(command, args, { cwd: dir, env, input, encoding: 'utf8' });
    if (result.status !== 0)
      throw new Error(`${[command, ...args].join(' ')}: ${result.error ?? result.stderr}`);
  };
  try {
    mkdirSync(join(dir, 'src'));
    const file = join(dir, 'src/app.ts');
    writeFileSync(file, "export const greeting = 'hello';\n");
    run('git', ['init', '-q']);
    run('git', ['add', '-A']);
    run('git', ['commit', '-q', '-m', 'start']);
    run(process.execPath, [TRAIL, 'init', '--yes', '--agents', 'claude-code']);
    const common = {
      session_id: '0b6f2c1e-5d4a-4b9e-9c7f-2a1d5e8b0c44',
      transcript_path: join(dir, 'transcript.jsonl'),
      cwd: dir,
      permission_mode: 'acceptEdits',
    };
    const edit = { file_path: file, old_string: "'hello'", new_string: "'hello, world'" };
    const shell = { command: 'echo built > out.txt', description: 'write a file' };
    const calls = [
      ['SessionStart', { source: 'startup' }],
      ['UserPromptSubmit', { prompt: 'Greet the world instead' }],
      ['PreToolUse', { tool_name: 'Edit', tool_input: edit, tool_use_id: 'toolu_1' }],
      () => writeFileSync(file, "export const greeting = 'hello, world';\n"),
      [
        'PostToolUse',
        { tool_name: 'Edit', tool_input: edit, tool_response: { filePath: file }, tool_use_id: 'toolu_1' },
      ],
      ['PreToolUse', { tool_name: 'Bash', tool_input: shell, tool_use_id: 'toolu_2' }],
      () => appendFileSync(join(dir, 'out.txt'), 'built\n'),
      [
        'PostToolUse',
        { tool_name: 'Bash', tool_input: shell, tool_response: { stdout: '' }, tool_use_id: 'toolu_2' },
      ],
    ];
    for (const call of calls) {
      if (typeof call === 'function') {
        call();
        continue;
      }
      const [event, fields] = call;
      const payload = JSON.stringify({ ...common, hook_event_name: event, ...fields });
      run(process.execPath, [TRAIL, 'hook', 'claude-code', event], payload);
    }
    // The installed git hooks run through bin/trail too, with this environment.
    run('git', ['add', '-A']);
    run('git', ['commit', '-q', '-m', 'Greet the world']);
    if (existsSync(join(dir, '.git/trail/spool/gaps.jsonl')))
      throw new Error('the warm-up hooks recorded capture gaps, so they did not run their usual path');
  } catch (error) {
    console.warn(
      `warning: the hooks' code caches were not warmed (${String(error).split('\n')[0]}); the first hooks write them`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
