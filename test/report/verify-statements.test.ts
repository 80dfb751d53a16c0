/**
 * An auditor handed a bundle of signed in-toto statements (`trail report slsa --format jsonl`,
 * `trail export --format intoto`) and the signer's public key checks it with `trail
 * verify-report BUNDLE --key KEY` in an empty folder: every line's signature, the key, and
 * that each payload is an in-toto statement. A changed statement, another key or a line that
 * is no envelope fails in one line naming the bundle's line. Real processes, real folders.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ScriptedClaude } from '../helpers/claude-session.js';
import type { CliResult } from '../helpers/cli.js';
import { trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempDir } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

function assertFailedAt(r: CliResult, line: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
  assert.match(r.stderr, line);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
}

describe('trail verify-report on a bundle of signed in-toto statements', () => {
  let repo: TempRepo;
  let other: TempRepo;
  let auditor: string;
  let keyId: string;
  const verify = (file: string, ...args: string[]) => trailProcess(auditor, ['verify-report', file, ...args]);

  before(() => {
    repo = initialisedRepo();
    other = initialisedRepo();
    auditor = tempDir('trail-auditor-');
    for (const [file, request] of [
      ['src/greet.ts', 'Add a greeting helper'],
      ['src/bye.ts', 'Add a farewell helper'],
    ] as const) {
      new ScriptedClaude(repo.dir)
        .start()
        .prompt(request)
        .write(file, `export const helper = (name: string) => "${request} " + name;\n`)
        .stop();
      repo.commit(request);
    }
    const slsa = trailProcess(repo.dir, ['report', 'slsa', '--format', 'jsonl']);
    assert.equal(slsa.code, 0, slsa.stderr);
    writeFileSync(join(auditor, 'provenance.intoto.jsonl'), slsa.stdout);
    const intoto = trailProcess(repo.dir, ['export', '--format', 'intoto']);
    assert.equal(intoto.code, 0, intoto.stderr);
    writeFileSync(join(auditor, 'changes.intoto.jsonl'), intoto.stdout);
    const keys = (dir: string) =>
      (
        JSON.parse(trailProcess(dir, ['keys', 'list', '--json']).stdout) as {
          trusted: Array<{ keyId: string }>;
        }
      ).trusted;
    keyId = keys(repo.dir)[0]!.keyId;
    copyFileSync(join(repo.dir, '.trail', 'keys', `${keyId}.json`), join(auditor, 'alice.json'));
    const mallory = keys(other.dir)[0]!.keyId;
    copyFileSync(join(other.dir, '.trail', 'keys', `${mallory}.json`), join(auditor, 'mallory.json'));
  });
  after(() => {
    repo?.cleanup();
    other?.cleanup();
  });

  test('SLSA provenance and the in-toto export verify with the signer’s key alone', () => {
    const slsa = verify('provenance.intoto.jsonl', '--key', 'alice.json');
    assert.equal(slsa.code, 0, slsa.stderr);
    assert.match(
      slsa.stderr,
      new RegExp(
        `^provenance\\.intoto\\.jsonl: intact\\. 2 in-toto statements \\(https://slsa\\.dev/provenance/v1\\), signed by key ${keyId} \\(given with --key alice\\.json\\), about 2 subjects\\n$`,
      ),
    );
    const exported = verify('changes.intoto.jsonl', '--key', 'alice.json', '--json');
    assert.equal(exported.code, 0, exported.stderr);
    const { ok, statements } = JSON.parse(exported.stdout) as {
      ok: boolean;
      statements: Array<{ line: number; subjects: string[]; signer: { keyId: string } }>;
    };
    assert.equal(ok, true);
    assert.deepEqual(
      statements.map((s) => [s.line, s.signer.keyId]),
      [
        [1, keyId],
        [2, keyId],
      ],
    );
    for (const s of statements) assert.match(s.subjects[0]!, /@[0-9a-f]{40}$/);
  });

  test('a statement changed after signing fails, naming its line', () => {
    const lines = readFileSync(join(auditor, 'provenance.intoto.jsonl'), 'utf8').trim().split('\n');
    const envelope = JSON.parse(lines[1]!) as { payload: string };
    const statement = Buffer.from(envelope.payload, 'base64').toString('utf8');
    envelope.payload = Buffer.from(statement.replace('Add a', 'Remove a')).toString('base64');
    writeFileSync(join(auditor, 'changed.intoto.jsonl'), `${lines[0]}\n${JSON.stringify(envelope)}\n`);
    assertFailedAt(
      verify('changed.intoto.jsonl', '--key', 'alice.json'),
      new RegExp(
        `changed\\.intoto\\.jsonl: FAILED: the signature on changed\\.intoto\\.jsonl line 2 does not verify with key ${keyId} \\(given with --key alice\\.json\\)`,
      ),
    );
  });

  test('another key, or a line that is no envelope, fails in one line', () => {
    assertFailedAt(
      verify('provenance.intoto.jsonl', '--key', 'mallory.json'),
      new RegExp(`line 1 is signed by key ${keyId}, which is not given with --key`),
    );
    const lines = readFileSync(join(auditor, 'provenance.intoto.jsonl'), 'utf8');
    writeFileSync(join(auditor, 'cut.intoto.jsonl'), `${lines.trim()}\n{"payloadType":`);
    assertFailedAt(
      verify('cut.intoto.jsonl', '--key', 'alice.json'),
      /cut\.intoto\.jsonl line 3: not a JSON line \(each line of a bundle is one DSSE envelope\)/,
    );
  });
});
