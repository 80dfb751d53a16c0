/**
 * `trail init --agents` and `trail uninstall` on a repository whose agent settings already hold
 * the user's own hooks (test/fixtures/<agent>/*-with-user-hooks.*): installing twice changes
 * nothing the second time and keeps every hook of the user's; uninstalling puts every file back
 * byte for byte, or takes out only Trail's part when someone else changed the file too.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseAgentList, RULES_BEGIN, RULES_END, shellCommand } from '../../src/capture/install-agents.js';
import { sessionKey } from '../../src/capture/spool.js';
import { installedCommand, runShellHook, trailWithEnv } from '../helpers/agent-hooks.js';
import { TRAIL_BIN } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { git, gitEnv, tempDir, tempRepo } from '../helpers/temp-repo.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const fixture = (path: string) => readFileSync(join(FIXTURES, path));
const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups) c();
});

/** Every file `trail init --agents` may write, repository-relative (codex: under CODEX_HOME). */
const REPO_FILES = [
  '.claude/settings.json',
  '.mcp.json',
  'CLAUDE.md',
  '.gemini/settings.json',
  'GEMINI.md',
  '.cursor/hooks.json',
  '.cursor/mcp.json',
  'AGENTS.md',
];

/** A user's .mcp.json in their own formatting, which only a byte-for-byte restore keeps. */
const USER_MCP =
  '{ "mcpServers": { "github": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"] } } }';
const USER_CLAUDE_MD = '# Project notes\n\nUse pnpm, never npm.\n';

interface World {
  repo: TempRepo;
  codexHome: string;
  env: NodeJS.ProcessEnv;
}

function world(codexConfig: Buffer | undefined): World {
  const repo = tempRepo();
  const codexHome = join(tempDir('trail-codex-'), 'codex-home');
  cleanups.push(repo.cleanup, () => rmSync(dirname(codexHome), { recursive: true, force: true }));
  const put = (path: string, bytes: Buffer | string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  };
  put(join(repo.dir, '.claude/settings.json'), fixture('claude-code/settings-with-user-hooks.json'));
  put(join(repo.dir, '.gemini/settings.json'), fixture('gemini-cli/settings-with-user-hooks.json'));
  put(join(repo.dir, '.cursor/hooks.json'), fixture('cursor/hooks-with-user-hooks.json'));
  put(join(repo.dir, '.mcp.json'), USER_MCP);
  put(join(repo.dir, 'CLAUDE.md'), USER_CLAUDE_MD);
  if (codexConfig) put(join(codexHome, 'config.toml'), codexConfig);
  repo.commit('the user’s own agent settings');
  return { repo, codexHome, env: { CODEX_HOME: codexHome } };
}

/** path -> bytes (or undefined: no file) of every file Trail may touch. */
function snapshot(w: World): Map<string, string | undefined> {
  const paths = [...REPO_FILES.map((p) => join(w.repo.dir, p)), join(w.codexHome, 'config.toml')];
  return new Map(paths.map((p) => [p, existsSync(p) ? readFileSync(p).toString('base64') : undefined]));
}

/** A settings document as JSON.parse returns it: tests read it loosely. */
type Parsed = ReturnType<typeof JSON.parse>;

function json(w: World, path: string): Parsed {
  return JSON.parse(readFileSync(join(w.repo.dir, path), 'utf8'));
}

/** What committed files run: the clone's `git trail` alias (Claude Code starts it in the project). */
const claudeCommand = 'git -C "$CLAUDE_PROJECT_DIR" trail';
const sharedCommand = 'git trail';
const sharedMcp = { command: 'git', args: ['trail', 'mcp'] };
/** What per-user files (Codex's config.toml) run: this Node and this checkout's bin/trail. */
const trailCommand = shellCommand([process.execPath, TRAIL_BIN]);

function assertUserHooksKept(w: World): void {
  const claude = json(w, '.claude/settings.json');
  const claudeUser = JSON.parse(fixture('claude-code/settings-with-user-hooks.json').toString());
  for (const [event, groups] of Object.entries(claudeUser.hooks as Record<string, unknown[]>)) {
    for (const group of groups)
      assert.ok(
        claude.hooks[event].some((g: unknown) => isDeepEqual(g, group)),
        `Claude ${event}`,
      );
  }
  for (const key of ['model', 'permissions', 'env', '$schema'])
    assert.deepEqual(claude[key], claudeUser[key]);
  const claudeTrail = Object.values(claude.hooks as Record<string, Parsed[]>)
    .flat()
    .flatMap((g) => g.hooks)
    .filter((h: Parsed) => h.command.startsWith(`${claudeCommand} hook claude-code `));
  assert.equal(claudeTrail.length, 9, 'one Trail hook per Claude Code event');

  const gemini = json(w, '.gemini/settings.json');
  const geminiUser = JSON.parse(fixture('gemini-cli/settings-with-user-hooks.json').toString());
  assert.deepEqual(gemini.hooks.disabled, geminiUser.hooks.disabled);
  for (const event of ['BeforeTool', 'AfterTool']) {
    for (const group of geminiUser.hooks[event])
      assert.ok(gemini.hooks[event].some((g: unknown) => isDeepEqual(g, group)));
  }
  assert.deepEqual(gemini.general, geminiUser.general);
  assert.deepEqual(gemini.model, geminiUser.model);
  assert.deepEqual(gemini.mcpServers.trail, sharedMcp);

  const cursor = json(w, '.cursor/hooks.json');
  const cursorUser = JSON.parse(fixture('cursor/hooks-with-user-hooks.json').toString());
  for (const [event, entries] of Object.entries(cursorUser.hooks as Record<string, unknown[]>)) {
    for (const entry of entries)
      assert.ok(
        cursor.hooks[event].some((e: unknown) => isDeepEqual(e, entry)),
        `Cursor ${event}`,
      );
  }
  assert.ok(
    cursor.hooks.afterFileEdit.some(
      (e: Parsed) => e.command === `${sharedCommand} hook cursor afterFileEdit`,
    ),
  );

  const mcp = json(w, '.mcp.json');
  assert.deepEqual(mcp.mcpServers.github, JSON.parse(USER_MCP).mcpServers.github);
  assert.deepEqual(mcp.mcpServers.trail, sharedMcp);
  assert.deepEqual(json(w, '.cursor/mcp.json').mcpServers.trail, sharedMcp);

  const claudeMd = readFileSync(join(w.repo.dir, 'CLAUDE.md'), 'utf8');
  assert.ok(claudeMd.startsWith(USER_CLAUDE_MD), 'the user’s CLAUDE.md text stays first');
  for (const file of ['CLAUDE.md', 'GEMINI.md', 'AGENTS.md']) {
    const text = readFileSync(join(w.repo.dir, file), 'utf8');
    assert.equal(text.split(RULES_BEGIN).length, 2, `${file}: one Trail block`);
    assert.match(text, /decision/);
    assert.match(text, /rejected/);
    assert.match(text, /risks/);
    assert.match(text, /`trail` MCP server/);
    assert.ok(text.trimEnd().endsWith(RULES_END));
  }
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

describe('trail init --agents / trail uninstall', () => {
  test('all, twice, keeps the user’s hooks; uninstall restores every file byte for byte', async () => {
    const w = world(fixture('codex/config.toml'));
    const original = snapshot(w);

    const first = await trailWithEnv(w.repo.dir, w.env, 'init', '--yes', '--agents', 'all');
    assert.equal(first.code, 0, first.stderr);
    assertUserHooksKept(w);
    const installed = snapshot(w);
    for (const path of REPO_FILES) assert.ok(installed.get(join(w.repo.dir, path)), `${path} written`);
    // `all` is the agents configured in the repository; Codex's user-level config needs asking for.
    assert.equal(
      installed.get(join(w.codexHome, 'config.toml')),
      original.get(join(w.codexHome, 'config.toml')),
    );
    assert.match(first.stderr, /--agents codex/);
    const manifest = readFileSync(join(w.repo.dir, '.git/trail/backup/manifest.json'));

    const second = await trailWithEnv(w.repo.dir, w.env, 'init', '--yes', '--agents', 'all');
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(snapshot(w), installed, 'a second init changes no file');
    assert.deepEqual(readFileSync(join(w.repo.dir, '.git/trail/backup/manifest.json')), manifest);
    assert.match(second.stderr, /Claude Code: already set up/);

    const codex = await trailWithEnv(w.repo.dir, w.env, 'init', '--yes', '--agents', 'codex');
    assert.equal(codex.code, 0, codex.stderr);
    const toml = readFileSync(join(w.codexHome, 'config.toml'), 'utf8');
    assert.ok(
      toml.startsWith(fixture('codex/config.toml').toString().split('\n# MCP servers')[0]!.split('\n[')[0]!),
    );
    const notify = /^notify = (\[.*\])$/m.exec(toml);
    assert.ok(notify, toml);
    assert.deepEqual(JSON.parse(notify[1]!), [process.execPath, TRAIL_BIN, 'hook', 'codex', 'notify']);
    assert.match(toml, /\[profiles\.fast\]\nmodel = "gpt-5-codex-mini"\nnotify = \["not", "top-level"\]/);

    const removed = await trailWithEnv(w.repo.dir, w.env, 'uninstall');
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(snapshot(w), original, 'every file as it was, and no file Trail made');
    for (const dir of ['.cursor', '.gemini', '.claude'])
      assert.ok(existsSync(join(w.repo.dir, dir)), `${dir} was the user's`);
    assert.ok(!existsSync(join(w.repo.dir, '.git/trail/backup')), 'the backup goes with the install');
    // Only .trail/ (keys and config, records by design) is left of Trail in the working tree.
    assert.equal(w.repo.git('status', '--porcelain'), '?? .trail/', 'the working tree is as committed');
  });

  test('a user’s own Codex notify is not replaced: one line says so and how to chain', async () => {
    const w = world(fixture('codex/config-with-user-notify.toml'));
    const before = snapshot(w);
    const result = await trailWithEnv(w.repo.dir, w.env, 'init', '--yes', '--agents', 'codex');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      readFileSync(join(w.codexHome, 'config.toml'), 'utf8'),
      fixture('codex/config-with-user-notify.toml').toString(),
    );
    const lines = result.stderr.split('\n').filter((l) => l.includes('notify'));
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /python3 \/home\/dev\/\.codex\/notify\.py/);
    assert.match(lines[0]!, /did not replace/);
    assert.ok(lines[0]!.includes(`${trailCommand} hook codex notify`), 'names the command to chain');
    // AGENTS.md still gets the instruction for Codex.
    assert.ok(readFileSync(join(w.repo.dir, 'AGENTS.md'), 'utf8').includes(RULES_BEGIN));
    const removed = await trailWithEnv(w.repo.dir, w.env, 'uninstall');
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(snapshot(w), before);
  });

  test('Codex with no config yet: CODEX_HOME and config.toml are made, and removed again', async () => {
    const w = world(undefined);
    const result = await trailWithEnv(w.repo.dir, w.env, 'init', '--yes', '--agents', 'codex');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      readFileSync(join(w.codexHome, 'config.toml'), 'utf8'),
      `notify = ${JSON.stringify([process.execPath, TRAIL_BIN, 'hook', 'codex', 'notify']).replace(/","/g, '", "')}\n`,
    );
    assert.equal((await trailWithEnv(w.repo.dir, w.env, 'uninstall')).code, 0);
    assert.ok(!existsSync(w.codexHome), 'the folder Trail made for the config is gone');
  });

  test("uninstall in one repository says Codex's notify was per user; status in another says it is gone", async () => {
    const a = world(fixture('codex/config.toml'));
    const b = world(undefined);
    // Both clones on one machine: one CODEX_HOME, one config.toml.
    const env = a.env;
    assert.equal((await trailWithEnv(a.repo.dir, env, 'init', '--yes', '--agents', 'codex')).code, 0);
    assert.equal((await trailWithEnv(b.repo.dir, env, 'init', '--yes', '--agents', 'codex')).code, 0);
    const fine = await trailWithEnv(b.repo.dir, env, 'status', '--json');
    assert.deepEqual(JSON.parse(fine.stdout).captureGone, []);

    const removed = await trailWithEnv(a.repo.dir, env, 'uninstall');
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(
      removed.stderr,
      /^note: Codex's notify is per user: no repository on this machine has Trail capture Codex now; run `trail init --agents codex`/m,
    );

    const status = await trailWithEnv(b.repo.dir, env, 'status');
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stderr,
      /^problem: \S+config\.toml no longer runs Trail as Codex's notify program .*run `trail init --agents codex` to put it back$/m,
    );
    assert.equal((await trailWithEnv(b.repo.dir, env, 'init', '--yes', '--agents', 'codex')).code, 0);
    assert.deepEqual(
      JSON.parse((await trailWithEnv(b.repo.dir, env, 'status', '--json')).stdout).captureGone,
      [],
    );
  });

  test('files changed since: uninstall takes out only Trail’s entries, and deletes files left empty', async () => {
    const w = world(fixture('codex/config.toml'));
    const original = snapshot(w);
    assert.equal((await trailWithEnv(w.repo.dir, w.env, 'init', '--yes', '--agents', 'all,codex')).code, 0);
    // The user adds a hook of their own next to Trail's, writes in AGENTS.md (which Trail
    // made), reformats .cursor/mcp.json (only Trail's server in it) and adds a Codex key.
    const claude = json(w, '.claude/settings.json');
    claude.hooks.Stop.push({ hooks: [{ type: 'command', command: 'say done' }] });
    writeFileSync(join(w.repo.dir, '.claude/settings.json'), JSON.stringify(claude));
    writeFileSync(
      join(w.repo.dir, 'AGENTS.md'),
      `# Agents\n\n${readFileSync(join(w.repo.dir, 'AGENTS.md'), 'utf8')}`,
    );
    writeFileSync(join(w.repo.dir, '.cursor/mcp.json'), JSON.stringify(json(w, '.cursor/mcp.json')));
    const tomlPath = join(w.codexHome, 'config.toml');
    writeFileSync(tomlPath, `${readFileSync(tomlPath, 'utf8')}\n[tui]\nnotifications = true\n`);

    const removed = await trailWithEnv(w.repo.dir, w.env, 'uninstall', '--json');
    assert.equal(removed.code, 0, removed.stderr);
    const report = JSON.parse(removed.stdout).agents;
    assert.deepEqual(report.failed, []);
    assert.deepEqual(
      [...report.cleaned].sort(),
      ['.claude/settings.json', '.cursor/mcp.json', 'AGENTS.md', tomlPath].sort(),
    );

    const after = json(w, '.claude/settings.json');
    const userFixture = JSON.parse(fixture('claude-code/settings-with-user-hooks.json').toString());
    assert.deepEqual(after, {
      ...userFixture,
      hooks: { ...userFixture.hooks, Stop: [{ hooks: [{ type: 'command', command: 'say done' }] }] },
    });
    assert.equal(readFileSync(join(w.repo.dir, 'AGENTS.md'), 'utf8'), '# Agents\n');
    assert.ok(
      !existsSync(join(w.repo.dir, '.cursor/mcp.json')),
      'left with nothing but Trail’s server: deleted',
    );
    const toml = readFileSync(tomlPath, 'utf8');
    assert.doesNotMatch(toml.split('\n[')[0]!, /^notify =/m, 'no root notify left');
    assert.equal(toml, `${fixture('codex/config.toml').toString()}\n[tui]\nnotifications = true\n`);
    // Untouched files are back byte for byte.
    for (const path of [
      '.gemini/settings.json',
      '.cursor/hooks.json',
      '.mcp.json',
      'CLAUDE.md',
      'GEMINI.md',
    ]) {
      assert.equal(snapshot(w).get(join(w.repo.dir, path)), original.get(join(w.repo.dir, path)), path);
    }
  });

  test('committed files name no path of this machine: they run `git trail`, which the clone points at its own Trail', async () => {
    const w = world(undefined);
    assert.equal((await trailWithEnv(w.repo.dir, w.env, 'init', '--yes', '--agents', 'all')).code, 0);
    for (const file of [...REPO_FILES, '.git/hooks/post-commit']) {
      const text = readFileSync(join(w.repo.dir, file), 'utf8');
      const local = file.startsWith('.git/');
      assert.equal(text.includes(TRAIL_BIN), local, `${file} ${local ? 'names' : 'does not name'} bin/trail`);
    }
    const alias = w.repo.git('config', '--local', '--get', 'alias.trail');
    assert.ok(alias.includes(TRAIL_BIN) && alias.includes(process.execPath), alias);
    // From a subfolder, `git trail` runs this Trail there: relative paths keep their meaning.
    w.repo.write('src/deep/a.ts', 'export const a = 1;\n');
    const sub = join(w.repo.dir, 'src/deep');
    const version = spawnSync('git', ['trail', '--version'], { cwd: sub, encoding: 'utf8' });
    assert.equal(version.status, 0);
    assert.match(version.stderr, /^\d+\.\d+\.\d+\n$/);
    assert.equal(version.stderr, (await trailWithEnv(sub, w.env, '--version')).stderr);
    const pwd = execFileSync(
      'git',
      ['-c', `alias.here=${alias.replace(/'[^']*' '[^']*'$/, 'pwd')}`, 'here'],
      {
        cwd: sub,
        encoding: 'utf8',
      },
    );
    assert.equal(pwd.trim(), realpathSync(sub));

    // A teammate's clone: the same files, and its own init changes none of them.
    w.repo.commit('Trail for the team');
    const teammate = tempDir('trail-teammate-');
    cleanups.push(() => rmSync(teammate, { recursive: true, force: true }));
    execFileSync('git', ['clone', '-q', w.repo.dir, teammate], { env: gitEnv });
    assert.equal((await trailWithEnv(teammate, w.env, 'init', '--yes', '--agents', 'all')).code, 0);
    const changed = git(teammate, 'status', '--porcelain').split('\n');
    assert.ok(
      changed.every((line) => line.startsWith('?? .trail/keys/')),
      `only the teammate's key is new: ${changed}`,
    );
    assert.match(git(teammate, 'config', '--get', 'alias.trail'), /trail'$/);

    // A linked worktree (where parallel agents work) shares the clone's config, so the
    // committed hook reaches Trail there too, and records into the clone's spool.
    const tree = join(tempDir('trail-worktree-'), 'agent-1');
    cleanups.push(() => rmSync(dirname(tree), { recursive: true, force: true }));
    w.repo.git('worktree', 'add', '-q', '-b', 'agent-1', tree);
    const sessionId = 'b7d5c7e2-0c1f-4c53-9a44-1f2e3d4c5b6a';
    const prompt = JSON.stringify({
      session_id: sessionId,
      transcript_path: join(tree, '.none.jsonl'),
      cwd: tree,
      hook_event_name: 'UserPromptSubmit',
      prompt: 'limit refunds per merchant',
    });
    const hook = installedCommand(tree, 'claude-code', 'UserPromptSubmit');
    assert.ok(hook);
    const ran = runShellHook(hook, prompt, { cwd: join(tree, 'src'), env: { CLAUDE_PROJECT_DIR: tree } });
    assert.equal(ran.code, 0, ran.stderr);
    const spooled = join(
      w.repo.dir,
      '.git/trail/spool/sessions',
      `${sessionKey('claude-code', sessionId)}.jsonl`,
    );
    assert.match(readFileSync(spooled, 'utf8'), /limit refunds per merchant/);

    const removed = await trailWithEnv(w.repo.dir, w.env, 'uninstall');
    assert.match(removed.stderr, /the `git trail` alias/);
    assert.equal(spawnSync('git', ['config', '--get', 'alias.trail'], { cwd: w.repo.dir }).status, 1);
    const status = await trailWithEnv(w.repo.dir, w.env, 'status');
    assert.match(status.stderr, /`git trail` is not defined in this clone/);
    assert.equal(JSON.parse((await trailWithEnv(teammate, w.env, 'status', '--json')).stdout).alias, 'this');
    // Node or the checkout moved since init: status says so, and init points the alias back.
    git(teammate, 'config', 'alias.trail', alias.replace(TRAIL_BIN, '/old/checkout/bin/trail'));
    assert.match(
      (await trailWithEnv(teammate, w.env, 'status')).stderr,
      /`git trail` runs another Node or Trail/,
    );
    assert.equal((await trailWithEnv(teammate, w.env, 'init', '--yes')).code, 0);
    assert.equal(git(teammate, 'config', 'alias.trail'), alias);
  });

  test('an alias of the user’s named trail stays: the agent files get the absolute command, and init says so', async () => {
    const w = world(undefined);
    w.repo.git('config', 'alias.trail', '!echo mine');
    const result = await trailWithEnv(w.repo.dir, w.env, 'init', '--yes', '--agents', 'claude-code');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /already has an alias named "trail"/);
    assert.equal(w.repo.git('config', '--get', 'alias.trail'), '!echo mine');
    const start = json(w, '.claude/settings.json').hooks.SessionStart.at(-1).hooks[0].command as string;
    assert.equal(start, `${trailCommand} hook claude-code SessionStart`);
    // Node and bin/trail are quoted for the shell wherever they need it.
    const quoted = shellCommand(['/opt/my node/bin/node', "/srv/it's here/bin/trail", 'hook']);
    assert.equal(quoted, `'/opt/my node/bin/node' '/srv/it'\\''s here/bin/trail' hook`);
    const words = execFileSync('/bin/sh', ['-c', `printf '%s\\n' ${quoted}`], { encoding: 'utf8' });
    assert.equal(words, "/opt/my node/bin/node\n/srv/it's here/bin/trail\nhook\n");
    assert.equal((await trailWithEnv(w.repo.dir, w.env, 'uninstall')).code, 0);
    assert.equal(w.repo.git('config', '--get', 'alias.trail'), '!echo mine', 'uninstall keeps it too');
  });

  test('an unknown agent stops init before anything changes', async () => {
    const w = world(undefined);
    const before = snapshot(w);
    const result = await trailWithEnv(w.repo.dir, w.env, 'init', '--yes', '--agents', 'claude-code,copilot');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^trail: unknown agent "copilot"/);
    assert.deepEqual(snapshot(w), before);
    assert.ok(!existsSync(join(w.repo.dir, '.git/trail')), 'not even the writer key');
  });

  test('the short names trail import takes (claude, gemini) name the same agents', () => {
    assert.deepEqual(parseAgentList('gemini,claude'), ['claude-code', 'gemini-cli']);
    assert.deepEqual(parseAgentList('claude,claude-code'), ['claude-code']);
    assert.throws(() => parseAgentList('claud'), /unknown agent "claud" in --agents/);
  });

  test('agent settings Trail cannot edit stop init before anything changes, not half-way', async () => {
    const w = world(undefined);
    w.repo.write('.gemini/settings.json', '{\n  // the team’s theme\n  "theme": "dark"\n}\n');
    const before = snapshot(w);
    const configBefore = w.repo.git('config', '--local', '--list');
    const result = await trailWithEnv(w.repo.dir, w.env, 'init', '--yes', '--agents', 'gemini-cli');
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^trail: \.gemini\/settings\.json is not plain JSON [^\n]*remove comments or fix it, then try again\n$/,
    );
    assert.deepEqual(snapshot(w), before);
    assert.ok(!existsSync(join(w.repo.dir, '.git/trail')), 'not even the writer key');
    assert.equal(w.repo.git('config', '--local', '--list'), configBefore, 'no alias, no refspecs');
    assert.ok(!existsSync(join(w.repo.dir, '.git/hooks/post-commit')), 'no git hook either');
  });
});
