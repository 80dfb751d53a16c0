/**
 * What the ledger and git hold is written by whoever can push a log or a commit, and human
 * output prints it: an agent name, a prompt, a commit subject, a file's lines. Escape sequences
 * there must reach a person's terminal as visible text, never as commands (clearing the
 * screen, setting the clipboard with OSC 52, retitling the window). Real processes, so the
 * bytes checked are the bytes a terminal would get.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inertForTerminal } from '../../src/cli/output.js';
import { Recorder } from '../../src/index.js';
import { trailProcess } from '../helpers/cli.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

const ESC = '\u001b';
const HOSTILE_AGENT = `bot${ESC}[31mRED`;
const HOSTILE_PROMPT = `fix it${ESC}]52;c;ZXZpbA==\u0007 then ${ESC}[2J\u009b2J\rover`;
/** Anything a terminal would act on: C0 but tab and newline, DEL, C1. */
const ACTIVE = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

describe('control characters in human output', () => {
  test('trail show, log and blame print escape sequences as visible text', async () => {
    const repo = initialisedRepo();
    try {
      const r = await Recorder.start({
        cwd: repo.dir,
        agent: HOSTILE_AGENT,
        model: 'gpt-5',
        prompt: HOSTILE_PROMPT,
      });
      await r.writeFile('w.txt', `plain\t${ESC}[8mhidden${ESC}[0m\n`);
      r.end();
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', `subject ${ESC}]0;title\u0007`);
      for (const args of [['show', 'HEAD'], ['log'], ['blame', 'w.txt']]) {
        const run = trailProcess(repo.dir, args);
        assert.equal(run.code, 0, run.stderr);
        const shown = run.stderr + run.stdout;
        assert.doesNotMatch(shown, ACTIVE, `${args.join(' ')}: a control character reached the terminal`);
        assert.match(shown, /␛\[/, `${args.join(' ')}: the escape is shown`);
      }
      const show = trailProcess(repo.dir, ['show', 'HEAD']).stderr;
      assert.ok(show.includes('bot␛[31mRED'), show);
      assert.ok(show.includes('fix it␛]52;c;ZXZpbA==␇ then ␛[2J\\u{9b}2J over'), show);
      // Machine output keeps the text exactly, escaped as JSON does.
      const json = trailProcess(repo.dir, ['show', 'HEAD', '--json']);
      assert.ok(json.stdout.includes(JSON.stringify(HOSTILE_AGENT).slice(1, -1)), json.stdout);
    } finally {
      repo.cleanup();
    }
  });

  test('tabs, newlines and CRLF line ends are left as they are', () => {
    assert.equal(inertForTerminal('a\tb\r\nc\n'), 'a\tb\r\nc\n');
    assert.equal(inertForTerminal('a\rb\u007f'), 'a␍b\u2421');
  });
});
