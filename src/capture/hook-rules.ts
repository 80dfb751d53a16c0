/**
 * The redaction rules of a repository as hooks read them: `.trail/config.json` parsed without
 * zod (a hook runs on every tool call), its `redact.patterns` first, then the built-in rules.
 * Apart from the hook runner so that the hooks' failure paths (recording a capture gap) can
 * load it without the rest of the runner.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonSyntaxReason } from '../core/canonical-json.js';
import { TrailError } from '../core/errors.js';
import type { RedactionRule } from '../core/redact.js';
import { BUILTIN_RULES, compileRules } from '../core/redact.js';
import type { Repo } from '../ledger/repo.js';

interface RawConfig {
  redact?: { patterns?: Array<{ id: string; pattern: string }> };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * `.trail/config.json` as far as a hook needs it, read without zod (hooks must stay cheap). No
 * file means no settings of the repository's own. A file that is there but cannot be read,
 * parsed or holds `redact.patterns` that are not a list throws: its patterns are unknown, and
 * redacting with the built-in rules alone would write what they were meant to remove.
 */
function loadRawConfig(repo: Repo): RawConfig {
  const path = join(repo.configDir, 'config.json');
  const unreadable = (why: string) =>
    new TrailError(
      'INPUT_INVALID',
      `.trail/config.json ${why}, so its redact.patterns cannot be applied; fix the file`,
    );
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    throw unreadable(`cannot be read (${code ?? (error as Error).message})`);
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw unreadable(`is not valid JSON (${jsonSyntaxReason(error)})`);
  }
  if (!isObject(config)) throw unreadable('is not a JSON object');
  const redact = config.redact;
  if (
    redact !== undefined &&
    (!isObject(redact) || (redact.patterns !== undefined && !Array.isArray(redact.patterns)))
  )
    throw unreadable('has a "redact" that is not { "patterns": [...] }');
  return config as RawConfig;
}

/**
 * The rules a hook redacts with: the repository's `redact.patterns`, then the built-in rules
 * (compileRules orders them, as everywhere else). Throws when the config cannot be read or a
 * pattern does not compile: see runAgentHook for what a hook does then.
 */
export function hookRules(repo: Repo): RedactionRule[] {
  const patterns = loadRawConfig(repo).redact?.patterns;
  return patterns?.length ? compileRules(patterns) : BUILTIN_RULES;
}

/**
 * The rules to redact a capture gap with: the repository's when its config can be read, else
 * the built-in ones (the gap may be about that very config), never none.
 */
export function gapRules(repo: Repo): readonly RedactionRule[] {
  try {
    return hookRules(repo);
  } catch {
    return BUILTIN_RULES;
  }
}
