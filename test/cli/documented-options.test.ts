/**
 * The CLI reference cannot fall behind the CLI: every command `trail --help` lists is in
 * README.md, and every long option of every command is named in README.md or docs/.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.js';
import { commandsFor } from '../../src/cli/registry.js';

const root = new URL('../..', import.meta.url).pathname;
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const docs = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => readFileSync(join(root, 'docs', name), 'utf8'))
  .join('\n');

function commandsUnder(command: Command, path: string[] = []): Array<{ path: string[]; command: Command }> {
  return command.commands.flatMap((sub) => {
    const here = [...path, sub.name()];
    return [{ path: here, command: sub }, ...commandsUnder(sub, here)];
  });
}

test('every command is in the README and every option in the README or docs/', async () => {
  const program = buildProgram(
    () => {
      throw new Error('no command runs here');
    },
    await commandsFor(['--help']),
  );
  const all = commandsUnder(program);
  assert.ok(all.length > 30, `only ${all.length} commands found`);

  const undocumentedCommands = all
    .filter(({ path }) => path.length === 1)
    .filter(({ path }) => !readme.includes(`trail ${path[0]}`))
    .map(({ path }) => path.join(' '));
  assert.deepEqual(undocumentedCommands, []);

  const undocumentedOptions = all.flatMap(({ path, command }) =>
    command.options
      .map((option) => option.long)
      .filter((flag): flag is string => flag !== undefined && !readme.includes(flag) && !docs.includes(flag))
      .map((flag) => `${path.join(' ')} ${flag}`),
  );
  assert.deepEqual(undocumentedOptions, []);
});
