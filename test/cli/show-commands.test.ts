/**
 * `trail show` gives each command as it was recorded: a command is evidence, so runs of spaces,
 * tabs and the lines of a heredoc are kept, in the text (a multi-line command's later lines
 * indented under its first) and in `--json`.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

const SPACED = "printf 'a  b\t|c'  >  out.txt";
const HEREDOC = "cat > notes.md <<'EOF'\n# Notes\n\n  indented   twice\n*not* `markup`\nEOF";

describe('trail show: commands as recorded', () => {
  const repos: TempRepo[] = [];
  after(() => {
    for (const r of repos) r.cleanup();
  });

  test('spaces, tabs and newlines inside a command are not squeezed', async () => {
    const repo = tempRepo();
    repos.push(repo);
    assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
    repo.commit('Trail: trust this clone');
    const agent = new ScriptedClaude(repo.dir).start().prompt('write the notes');
    agent.bash(SPACED, 0, '');
    agent.bash(HEREDOC, 0, '');
    agent.write('a.ts', 'export const a = 1;\n');
    agent.stop();
    repo.git('add', 'a.ts');
    repo.git('commit', '-q', '-m', 'agent work');

    const json = await trail(repo.dir, 'show', 'HEAD', '--json');
    assert.equal(json.code, 0, json.stderr);
    const view = JSON.parse(json.stdout) as { commands: Array<{ command: string }> };
    assert.deepEqual(
      view.commands.map((c) => c.command),
      [SPACED, HEREDOC],
    );

    const text = await trail(repo.dir, 'show', 'HEAD');
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stderr.replace(/ in \d+ ms$/gm, '').split('\n');
    const commands = lines.slice(lines.indexOf('Commands') + 1);
    assert.equal(commands[0], `- \`${SPACED}\` → 0`);
    // The heredoc's first line on the item, each later line indented under it, unchanged.
    const [first, ...rest] = HEREDOC.split('\n');
    assert.equal(commands[1], `- \`${first}`);
    assert.deepEqual(
      commands.slice(2, 2 + rest.length - 1),
      rest.slice(0, -1).map((l) => `    ${l}`),
    );
    assert.equal(commands[1 + rest.length], `    ${rest.at(-1)}\` → 0`);
  });
});
