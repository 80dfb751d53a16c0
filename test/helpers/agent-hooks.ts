/**
 * Runs Trail's hooks the way each agent does, from the command `trail init --agents` wrote
 * into the agent's own settings: Claude Code, Gemini CLI and Cursor run the command through
 * a shell with the payload on stdin; Codex runs its `notify` argv with the JSON as the last
 * argument. Nothing here knows Trail's command line: it is read back from the settings.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CliResult } from './cli.js';
import { trail, trailProcess } from './cli.js';
import type { TempRepo } from './temp-repo.js';
import { gitEnv, tempDir, tempRepo } from './temp-repo.js';

export type HookAgent = 'claude-code' | 'gemini-cli' | 'cursor';

export interface HookRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

type Json = Record<string, unknown>;

function readJson(path: string): Json {
  return JSON.parse(readFileSync(path, 'utf8')) as Json;
}

/** Claude Code and Gemini CLI matchers are regular expressions over the tool name; empty or `*` is all. */
function matches(matcher: unknown, tool: string | undefined): boolean {
  if (matcher === undefined || matcher === '' || matcher === '*') return true;
  if (tool === undefined) return true;
  return new RegExp(`^(?:${String(matcher)})$`).test(tool);
}

/**
 * The command of Trail's hook for an event, as installed in the agent's settings, honouring
 * the matcher as the agent would; undefined when the agent would not run Trail for it.
 */
export function installedCommand(
  dir: string,
  agent: HookAgent,
  event: string,
  tool?: string,
): string | undefined {
  const mine = (command: unknown) =>
    typeof command === 'string' && command.includes(` hook ${agent} ${event}`);
  if (agent === 'cursor') {
    const hooks = (readJson(join(dir, '.cursor/hooks.json')).hooks ?? {}) as Record<string, Json[]>;
    return hooks[event]?.find((h) => mine(h.command))?.command as string | undefined;
  }
  const file = agent === 'claude-code' ? '.claude/settings.json' : '.gemini/settings.json';
  const hooks = (readJson(join(dir, file)).hooks ?? {}) as Record<string, Json[]>;
  for (const group of hooks[event] ?? []) {
    if (!matches(group.matcher, tool)) continue;
    const found = (group.hooks as Json[] | undefined)?.find((h) => mine(h.command));
    if (found) return found.command as string;
  }
  return undefined;
}

/** The `notify` argv Trail wrote into Codex's config.toml. */
export function codexNotifyArgv(codexHome: string): string[] {
  const text = readFileSync(join(codexHome, 'config.toml'), 'utf8');
  const line = /^notify\s*=\s*(\[.*\])\s*$/m.exec(text);
  if (!line) throw new Error(`no notify in ${codexHome}/config.toml`);
  return JSON.parse(line[1]!) as string[];
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** A hook command run through the shell, payload (text or bytes) on stdin. */
export function runShellHook(command: string, payload: string | Buffer, options: RunOptions): HookRun {
  const started = performance.now();
  const result = spawnSync('/bin/sh', ['-c', command], {
    cwd: options.cwd,
    input: payload,
    env: { ...gitEnv, ...options.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: options.timeoutMs ?? 30_000,
  });
  return {
    code: result.status ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    ms: performance.now() - started,
  };
}

/** The same, without blocking the test process: for running many hooks at once. */
export function runShellHookAsync(command: string, payload: string, options: RunOptions): Promise<HookRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: options.cwd,
      env: { ...gitEnv, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout, stderr, ms: performance.now() - started }),
    );
    child.stdin.end(payload);
  });
}

/** Codex's notify: the argv as configured, the JSON appended as the last argument, no shell. */
export function runNotify(argv: readonly string[], json: string, options: RunOptions): HookRun {
  const started = performance.now();
  const result = spawnSync(argv[0]!, [...argv.slice(1), json], {
    cwd: options.cwd,
    env: { ...gitEnv, ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 30_000,
  });
  return {
    code: result.status ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    ms: performance.now() - started,
  };
}

/**
 * A fixture payload rewritten for a temp repository: every occurrence of the fixture's project
 * folder and session id replaced, then fields overridden.
 */
export function fixturePayload(path: string, replace: Array<[string, string]>, override: Json = {}): Json {
  let text = readFileSync(path, 'utf8');
  for (const [from, to] of replace) text = text.split(from).join(to);
  return { ...(JSON.parse(text) as Json), ...override };
}

/** Every byte Trail or git keeps for a repository, objects decompressed, as one string. */
export function everythingStored(dir: string, extraDirs: string[] = []): string {
  const parts: string[] = [];
  const walk = (d: string) => {
    const list = spawnSync('find', [d, '-type', 'f'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    for (const file of list.stdout.split('\n').filter(Boolean)) {
      try {
        parts.push(readFileSync(file).toString('latin1'));
      } catch {
        // Unreadable (a socket, a file removed meanwhile): nothing stored there to check.
      }
    }
  };
  walk(join(dir, '.git'));
  walk(join(dir, '.trail'));
  for (const d of extraDirs) walk(d);
  const objects = spawnSync('git', ['cat-file', '--batch-all-objects', '--batch'], {
    cwd: dir,
    env: gitEnv,
    maxBuffer: 512 * 1024 * 1024,
  });
  parts.push(objects.stdout.toString('latin1'));
  return parts.join('\n');
}

/** The in-process CLI with extra environment variables set for the call (CODEX_HOME...). */
export async function trailWithEnv(
  dir: string,
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<CliResult> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await trail(dir, ...args);
  } finally {
    for (const key of Object.keys(env)) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}

/** The origin of each line of `path` (ai, human, unknown...), as `trail blame --json` gives it. */
export async function originsByLine(dir: string, path: string): Promise<string[]> {
  const blame = await trail(dir, 'blame', path, '--json');
  if (blame.code !== 0) throw new Error(`trail blame ${path} exited ${blame.code}: ${blame.stderr}`);
  return (JSON.parse(blame.stdout) as { lines: Array<{ origin: string }> }).lines.map((l) => l.origin);
}

/**
 * One Claude Code session whose hooks are sent one by one, as given, each through the real
 * `trail hook claude-code <Event>` process. Sending one returns the payload's size in bytes.
 */
export function claudeSession(dir: string, id: string, transcript = join(dir, '.no-transcript.jsonl')) {
  return hookSession('claude-code', dir, {
    session_id: id,
    transcript_path: transcript,
    permission_mode: 'acceptEdits',
  });
}

/** claudeSession's like for Gemini CLI: `trail hook gemini-cli <Event>` processes, one per hook. */
export function geminiSession(dir: string, id: string, transcript = join(dir, '.no-transcript.jsonl')) {
  return hookSession('gemini-cli', dir, { session_id: id, transcript_path: transcript });
}

function hookSession(agent: 'claude-code' | 'gemini-cli', dir: string, session: Record<string, unknown>) {
  const projectDir = agent === 'claude-code' ? 'CLAUDE_PROJECT_DIR' : 'GEMINI_PROJECT_DIR';
  return (event: string, fields: Record<string, unknown>, cwd = dir): number => {
    const payload = { ...session, cwd, hook_event_name: event, ...fields };
    const result = trailProcess(dir, ['hook', agent, event], JSON.stringify(payload), { [projectDir]: dir });
    assert.equal(result.code, 0, result.stderr);
    // Claude Code reads a hook's output; Gemini CLI wants a JSON object (an empty one decides nothing).
    assert.equal(result.stdout, agent === 'claude-code' ? '' : '{}\n', `${agent} must get no decision`);
    return Buffer.byteLength(JSON.stringify(payload));
  };
}

/**
 * A repository holding `files` in a base commit, with Trail set up for Codex (`trail init
 * --agents codex`, its own CODEX_HOME) and the set-up left uncommitted. Both are removed by
 * `cleanups`.
 */
export async function codexRepo(
  cleanups: Array<() => void>,
  files: Record<string, string>,
): Promise<{ repo: TempRepo; codexHome: string }> {
  const codexHome = tempDir('trail-codex-home-');
  const repo = tempRepo();
  cleanups.push(
    () => repo.cleanup(),
    () => rmSync(codexHome, { recursive: true, force: true }),
  );
  for (const [path, text] of Object.entries(files)) repo.write(path, text);
  // A minute before `trail init`, so the base is history from before Trail (its lines
  // `unknown`) whatever second the two fall in: in the same second it would count as tracked.
  const before = new Date(Date.now() - 60_000).toISOString();
  repo.git('add', '-A');
  const base = spawnSync('git', ['commit', '-q', '-m', 'base'], {
    cwd: repo.dir,
    env: { ...gitEnv, GIT_AUTHOR_DATE: before, GIT_COMMITTER_DATE: before },
  });
  assert.equal(base.status, 0, String(base.stderr));
  const init = await trailWithEnv(repo.dir, { CODEX_HOME: codexHome }, 'init', '--yes', '--agents', 'codex');
  assert.equal(init.code, 0, init.stderr);
  return { repo, codexHome };
}

/** codexRepo with the base of the file the Codex fixtures patch (test/fixtures/codex/rollout.jsonl). */
export function codexFixtureRepo(
  cleanups: Array<() => void>,
): Promise<{ repo: TempRepo; codexHome: string }> {
  return codexRepo(cleanups, {
    'src/upload.rs': 'pub fn upload(req: Request) {\n    store(req.into_body())\n}\n',
  });
}
