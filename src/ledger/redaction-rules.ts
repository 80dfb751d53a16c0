/** The redaction rules in force in a repository: its own patterns first, then the built-in ones. */
import type { RedactionRule } from '../core/redact.js';
import { BUILTIN_RULES, compileRules } from '../core/redact.js';
import { loadConfig } from './config.js';
import type { Repo } from './repo.js';

export function redactionRules(repo: Repo): RedactionRule[] {
  const patterns = loadConfig(repo).redact.patterns;
  return patterns.length > 0 ? compileRules(patterns) : BUILTIN_RULES;
}
