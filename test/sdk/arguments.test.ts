/**
 * The SDK refuses bad arguments before it writes anything: JavaScript callers get no type
 * checks, and a session fact the seal cannot write (a model that is a number) would leave the
 * commit's AI lines with no record at all. Each refusal is a TrailError with code
 * INPUT_INVALID naming the argument, through the package's public entry point.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { appendRecords, Recorder, readRecords, TrailError, verify } from '../../src/index.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

/** Asserts `action` throws (or rejects with) INPUT_INVALID whose message matches `message`. */
async function refused(action: () => unknown, message: RegExp): Promise<void> {
  await assert.rejects(
    async () => action(),
    (error: unknown) => {
      assert.ok(error instanceof TrailError, `expected a TrailError, got ${String(error)}`);
      assert.equal(error.code, 'INPUT_INVALID', error.message);
      assert.match(error.message, message);
      return true;
    },
  );
}

/** Every spool file and its bytes: what "nothing written" is measured against. */
function spool(repo: TempRepo): Record<string, string> {
  const dir = join(repo.dir, '.git/trail/spool/sessions');
  if (!existsSync(dir)) return {};
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

describe('SDK arguments', () => {
  let repo: TempRepo;
  before(() => {
    repo = initialisedRepo();
  });
  after(() => repo.cleanup());

  test('Recorder.start refuses each bad option, naming it, and writes nothing', async () => {
    const cwd = repo.dir;
    const cases: Array<[unknown, RegExp]> = [
      // The reported case: the seal later refused the session record, losing the commit's record.
      [
        { cwd, model: 42, approval: 'yes', acceptanceCriteria: 'one', prompt: 'p' },
        /^Recorder\.start: field "model": .*expected string, received number/,
      ],
      [{ cwd, approval: 'yes' }, /field "approval"/],
      [{ cwd, acceptanceCriteria: 'one' }, /field "acceptanceCriteria": .*expected array/],
      [{ cwd, acceptanceCriteria: ['ok', 7] }, /field "acceptanceCriteria\.1"/],
      // The seal's own bound (records.ts): a model it could not write is refused here.
      [{ cwd, model: 'm'.repeat(257) }, /field "model"/],
      [{ cwd, ticket: { a: 1 } }, /field "ticket": must be a ticket id or URL/],
      [{ cwd, ticket: ['PROJ-1', '  '] }, /field "ticket\.1": must not be empty/],
      [null, /argument "options": .*received null/],
      [{ cwd, agent: '' }, /field "agent"/],
      [{ cwd, agent: 'two\nlines' }, /field "agent": must be one line/],
      [{ cwd, agent: 'bot', agentVersion: 1.4 }, /field "agentVersion"/],
      [{ cwd, sessionId: '../../x y' }, /field "sessionId": must be a safe name/],
      [{ cwd, requester: 5 }, /field "requester"/],
      [{ cwd, prompt: ['p'] }, /field "prompt"/],
      [{ cwd, modle: 'gpt-5' }, /Unrecognized key: "modle"/],
      [{ cwd, env: { TRAIL_AGENT: '' } }, /argument "env\.TRAIL_AGENT"/],
    ];
    for (const [options, message] of cases) {
      await refused(() => Recorder.start(options as never), message);
    }
    assert.deepEqual(spool(repo), {}, 'a refused start wrote to the spool');

    // What the seal accepts still starts: its bounds, and a session id like trail's own.
    const r = await Recorder.start({
      cwd,
      model: 'm'.repeat(256),
      sessionId: 'exec-2026-03-02-1a2b3c4d',
      ticket: ['PROJ-1', 'https://github.com/acme/api/issues/7'],
      acceptanceCriteria: ['tests pass'],
      approval: 'approved',
    });
    r.end();
  });

  test('each method refuses bad arguments, naming them, and writes nothing', async () => {
    const r = await Recorder.start({ cwd: repo.dir, agent: 'arg-bot', model: 'gpt-5' });
    try {
      const before = spool(repo);
      const cases: Array<[() => unknown, RegExp]> = [
        [() => r.writeFile('n.txt', 5 as never), /^Recorder\.writeFile: argument "content"/],
        [() => r.writeFile(7 as never, 'x'), /^Recorder\.writeFile: argument "path"/],
        [() => r.run(''), /^Recorder\.run: argument "command": must not be empty/],
        [() => r.run(5 as never), /^Recorder\.run: argument "command": must be a shell line/],
        [() => r.run([]), /argument "command"/],
        [() => r.run(['', 'x']), /argument "command\.0"/],
        [() => r.run('true', { chek: 'x' } as never), /argument "options": Unrecognized key: "chek"/],
        [
          () => r.context('banana' as never, 'x'),
          /^Recorder\.context: argument "source": must be one of file, url/,
        ],
        [() => r.context('file', 'x', 5 as never), /argument "note"/],
        [() => r.usage({ inputTokens: 5 } as never), /^Recorder\.usage: field "model": must name the model/],
        [() => r.usage(null as never), /argument "report"/],
        [() => r.usage({ model: 'gpt-5', input_tokens: 5 } as never), /Unrecognized key: "input_tokens"/],
        [() => r.usage({ model: 'gpt-5', inputTokens: '5' as never }), /field "inputTokens"/],
        [() => r.command('npm test', 0, 10, 5 as never), /^Recorder\.command: argument "output"/],
        [() => r.prompt(5 as never), /field "text"/],
        [() => r.willEdit(5 as never), /^Recorder\.willEdit: argument "path"/],
        [() => r.fileEdited('a.txt', null as never), /^Recorder\.fileEdited: argument "paths\.1"/],
        [() => r.fileEdited(), /argument "paths": name at least one file/],
        [() => r.fileEdited('../elsewhere.ts'), /is not a file inside/],
        [() => r.end(5 as never), /^Recorder\.end: argument "reason"/],
      ];
      for (const [action, message] of cases) await refused(action, message);
      assert.deepEqual(spool(repo), before, 'a refused call wrote to the spool');
      assert.equal(existsSync(join(repo.dir, 'n.txt')), false);
    } finally {
      r.end();
    }
  });

  test('the library functions refuse what is not their arguments', async () => {
    await refused(
      () => appendRecords('x' as never, repo.dir),
      /^appendRecords: argument "records": .*expected array/,
    );
    await refused(() => appendRecords([], repo.dir), /argument "records": holds no record/);
    await refused(() => appendRecords([{}], 5 as never), /^appendRecords: argument "cwd"/);
    await refused(() => verify(5 as never), /^verify: argument "cwd"/);
    await refused(() => readRecords({} as never), /^readRecords: argument "cwd"/);
    assert.deepEqual(await readRecords(repo.dir), []);
  });
});
