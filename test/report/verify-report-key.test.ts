/**
 * An auditor is handed a signed report and the signer's public key, and nothing else: no
 * clone, no git. `trail verify-report FILE --key KEY` checks it in an empty folder, with a
 * Trail key file or a PEM public key as openssl writes it, and every failure is one line
 * that names the key that signed and whether it was given. Real processes in real folders.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findRepo } from '../../src/ledger/repo.js';
import type { CliResult } from '../helpers/cli.js';
import { trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempDir } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** One line on stderr and the given exit status: what a person sees when a check fails. */
function assertOneLine(r: CliResult, code: number, line: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
  assert.match(r.stderr, line);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
}

describe('trail verify-report --key, outside any repository', () => {
  let repo: TempRepo;
  let keyId: string;
  /** The auditor's folder: no git repository anywhere above it. */
  let auditor: string;
  const verify = (...args: string[]) => trailProcess(auditor, ['verify-report', 'soc2.md', ...args]);

  before(async () => {
    repo = initialisedRepo();
    auditor = tempDir('trail-auditor-');
    const signed = trailProcess(repo.dir, [
      'report',
      'soc2',
      '--format',
      'md',
      '--out',
      join(auditor, 'soc2.md'),
      '--sign',
    ]);
    assert.equal(signed.code, 0, signed.stderr);
    const ledger = await findRepo(repo.dir);
    keyId = /signed with key ([0-9a-f]+)/.exec(signed.stderr)![1]!;
    // What the signer hands over: their trusted-key file, under any name, and the same key
    // as a PEM public key from openssl.
    copyFileSync(join(repo.dir, '.trail', 'keys', `${keyId}.json`), join(auditor, 'alice.pub'));
    openssl(
      'pkey',
      '-in',
      join(ledger.stateDir, 'keys', 'writer.pem'),
      '-pubout',
      '-out',
      join(auditor, 'alice.pem'),
    );
    // Someone else's key, made by openssl alone.
    openssl('genpkey', '-algorithm', 'ed25519', '-out', join(auditor, 'mallory.key'));
    openssl('pkey', '-in', join(auditor, 'mallory.key'), '-pubout', '-out', join(auditor, 'mallory.pem'));
    assert.throws(() => execFileSync('git', ['rev-parse'], { cwd: auditor, stdio: 'ignore' }));
  });
  after(() => repo.cleanup());

  test("verifies with the signer's Trail key file or their openssl PEM public key", () => {
    const viaKeyFile = verify('--key', 'alice.pub');
    assert.equal(viaKeyFile.code, 0, viaKeyFile.stderr);
    assert.match(
      viaKeyFile.stderr,
      new RegExp(`^soc2\\.md: intact\\. Signed by .+ \\(key ${keyId}, given with --key alice\\.pub\\) at `),
    );
    const viaPem = verify('--key', 'alice.pem', '--json');
    assert.equal(viaPem.code, 0, viaPem.stderr);
    assert.match(
      viaPem.stderr,
      new RegExp(`^soc2\\.md: intact\\. Signed by key ${keyId} \\(given with --key alice\\.pem\\) at `),
    );
    const json = JSON.parse(viaPem.stdout);
    assert.equal(json.ok, true);
    assert.deepEqual(json.signer, { keyId, keyFile: 'alice.pem' });
    // Among several keys, the one that signed is named.
    const several = verify('--key', 'mallory.pem', '--key', 'alice.pem');
    assert.equal(several.code, 0, several.stderr);
    assert.match(several.stderr, /given with --key alice\.pem/);
  });

  test('without --key, outside a repository, one line says to pass --key', () => {
    assertOneLine(
      verify(),
      2,
      /^trail: .+ is not in a repository with trusted keys: pass the signer's public key with --key FILE \(a \.trail\/keys\/<id>\.json file or a PEM public key\), or run this in the repository whose \.trail\/keys trusts it\n$/,
    );
  });

  test('a wrong key names the key that signed and says it was not given', () => {
    const r = verify('--key', 'mallory.pem');
    assertOneLine(
      r,
      1,
      new RegExp(
        `^soc2\\.md: FAILED: soc2\\.md is signed by key ${keyId}, which is not given with --key \\([0-9a-f]{32} from mallory\\.pem\\): pass the signer's public key with --key`,
      ),
    );
    const json = JSON.parse(verify('--key', 'mallory.pem', '--json').stdout);
    assert.equal(json.ok, false);
    assert.equal(json.code, 'SIGNATURE_INVALID');
  });

  test('a report changed after signing fails, naming the given key that signed it', () => {
    const changed = join(auditor, 'changed');
    mkdirSync(changed);
    writeFileSync(
      join(changed, 'soc2.md'),
      `${readFileSync(join(auditor, 'soc2.md'), 'utf8')}\nAll approved.\n`,
    );
    copyFileSync(join(auditor, 'soc2.md.sig.json'), join(changed, 'soc2.md.sig.json'));
    const r = trailProcess(changed, ['verify-report', 'soc2.md', '--key', '../alice.pem']);
    assertOneLine(
      r,
      1,
      new RegExp(
        `^soc2\\.md: FAILED: soc2\\.md was changed after it was signed \\(by key ${keyId}, given with --key \\.\\./alice\\.pem\\): its SHA-256 is [0-9a-f]{64}`,
      ),
    );
  });

  test('a key file that is missing, a folder, not a key, a private key or not Ed25519 is one line, exit 1', () => {
    writeFileSync(join(auditor, 'notes.txt'), 'call alice for the key\n');
    openssl(
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      join(auditor, 'ec.key'),
    );
    openssl('pkey', '-in', join(auditor, 'ec.key'), '-pubout', '-out', join(auditor, 'ec.pem'));
    const cases: Array<[string, RegExp]> = [
      ['gone.pem', /^trail: cannot read gone\.pem: no such file\n$/],
      ['.', /^trail: cannot read \.: it is a folder\n$/],
      [
        'notes.txt',
        /^trail: notes\.txt is not a public key: give a Trail key file \(\.trail\/keys\/<id>\.json\), a PEM public key \(openssl pkey -pubout\) or a base64 Ed25519 key\n$/,
      ],
      [
        'mallory.key',
        /^trail: mallory\.key: it is a private key: give the public key \(openssl pkey -in KEY -pubout\), and keep the private one secret\n$/,
      ],
      ['ec.pem', /^trail: ec\.pem: it is a key of type ec: Trail signs with Ed25519 keys only\n$/],
    ];
    for (const [file, line] of cases) assertOneLine(verify('--key', file), 1, line);
  });

  test('a key file that revokes the key fails the report, as .trail/keys would', () => {
    const revoked = JSON.parse(readFileSync(join(auditor, 'alice.pub'), 'utf8'));
    writeFileSync(
      join(auditor, 'alice-revoked.pub'),
      JSON.stringify({ ...revoked, revokedAt: '2026-01-01T00:00:00.000Z', revokedReason: 'laptop lost' }),
    );
    assertOneLine(
      verify('--key', 'alice-revoked.pub'),
      1,
      new RegExp(
        `^soc2\\.md: FAILED: soc2\\.md is signed by key ${keyId}, revoked since 2026-01-01T00:00:00\\.000Z`,
      ),
    );
  });

  test('inside the repository, --key checks against the given keys alone', () => {
    const here = trailProcess(repo.dir, ['verify-report', join(auditor, 'soc2.md')]);
    assert.equal(here.code, 0, here.stderr);
    assert.match(here.stderr, new RegExp(`\\(key ${keyId}\\) at `));
    const r = trailProcess(repo.dir, [
      'verify-report',
      join(auditor, 'soc2.md'),
      '--key',
      join(auditor, 'mallory.pem'),
    ]);
    assertOneLine(r, 1, new RegExp(`is signed by key ${keyId}, which is not given with --key`));
    assertOneLine(
      trailProcess(repo.dir, [
        'verify-report',
        join(auditor, 'soc2.md'),
        '--key',
        join(auditor, 'alice.pem'),
        '--repo',
        '.',
      ]),
      2,
      /^trail: give --key or --repo, not both: --key checks against the given keys alone\n$/,
    );
  });
});
