/**
 * Bad input is a clear line and an exit status, never a crash: every option of every command
 * `trail --help` lists that takes a value is given odd values, in a real initialised
 * repository, and each run must end with status 0, 1 or 2 (never 70, an internal error), with
 * no stack trace and no JavaScript error name on stderr. Commands are found from the CLI's own
 * command tree, so a new option is swept too.
 *
 * Left out: `serve` (it listens until stopped), `mcp` and `hook` (they read stdin; hooks
 * always exit 0, test/capture/hook-robustness.test.ts), and path-like values (an output path
 * of `../../etc/passwd` would be written where it points).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command, Option } from 'commander';
import { buildProgram } from '../../src/cli/main.js';
import { commandsFor } from '../../src/cli/registry.js';
import { trail } from '../helpers/cli.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

const LEFT_OUT = new Set(['serve', 'mcp', 'hook']);

const ODD = ['', 'x'.repeat(3000), '-1', '1e400', '2026-02-30', 'null', '😀', "'; DROP TABLE x; --", 'a\nb'];

/** Each runnable command with its path and the options that take a value. */
function leaves(command: Command, path: string[] = []): Array<{ path: string[]; options: Option[] }> {
  return command.commands.flatMap((sub) => {
    const here = [...path, sub.name()];
    if (LEFT_OUT.has(here[0]!)) return [];
    const own = sub.options.filter((o) => (o.required || o.optional) && o.long && o.long !== '--cwd');
    return sub.commands.length > 0 ? leaves(sub, here) : [{ path: here, options: own }];
  });
}

/**
 * Arguments that let a command with required ones reach its own checks of the options
 * (commander refuses a missing argument before any of them runs).
 */
const ARGUMENTS: Record<string, string[]> = {
  'keys trust': ['not-a-key.pub'],
  'keys revoke': ['no-such-key'],
  exec: ['--', 'true'],
  blame: ['README.md'],
  review: ['HEAD'],
  'tests attach': ['README.md'],
  report: ['soc2'],
  'verify-report': ['README.md'],
  'admin tokens revoke': ['tok_nothing'],
  'admin approve-key': ['no-such-key'],
};

/** Options that other checks come after, given before the odd one (the last given wins). */
const OPTIONS: Record<string, string[]> = {
  'keys revoke': ['--reason', 'sweep'],
  deploy: ['--env', 'production', '--commit', 'HEAD'],
  rollback: ['--env', 'production', '--from', 'HEAD', '--to', 'HEAD~1'],
  review: ['--reviewer', 'dana@acme.example'],
};

const TIMEOUT_MS = 20_000;

test('every option that takes a value, given odd values, ends in a clear error or works: never a crash', async () => {
  const program = buildProgram(
    () => {
      throw new Error('no command runs here');
    },
    await commandsFor(['--help']),
  );
  const commands = leaves(program);
  assert.ok(commands.length > 30, `${commands.length} commands`);
  const repo = initialisedRepo();
  const crashes: string[] = [];
  let runs = 0;
  try {
    for (const { path, options } of commands) {
      for (const option of options) {
        for (const value of ODD) {
          const name = path.join(' ');
          const args = [
            ...path,
            ...(OPTIONS[name] ?? []),
            `${option.long}=${value}`,
            ...(ARGUMENTS[name] ?? []),
          ];
          const shown = `trail ${path.join(' ')} ${option.long}=${JSON.stringify(value.slice(0, 20))}`;
          let timer: NodeJS.Timeout | undefined;
          const result = await Promise.race([
            trail(repo.dir, ...args),
            new Promise<undefined>((done) => {
              timer = setTimeout(() => done(undefined), TIMEOUT_MS);
            }),
          ]).finally(() => clearTimeout(timer));
          runs++;
          if (!result) {
            crashes.push(`${shown}: still running after ${TIMEOUT_MS} ms`);
            continue;
          }
          const crashed =
            ![0, 1, 2].includes(result.code) ||
            /internal error|^\s+at .+:\d+:\d+\)?$|\b(TypeError|ReferenceError|RangeError|SyntaxError)\b/m.test(
              result.stderr,
            );
          if (crashed) crashes.push(`${shown}: exit ${result.code}: ${result.stderr.slice(0, 300)}`);
        }
      }
    }
  } finally {
    repo.cleanup();
  }
  assert.ok(runs > 300, `${runs} runs`);
  assert.deepEqual(crashes, []);
});
