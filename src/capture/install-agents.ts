/**
 * Puts Trail into coding agents' own settings, and takes it out again.
 *
 * Per agent: its hooks (Claude Code `.claude/settings.json`, Gemini CLI `.gemini/settings.json`,
 * Cursor `.cursor/hooks.json`, Codex the user's `config.toml` `notify`), the `trail` MCP server
 * where the agent reads one from the repository (`.mcp.json`, `.gemini/settings.json`,
 * `.cursor/mcp.json`), and a short instruction in its rules file (CLAUDE.md, GEMINI.md,
 * AGENTS.md) between marker comments. Each file is merged, never replaced: the user's own hooks
 * and settings stay, and the per-agent functions in `agents/*.ts` decide what is Trail's.
 *
 * Before Trail first changes a file it keeps the original bytes (or the fact that there was no
 * file) under `<git dir>/trail/backup/`. Uninstalling puts those bytes back when nothing but
 * Trail touched the file since; otherwise it removes only Trail's entries and leaves the rest
 * of what is there now.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { jsonSyntaxReason } from '../core/canonical-json.js';
import { TrailError } from '../core/errors.js';
import { PORTABLE_COMMAND } from '../git/trail-alias.js';
import { workTreePath } from '../git/work-tree-path.js';
import type { Repo } from '../ledger/repo.js';
import { installClaudeHooks, uninstallClaudeHooks } from './agents/claude-code.js';
import {
  codexNotifyConflict,
  hasTrailNotify,
  installCodexNotify,
  uninstallCodexNotify,
} from './agents/codex.js';
import { installCursorHooks, uninstallCursorHooks } from './agents/cursor.js';
import { installGeminiHooks, uninstallGeminiHooks } from './agents/gemini-cli.js';

export const INSTALLABLE_AGENTS = ['claude-code', 'codex', 'gemini-cli', 'cursor'] as const;
export type InstallableAgent = (typeof INSTALLABLE_AGENTS)[number];

/** What `all` means: the agents configured inside the repository. Codex's config is the user's own. */
export const REPO_AGENTS: readonly InstallableAgent[] = ['claude-code', 'gemini-cli', 'cursor'];

const AGENT_NAMES: Record<InstallableAgent, string> = {
  'claude-code': 'Claude Code',
  codex: 'Codex',
  'gemini-cli': 'Gemini CLI',
  cursor: 'Cursor',
};

/** How Trail edits a file, and how it takes its part out again. */
type FileKind =
  | 'claude-settings'
  | 'gemini-settings'
  | 'cursor-hooks'
  | 'codex-config'
  | 'mcp-json'
  | 'rules-file';

/** The short names `trail import` takes too (`claude`, `gemini`). */
const AGENT_ALIASES: Readonly<Record<string, InstallableAgent>> = {
  claude: 'claude-code',
  gemini: 'gemini-cli',
};

/** `claude-code,cursor`, `all`, or `all,codex` into a list of agents, in a fixed order. */
export function parseAgentList(text: string): InstallableAgent[] {
  const wanted = new Set<InstallableAgent>();
  for (const word of text
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean)) {
    if (word === 'all') for (const a of REPO_AGENTS) wanted.add(a);
    else if ((INSTALLABLE_AGENTS as readonly string[]).includes(word)) wanted.add(word as InstallableAgent);
    else if (AGENT_ALIASES[word]) wanted.add(AGENT_ALIASES[word]);
    else
      throw new TrailError(
        'USAGE',
        `unknown agent "${word}" in --agents: use ${INSTALLABLE_AGENTS.join(', ')} or all`,
      );
  }
  if (wanted.size === 0)
    throw new TrailError('USAGE', `--agents needs a list: ${INSTALLABLE_AGENTS.join(',')} or all`);
  return INSTALLABLE_AGENTS.filter((a) => wanted.has(a));
}

// --- The command line hooks run ----------------------------------------------------------------

/** Quotes one word for a POSIX shell, only where it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

// --- Rules files ---------------------------------------------------------------------------------

export const RULES_BEGIN = '<!-- trail:begin (added by `trail init`; `trail uninstall` removes it) -->';
export const RULES_END = '<!-- trail:end -->';

const RULES_TEXT = `## Audit trail (Trail)

Changes in this repository are recorded with Trail, an audit trail for AI-written code. Hooks
already capture prompts, commands and file edits; what only you know must come from you. As
you work, record it with the tools of the \`trail\` MCP server, when it happens:

- each decision you make, and why (\`record_decision\`);
- the constraints you found: requirements, limits, conventions the change must keep
  (\`record_constraint\`);
- the alternatives you considered and rejected, each with the reason (\`record_alternative\`);
- the risks you see in the change, and what would reduce them (\`record_risk\`);
- the context you used: files, documents, tickets and URLs that shaped the change
  (\`record_context\`).

Keep each entry short and factual. Never put secret values (keys, tokens, passwords) in them.`;

const RULES_BLOCK = `${RULES_BEGIN}\n${RULES_TEXT}\n${RULES_END}\n`;

function blockBounds(text: string): { start: number; end: number } | undefined {
  const start = text.indexOf(RULES_BEGIN);
  if (start < 0) return undefined;
  const close = text.indexOf(RULES_END, start);
  if (close < 0) return undefined;
  let end = close + RULES_END.length;
  if (text[end] === '\r') end++;
  if (text[end] === '\n') end++;
  return { start, end };
}

/** Adds (or refreshes) Trail's block at the end of a rules file, after a blank line. */
export function installRules(text: string | undefined): string {
  const current = text ?? '';
  const bounds = blockBounds(current);
  if (bounds) return current.slice(0, bounds.start) + RULES_BLOCK + current.slice(bounds.end);
  if (current.trim().length === 0) return RULES_BLOCK;
  const separator = current.endsWith('\n\n') ? '' : current.endsWith('\n') ? '\n' : '\n\n';
  return current + separator + RULES_BLOCK;
}

/** Removes Trail's block and the blank line before it; undefined when nothing else is left. */
export function uninstallRules(text: string): string | undefined {
  const bounds = blockBounds(text);
  if (!bounds) return text.trim().length === 0 ? undefined : text;
  let before = text.slice(0, bounds.start);
  const after = text.slice(bounds.end);
  if (after.length === 0 && before.endsWith('\n\n')) before = before.slice(0, -1);
  const result = before + after;
  return result.trim().length === 0 ? undefined : result;
}

// --- MCP server entries ({"mcpServers": {"trail": {...}}}) ----------------------------------------

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJsonObject(text: string | undefined, where: string): JsonObject {
  if (text === undefined || text.trim().length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TrailError(
      'INPUT_INVALID',
      `${where} is not valid JSON (${jsonSyntaxReason(error)}): fix it, then run trail init again`,
    );
  }
  if (!isObject(parsed)) throw new TrailError('INPUT_INVALID', `${where} must hold a JSON object`);
  return parsed;
}

/** Trail's own entry: it runs `<bin/trail> mcp`. A user's other server named `trail` is left alone. */
function isTrailServer(value: unknown): boolean {
  return (
    isObject(value) &&
    Array.isArray(value.args) &&
    value.args.length >= 2 &&
    value.args[value.args.length - 1] === 'mcp' &&
    typeof value.args[value.args.length - 2] === 'string' &&
    /(^|[/\\])trail$/.test(value.args[value.args.length - 2] as string)
  );
}

export function installMcpServer(
  text: string | undefined,
  command: readonly string[],
  where: string,
): string {
  const doc = parseJsonObject(text, where);
  if (doc.mcpServers !== undefined && !isObject(doc.mcpServers))
    throw new TrailError('INPUT_INVALID', `"mcpServers" in ${where} must be an object`);
  const servers = (doc.mcpServers as JsonObject | undefined) ?? {};
  if (servers.trail !== undefined && !isTrailServer(servers.trail)) return text ?? '';
  const [program, ...args] = command;
  servers.trail = { command: program, args: [...args, 'mcp'] };
  doc.mcpServers = servers;
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Removes Trail's server; undefined when the document is then empty. */
export function uninstallMcpServer(text: string, where: string): string | undefined {
  const doc = parseJsonObject(text, where);
  const servers = doc.mcpServers;
  if (!isObject(servers) || !isTrailServer(servers.trail))
    return Object.keys(doc).length === 0 ? undefined : text;
  delete servers.trail;
  if (Object.keys(servers).length === 0) delete doc.mcpServers;
  return Object.keys(doc).length === 0 ? undefined : `${JSON.stringify(doc, null, 2)}\n`;
}

// --- Files per agent -----------------------------------------------------------------------------

interface FilePlan {
  path: string;
  kind: FileKind;
  agent: InstallableAgent;
  /** What Trail wants the file to say, given what it says now (undefined: no file). */
  install: (text: string | undefined) => string;
}

/** `$CODEX_HOME`, else `~/.codex` (FORMATS.md §4.3). */
export function codexHome(env: NodeJS.ProcessEnv): string {
  return env.CODEX_HOME ? resolve(env.CODEX_HOME) : join(env.HOME || homedir(), '.codex');
}

/**
 * How agents call Trail. Files inside the repository are committed and shared, so they use
 * `shared` (`git trail`, see git/trail-alias.ts); Codex's per-user config uses `local`, this
 * clone's own Node and bin/trail.
 */
export interface TrailCommands {
  shared: readonly string[];
  local: readonly string[];
}

/**
 * Claude Code runs hooks in the session's current folder, which the agent can move; it names
 * the project in CLAUDE_PROJECT_DIR, so `git trail` is asked to start there (`-C ""`, when a
 * version does not set it, leaves the folder as it is).
 */
function claudeHookCommand(command: readonly string[]): string {
  if (command.join(' ') !== PORTABLE_COMMAND.join(' ')) return shellCommand(command);
  const [git, ...rest] = PORTABLE_COMMAND;
  return `${git} -C "$CLAUDE_PROJECT_DIR" ${shellCommand(rest)}`;
}

function plans(repo: Repo, agent: InstallableAgent, commands: TrailCommands, env: NodeJS.ProcessEnv) {
  const at = (p: string) => join(repo.workTree, p);
  const command = commands.shared;
  const hook = shellCommand(command);
  const out: FilePlan[] = [];
  switch (agent) {
    case 'claude-code':
      out.push(
        {
          path: at('.claude/settings.json'),
          kind: 'claude-settings',
          agent,
          install: (t) => installClaudeHooks(t, claudeHookCommand(command)),
        },
        {
          path: at('.mcp.json'),
          kind: 'mcp-json',
          agent,
          install: (t) => installMcpServer(t, command, '.mcp.json'),
        },
        { path: at('CLAUDE.md'), kind: 'rules-file', agent, install: installRules },
      );
      break;
    case 'gemini-cli':
      out.push(
        {
          path: at('.gemini/settings.json'),
          kind: 'gemini-settings',
          agent,
          install: (t) => installMcpServer(installGeminiHooks(t, hook), command, '.gemini/settings.json'),
        },
        { path: at('GEMINI.md'), kind: 'rules-file', agent, install: installRules },
      );
      break;
    case 'cursor':
      out.push(
        {
          path: at('.cursor/hooks.json'),
          kind: 'cursor-hooks',
          agent,
          install: (t) => installCursorHooks(t, hook),
        },
        {
          path: at('.cursor/mcp.json'),
          kind: 'mcp-json',
          agent,
          install: (t) => installMcpServer(t, command, '.cursor/mcp.json'),
        },
        { path: at('AGENTS.md'), kind: 'rules-file', agent, install: installRules },
      );
      break;
    case 'codex':
      out.push(
        {
          path: join(codexHome(env), 'config.toml'),
          kind: 'codex-config',
          agent,
          install: (t) => installCodexNotify(t, shellCommand(commands.local)),
        },
        { path: at('AGENTS.md'), kind: 'rules-file', agent, install: installRules },
      );
      break;
  }
  return out;
}

/** Takes Trail's part out of a text; undefined when nothing else is left in it. */
function removeTrail(kind: FileKind, text: string, path: string): string | undefined {
  const where = path;
  switch (kind) {
    case 'claude-settings':
      return uninstallClaudeHooks(text);
    case 'gemini-settings': {
      const rest = uninstallGeminiHooks(text);
      return rest === undefined ? undefined : uninstallMcpServer(rest, where);
    }
    case 'cursor-hooks':
      return uninstallCursorHooks(text);
    case 'codex-config':
      return uninstallCodexNotify(text);
    case 'mcp-json':
      return uninstallMcpServer(text, where);
    case 'rules-file':
      return uninstallRules(text);
  }
}

// --- Backups -------------------------------------------------------------------------------------

interface BackupEntry {
  path: string;
  kind: FileKind;
  agents: InstallableAgent[];
  existed: boolean;
  /** File under backup/files/ with the original bytes, when there was a file. */
  original?: string;
  /** SHA-256 of the bytes Trail last wrote. */
  written: string;
  /** False once someone else changed the file between two of Trail's writes. */
  pristine: boolean;
  /** Folders Trail made for this file, deepest first; removed again when left empty. */
  createdDirs: string[];
  /**
   * A per-user file (Codex's config.toml) that already called Trail when this clone was set
   * up: another repository wrote it, and its uninstall, not this one's, takes it out. Kept so
   * that `trail status` here can say when it stops calling Trail.
   */
  shared?: true;
}

interface Manifest {
  v: 1;
  files: BackupEntry[];
}

function backupDir(repo: Repo): string {
  return join(repo.stateDir, 'backup');
}

function manifestPath(repo: Repo): string {
  return join(backupDir(repo), 'manifest.json');
}

function loadManifest(repo: Repo): Manifest {
  const path = manifestPath(repo);
  if (!existsSync(path)) return { v: 1, files: [] };
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
    if (Array.isArray(parsed.files)) return parsed;
  } catch {
    // Fall through: a damaged manifest is reported, never silently replaced.
  }
  throw new TrailError(
    'INPUT_INVALID',
    `${path} is damaged: Trail cannot tell what to restore; move it aside and check the files it lists`,
  );
}

function saveManifest(repo: Repo, manifest: Manifest): void {
  mkdirSync(backupDir(repo), { recursive: true });
  writeAtomically(manifestPath(repo), `${JSON.stringify(manifest, null, 2)}\n`);
}

function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Writes through a temporary file and a rename, so an agent never reads half a settings file.
 * A symlinked file (dotfile managers link ~/.codex/config.toml) is written where the link
 * points, and the file keeps its mode.
 */
function writeAtomically(path: string, bytes: Buffer | string): void {
  const target = existsSync(path) ? realpathSync(path) : path;
  const mode = existsSync(target) ? statSync(target).mode & 0o7777 : undefined;
  const temp = `${target}.trail-${process.pid}.tmp`;
  writeFileSync(temp, bytes, mode === undefined ? {} : { mode });
  renameSync(temp, target);
}

/** Creates the folders above `path` and returns the ones it made, deepest first. */
function makeParents(path: string): string[] {
  const made: string[] = [];
  let dir = dirname(path);
  while (!existsSync(dir)) {
    made.unshift(dir);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of made) mkdirSync(d);
  return made.reverse();
}

// --- Install -------------------------------------------------------------------------------------

export interface AgentFileResult {
  path: string;
  /** The path relative to the repository, or as given when outside it (Codex). */
  display: string;
  agents: InstallableAgent[];
  status: 'created' | 'updated' | 'unchanged' | 'skipped';
}

export interface AgentInstallResult {
  agents: InstallableAgent[];
  files: AgentFileResult[];
  /** One line each for a person: what Trail left alone and why. */
  notes: string[];
}

function displayPath(repo: Repo, path: string): string {
  return workTreePath(repo.workTree, path) || path;
}

/**
 * Installs Trail into each agent's settings. Running it again with the same commands changes
 * nothing; a changed command (Node or the checkout moved) replaces Trail's entries only.
 */
/**
 * Runs every plan over its file as it is now, writing nothing, so a file Trail cannot edit
 * (settings that are not plain JSON, say with comments) stops `trail init` before it has
 * changed anything, rather than half-way with git hooks already in place.
 */
export function preflightAgents(
  repo: Repo,
  agents: readonly InstallableAgent[],
  commands: TrailCommands,
  env: NodeJS.ProcessEnv,
): void {
  for (const agent of agents) {
    for (const plan of plans(repo, agent, commands, env)) {
      plan.install(existsSync(plan.path) ? readFileSync(plan.path, 'utf8') : undefined);
    }
  }
}

export function installAgents(
  repo: Repo,
  agents: readonly InstallableAgent[],
  commands: TrailCommands,
  env: NodeJS.ProcessEnv,
): AgentInstallResult {
  const manifest = loadManifest(repo);
  const notes: string[] = [];
  const files = new Map<string, AgentFileResult>();
  for (const agent of agents) {
    for (const plan of plans(repo, agent, commands, env)) {
      const existing = files.get(plan.path);
      if (existing) {
        existing.agents.push(agent);
        continue;
      }
      const result: AgentFileResult = {
        path: plan.path,
        display: displayPath(repo, plan.path),
        agents: [agent],
        status: 'unchanged',
      };
      files.set(plan.path, result);
      const before = existsSync(plan.path) ? readFileSync(plan.path) : undefined;
      const text = before?.toString('utf8');
      if (plan.kind === 'codex-config' && text !== undefined) {
        const theirs = codexNotifyConflict(text);
        if (theirs !== undefined) {
          result.status = 'skipped';
          notes.push(
            `Codex already runs your notify program (${theirs}) from ${plan.path}; Trail did not replace it. ` +
              `To chain Trail, have that program also run ${shellCommand([...commands.local, 'hook', 'codex', 'notify'])} ` +
              'with the JSON it received as the last argument.',
          );
          continue;
        }
      }
      const next = plan.install(text);
      if (text === next) {
        if (plan.kind === 'codex-config' && !manifest.files.some((f) => f.path === plan.path)) {
          manifest.files.push({
            path: plan.path,
            kind: plan.kind,
            agents: [agent],
            existed: true,
            written: sha256(next),
            pristine: true,
            createdDirs: [],
            shared: true,
          });
          saveManifest(repo, manifest);
        }
        continue;
      }
      let entry = manifest.files.find((f) => f.path === plan.path);
      if (entry?.shared) {
        // This clone writes it now (another's uninstall took Trail out): it becomes this one's.
        manifest.files.splice(manifest.files.indexOf(entry), 1);
        entry = undefined;
      }
      if (!entry) {
        // First change to this file: keep what was there before anything else happens.
        let original: string | undefined;
        if (before !== undefined) {
          original = `${sha256(plan.path).slice(0, 16)}.orig`;
          mkdirSync(join(backupDir(repo), 'files'), { recursive: true });
          writeFileSync(join(backupDir(repo), 'files', original), before);
        }
        entry = {
          path: plan.path,
          kind: plan.kind,
          agents: [],
          existed: before !== undefined,
          ...(original ? { original } : {}),
          written: '',
          pristine: true,
          createdDirs: [],
        };
        manifest.files.push(entry);
      } else if (before === undefined || sha256(before) !== entry.written) {
        entry.pristine = false;
      }
      if (before === undefined) entry.createdDirs.push(...makeParents(plan.path));
      entry.written = sha256(next);
      for (const a of result.agents) if (!entry.agents.includes(a)) entry.agents.push(a);
      saveManifest(repo, manifest);
      writeAtomically(plan.path, next);
      result.status = before === undefined ? 'created' : 'updated';
    }
  }
  return { agents: [...agents], files: [...files.values()], notes };
}

// --- Uninstall -----------------------------------------------------------------------------------

export interface AgentUninstallResult {
  /** Files put back byte for byte as they were before Trail, or deleted when Trail made them. */
  restored: string[];
  /** Files someone else changed too: only Trail's entries were taken out. */
  cleaned: string[];
  /** Files that could not be handled, with why; their backups are kept. */
  failed: string[];
  /** What else to know: a per-user file serves every repository on this machine. */
  notes: string[];
}

/** An empty document of the kind, for a file that was there before and must stay. */
function emptyText(kind: FileKind): string {
  return kind === 'codex-config' || kind === 'rules-file' ? '' : '{}\n';
}

/**
 * Per-user settings Trail wrote for this repository that no longer call it: Codex's notify
 * lives in one config.toml for every repository, so `trail uninstall` in another one, or an
 * edit, takes it away from this one too. One line each, for `trail status`.
 */
export function perUserCaptureGone(repo: Repo): string[] {
  const gone: string[] = [];
  for (const entry of loadManifest(repo).files) {
    if (entry.kind !== 'codex-config') continue;
    const text = existsSync(entry.path) ? readFileSync(entry.path, 'utf8') : '';
    if (!hasTrailNotify(text))
      gone.push(
        `${entry.path} no longer runs Trail as Codex's notify program (another repository's trail uninstall, or an edit): Codex turns are not captured here; run \`trail init --agents codex\` to put it back`,
      );
  }
  return gone;
}

export function uninstallAgents(repo: Repo): AgentUninstallResult {
  const manifest = loadManifest(repo);
  const result: AgentUninstallResult = { restored: [], cleaned: [], failed: [], notes: [] };
  const kept: BackupEntry[] = [];
  for (const entry of manifest.files) {
    // Another repository's to take out: this one only relied on it.
    if (entry.shared) continue;
    const shown = displayPath(repo, entry.path);
    try {
      const original = entry.original
        ? readFileSync(join(backupDir(repo), 'files', entry.original))
        : undefined;
      if (!existsSync(entry.path)) {
        // Deleted since: there is nothing of Trail's left in it to take out.
      } else {
        const current = readFileSync(entry.path);
        if (entry.pristine && sha256(current) === entry.written) {
          if (original !== undefined) writeAtomically(entry.path, original);
          else rmSync(entry.path);
          result.restored.push(shown);
        } else {
          const text = current.toString('utf8');
          const rest = removeTrail(entry.kind, text, shown);
          if (rest === undefined) {
            if (!entry.existed) rmSync(entry.path);
            else {
              const was = original?.toString('utf8');
              const originalWasEmpty = was !== undefined && removeTrail(entry.kind, was, shown) === undefined;
              writeAtomically(entry.path, originalWasEmpty && original ? original : emptyText(entry.kind));
            }
          } else if (rest !== text) writeAtomically(entry.path, rest);
          result.cleaned.push(shown);
        }
      }
    } catch (error) {
      result.failed.push(`${shown}: ${(error as Error).message}`);
      kept.push(entry);
    }
  }
  // Folders Trail made go when empty, deepest first (two files may share one, like .cursor/).
  const dirs = [...new Set(manifest.files.filter((e) => !kept.includes(e)).flatMap((e) => e.createdDirs))];
  for (const dir of dirs.sort((a, b) => b.length - a.length)) {
    try {
      rmdirSync(dir);
    } catch {
      // Not empty (the user keeps other files there) or already gone: leave it.
    }
  }
  if (manifest.files.some((e) => e.kind === 'codex-config' && !e.shared && !kept.includes(e)))
    result.notes.push(
      "Codex's notify is per user: no repository on this machine has Trail capture Codex now; run `trail init --agents codex` in one that still uses Trail to put it back",
    );
  if (kept.length > 0) saveManifest(repo, { v: 1, files: kept });
  else rmSync(backupDir(repo), { recursive: true, force: true });
  return result;
}

export function agentName(agent: InstallableAgent): string {
  return AGENT_NAMES[agent];
}
