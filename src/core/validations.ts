/**
 * Checks, derived from what a session ran. A shell command that matches a check pattern
 * (test, lint, typecheck, build: configurable) is a validation; its exit code says passed or
 * failed. The same check failing, then files being edited, then the check running again is a
 * repair attempt with its outcome. A required check the session never ran is recorded as
 * skipped, so a summary can never hide it.
 */
import type { EventBody } from './records.js';

export interface CheckPattern {
  name: string;
  pattern: RegExp;
}

export const DEFAULT_CHECKS: CheckPattern[] = [
  {
    name: 'test',
    pattern:
      /\b(?:npm|pnpm|yarn|bun)\s+(?:run\s+)?test\b|\b(?:pytest|jest|vitest|go\s+test|cargo\s+test|mvn\s+(?:\S+\s+)*test|gradle\s+test|rspec|phpunit|node\s+--test)\b/,
  },
  {
    name: 'lint',
    pattern:
      /\b(?:npm|pnpm|yarn|bun)\s+run\s+lint\b|\b(?:eslint|biome\s+(?:check|lint)|ruff(?:\s+check)?|flake8|golangci-lint|cargo\s+clippy)\b/,
  },
  {
    name: 'typecheck',
    pattern: /\b(?:npm|pnpm|yarn|bun)\s+run\s+(?:typecheck|type-check|tsc)\b|\b(?:tsc|mypy|pyright)\b/,
  },
  {
    name: 'build',
    pattern:
      /\b(?:npm|pnpm|yarn|bun)\s+run\s+build\b|\b(?:cargo\s+build|go\s+build|mvn\s+package|gradle\s+build)\b/,
  },
];

export function compileChecks(config: ReadonlyArray<{ name: string; pattern: string }>): CheckPattern[] {
  return [...config.map((c) => ({ name: c.name, pattern: new RegExp(c.pattern) })), ...DEFAULT_CHECKS];
}

export function checkNameOf(command: string, checks: readonly CheckPattern[]): string | undefined {
  return checks.find((c) => c.pattern.test(command))?.name;
}

/**
 * The validation and repair events implied by a session's events (in order), to be added
 * beside them. Validations recorded directly (by `trail exec`) are counted, not repeated.
 */
export function deriveValidations(
  events: readonly EventBody[],
  checks: readonly CheckPattern[],
  required: readonly string[] = [],
  previous: ReadonlyMap<
    string,
    { attempts: number; lastStatus: 'passed' | 'failed' | 'skipped' }
  > = new Map(),
): EventBody[] {
  const out: EventBody[] = [];
  const state = new Map<string, { attempts: number; lastStatus: string; editsSince: Set<string> }>();
  for (const [name, p] of previous)
    state.set(name, { attempts: p.attempts, lastStatus: p.lastStatus, editsSince: new Set() });
  const ran = (name: string, status: 'passed' | 'failed') => {
    const s = state.get(name) ?? { attempts: 0, lastStatus: 'none', editsSince: new Set<string>() };
    s.attempts++;
    if (s.lastStatus === 'failed' && s.editsSince.size > 0) {
      out.push({
        type: 'repair',
        check: name,
        attempt: s.attempts,
        outcome: status === 'passed' ? 'fixed' : 'still-failing',
        files: [...s.editsSince].sort(),
      });
    }
    s.lastStatus = status;
    s.editsSince = new Set();
    state.set(name, s);
    return s.attempts;
  };
  for (const [i, event] of events.entries()) {
    // `trail exec` records its own validation right after the command: count the run once.
    const next = events[i + 1];
    if (event.type === 'command' && next?.type === 'validation' && next.command === event.command) continue;
    if (event.type === 'file-edit') {
      for (const s of state.values()) s.editsSince.add(event.path);
    } else if (event.type === 'validation' && event.status !== 'skipped') {
      ran(event.check, event.status);
    } else if (event.type === 'command' && event.exitCode !== undefined) {
      const name = checkNameOf(event.command, checks);
      if (!name) continue;
      const status = event.exitCode === 0 ? 'passed' : 'failed';
      const attempt = ran(name, status);
      out.push({
        type: 'validation',
        check: name,
        status,
        attempt,
        command: event.command,
        exitCode: event.exitCode,
        ...(event.durationMs !== undefined ? { durationMs: event.durationMs } : {}),
        ...(event.outputTail ? { outputTail: event.outputTail } : {}),
      });
    }
  }
  for (const name of required) {
    if (!state.has(name)) {
      out.push({
        type: 'validation',
        check: name,
        status: 'skipped',
        attempt: 1,
        reason: 'required by configuration but not run in this session',
      });
    }
  }
  return out;
}
