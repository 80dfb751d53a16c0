/**
 * RFC 3161 timestamps over signed tree heads (`trail timestamp`), against OpenSSL's own TSA
 * (test/helpers/tsa.ts): the token is kept beside the head, travels with `git push`, is
 * checked by `trail verify` in any clone, and lets a revoked key's heads stand when an
 * authority stamped them before the revocation. A token that does not vouch fails verify.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { commitFiles } from '../../src/git/fast-import.js';
import { runGit } from '../../src/git/run.js';
import { loadWriterKey, revokeKey } from '../../src/ledger/keys.js';
import { appendRecords, listLogRefs, logRef, readLogs, stampPath } from '../../src/ledger/log-store.js';
import { findRepo } from '../../src/ledger/repo.js';
import { trail } from '../helpers/cli.js';
import { git, gitEnv, tempDir, tempRepo } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';
import type { TestAuthority } from '../helpers/tsa.js';
import { startAuthority } from '../helpers/tsa.js';

let authority: TestAuthority;
before(async () => {
  authority = await startAuthority();
});
after(() => authority.close());

/** `git push -q origin main` without blocking this process, which serves the test authority. */
async function pushAsync(dir: string): Promise<void> {
  await promisify(execFile)('git', ['push', '-q', 'origin', 'main'], {
    cwd: dir,
    env: { ...process.env, ...gitEnv },
  });
}

const deployment = (commit: string) => ['record', 'deployment', '--env', 'prod', '--commit', commit];

/** A deployment record as a library caller appends it (a thief with the key, a back-dated import). */
function deploymentRecord(commit: string, time: string) {
  return {
    kind: 'deployment',
    v: 1,
    time,
    actor: { type: 'ci', id: 'ci' },
    provenance: 'observed',
    env: 'prod',
    commit,
  };
}

/** Adds (or replaces) files in a log's tree on top of its tip, as anyone with push access could. */
async function putLogFiles(dir: string, writerId: string, files: Array<{ path: string; content: Buffer }>) {
  const ref = logRef(writerId);
  const tip = (await runGit(dir, ['rev-parse', ref])).stdout.toString().trim();
  await commitFiles(dir, { ref, expectedOld: tip, message: 'edited', files });
}

/** The tokens a writer's own log holds, by head size. */
async function stampsOf(dir: string, writerId: string): Promise<Map<number, Buffer>> {
  const ledger = await findRepo(dir);
  const refs = (await listLogRefs(ledger)).filter((r) => r.ref === logRef(writerId));
  const [snapshot] = await readLogs(ledger, refs);
  return new Map(snapshot!.stamps.map((s) => [s.size, s.token]));
}

async function trustedRepo() {
  const repo = initialisedRepo();
  const trust = await trail(repo.dir, 'timestamp', 'trust', authority.caFile);
  assert.equal(trust.code, 0, trust.stderr);
  assert.match(
    trust.stderr,
    /^trusted timestamping authority trail-test-root \(Trail Test Root\); commit \.trail\/ so clones trust it too$/m,
  );
  repo.commit('trust the timestamping authority');
  const ledger = await findRepo(repo.dir);
  return { repo, ledger, writerId: loadWriterKey(ledger).keyId };
}

describe('trail timestamp', () => {
  test('stamps the newest head once; verify names the time here and in a clone after git push', async () => {
    const { repo, writerId } = await trustedRepo();
    const origin = tempRepo({ bare: true });
    const cloneParent = tempDir();
    try {
      const head = repo.git('rev-parse', 'HEAD');
      assert.equal((await trail(repo.dir, ...deployment(head))).code, 0);
      assert.equal((await trail(repo.dir, ...deployment(head))).code, 0);
      const answeredBefore = authority.answered();
      const before = await trail(repo.dir, 'status');
      assert.match(
        before.stderr,
        /^timestamps: the newest head \(size 2\) has no token \(no head has one yet\): trail timestamp --url URL stamps it$/m,
      );

      const stamp = await trail(repo.dir, 'timestamp', '--url', authority.url);
      assert.equal(stamp.code, 0, stamp.stderr);
      assert.match(
        stamp.stderr,
        /^timestamped the tree head of size 2: its records existed by \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z \(Trail Test TSA\)/,
      );
      assert.equal(authority.answered(), answeredBefore + 1);
      assert.deepEqual([...(await stampsOf(repo.dir, writerId)).keys()], [2]);
      assert.match(
        (await trail(repo.dir, 'status')).stderr,
        /^timestamps: the newest head \(size 2\) has a token$/m,
      );
      const statusJson = JSON.parse((await trail(repo.dir, 'status', '--json')).stdout);
      assert.deepEqual(statusJson.timestamps, { url: null, authorities: 1, newestHead: 2, newestStamped: 2 });

      // Asked again, the head already has its token: the authority is not asked.
      const again = await trail(repo.dir, 'timestamp', '--url', authority.url, '--json');
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(
        { ...JSON.parse(again.stdout), time: undefined },
        { size: 2, added: false, time: undefined, authority: 'Trail Test TSA' },
      );
      assert.equal(authority.answered(), answeredBefore + 1);

      const verify = await trail(repo.dir, 'verify');
      assert.equal(verify.code, 0, verify.stderr);
      assert.match(
        verify.stderr,
        /\ntimestamped: .+ \([0-9a-f]{12}\): its first 2 records existed by \S+ \(Trail Test TSA\)\n/,
      );
      const json = JSON.parse((await trail(repo.dir, 'verify', '--json')).stdout);
      assert.equal(json.logs[0].timestamp.size, 2);
      assert.equal(json.logs[0].timestamp.authority, 'Trail Test TSA');
      // A report states it beside its verdict on the ledger.
      const report = await trail(repo.dir, 'report', 'soc2', '--format', 'json');
      assert.equal(report.code, 0, report.stderr);
      const ledger = JSON.parse(report.stdout).ledger;
      assert.deepEqual(
        ledger.timestamps.map((t: { writerId: string; records: number; authority: string }) => [
          t.writerId,
          t.records,
          t.authority,
        ]),
        [[writerId, 2, 'Trail Test TSA']],
      );
      const markdown = await trail(repo.dir, 'report', 'soc2', '--format', 'md');
      assert.match(
        markdown.stdout,
        /hold\. RFC 3161 timestamps from a trusted authority show 2 records of 1 writer existed by their stamped times \(newest \S+, Trail Test TSA\)\./,
      );

      // Appending goes on from the stamped commit, and the next head is stamped in turn.
      assert.equal((await trail(repo.dir, ...deployment(head))).code, 0);
      const next = await trail(repo.dir, 'timestamp', '--url', authority.url);
      assert.equal(next.code, 0, next.stderr);
      assert.deepEqual([...(await stampsOf(repo.dir, writerId)).keys()].sort(), [2, 3]);

      // The tokens travel with the log: a clone verifies them against the committed authority.
      repo.git('remote', 'add', 'origin', origin.dir);
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
      repo.git('push', '-q', 'origin', 'main');
      git(cloneParent, 'clone', '-q', origin.dir, 'b');
      const b = join(cloneParent, 'b');
      assert.equal((await trail(b, 'init', '--yes')).code, 0);
      git(b, 'fetch', '-q', 'origin');
      const cloned = await trail(b, 'verify');
      assert.equal(cloned.code, 0, cloned.stderr);
      assert.match(cloned.stderr, /timestamped: .+: its first 3 records existed by \S+ \(Trail Test TSA\)/);
      // The bare remote (a server's mirror) judges by the authorities committed at HEAD.
      const mirror = await trail(origin.dir, 'verify');
      assert.equal(mirror.code, 0, mirror.stderr);
      assert.match(mirror.stderr, /timestamped: .+: its first 3 records existed by /);
    } finally {
      repo.cleanup();
      origin.cleanup();
    }
  });

  test('a token that does not vouch for its head fails verify, naming the head and why', async () => {
    const { repo, writerId } = await trustedRepo();
    try {
      const head = repo.git('rev-parse', 'HEAD');
      assert.equal((await trail(repo.dir, ...deployment(head))).code, 0);
      assert.equal((await trail(repo.dir, 'timestamp', '--url', authority.url)).code, 0);
      assert.equal((await trail(repo.dir, ...deployment(head))).code, 0);
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
      const token = (await stampsOf(repo.dir, writerId)).get(1)!;
      const ref = logRef(writerId);
      const good = repo.git('rev-parse', ref);

      /** The log as it was, then `files` put into it, then verify must fail with `pattern`. */
      const expectProblem = async (files: Array<{ path: string; content: Buffer }>, pattern: RegExp) => {
        repo.git('update-ref', ref, good);
        await putLogFiles(repo.dir, writerId, files);
        const verify = await trail(repo.dir, 'verify');
        assert.equal(verify.code, 1, verify.stderr);
        assert.match(verify.stderr, pattern);
        assert.doesNotMatch(verify.stderr, /\n\s+at /, 'no stack trace');
      };
      // A log that fails is given no timestamp: its records may no longer be those stamped.
      // Record 0 changed in place, the tokens left as they are.
      const chunk = repo
        .git('ls-tree', '-r', '--name-only', ref)
        .split('\n')
        .find((p) => p.startsWith('log/'))!;
      const text = repo.git('show', `${ref}:${chunk}`);
      await putLogFiles(repo.dir, writerId, [
        { path: chunk, content: Buffer.from(`${text.replace('"prod"', '"prud"')}\n`) },
      ]);
      const failing = JSON.parse((await trail(repo.dir, 'verify', '--json')).stdout);
      assert.equal(failing.ok, false);
      assert.equal(failing.logs[0].timestamp, undefined);
      await expectProblem(
        [{ path: stampPath(2), content: token }],
        /^refs\/trail\/logs\/[0-9a-f]{32}: bad-timestamp: the timestamp token beside the tree head of size 2 does not vouch for it: the timestamp token stamps other bytes$/m,
      );
      await expectProblem(
        [{ path: stampPath(7), content: token }],
        /tree head of size 7 does not vouch for it: the log holds no tree head of size 7$/m,
      );
      await expectProblem(
        [{ path: stampPath(1), content: Buffer.from('not a token') }],
        /tree head of size 1 does not vouch for it: the timestamp token cannot be read/,
      );
      // One bit of the authority's signature (the token's last bytes) flipped.
      const forged = Buffer.from(token);
      forged[forged.length - 3]! ^= 0x01;
      await expectProblem(
        [{ path: stampPath(1), content: forged }],
        /tree head of size 1 does not vouch for it: the timestamp token's signature by Trail Test TSA does not verify/,
      );

      // Signed again, validly, by a certificate of the trusted CA that is not for stamping.
      await expectProblem(
        [{ path: stampPath(1), content: authority.resignAsWebServer(token) }],
        /tree head of size 1 does not vouch for it: Trail Test Web Server's certificate is not one for timestamping \(id-kp-timeStamping\)/,
      );

      // The authority no longer trusted here: its token vouches for nothing.
      repo.git('update-ref', ref, good);
      repo.git('rm', '-q', '-r', '.trail/timestamping');
      const untrusted = await trail(repo.dir, 'verify');
      assert.equal(untrusted.code, 1);
      assert.match(
        untrusted.stderr,
        /size 1 does not vouch for it: Trail Test TSA is not a trusted timestamping authority \(trail timestamp trust\)/,
      );

      // Put back, all holds again: the checks above judged the token, not the log.
      repo.git('checkout', '-q', 'HEAD', '--', '.trail/timestamping');
      assert.equal((await trail(repo.dir, 'verify')).code, 0);

      // A newest head whose token does not vouch is stamped again: the new token replaces it.
      await putLogFiles(repo.dir, writerId, [{ path: stampPath(2), content: forged }]);
      assert.equal((await trail(repo.dir, 'verify')).code, 1);
      const restamp = await trail(repo.dir, 'timestamp', '--url', authority.url);
      assert.equal(restamp.code, 0, restamp.stderr);
      assert.match(
        restamp.stderr,
        /^timestamped the tree head of size 2, replacing a token that did not vouch \(the timestamp token stamps other bytes\): its records existed by /,
      );
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });

  test('refuses a token it cannot trust, an authority it cannot reach and a reply that is none, keeping nothing', async () => {
    const { repo, writerId } = await trustedRepo();
    const stranger = await startAuthority({ name: 'Stranger' });
    const junk = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/timestamp-reply' });
      response.end('<html>hello</html>');
    });
    await new Promise<void>((resolve) => junk.listen(0, '127.0.0.1', resolve));
    const junkUrl = `http://127.0.0.1:${(junk.address() as AddressInfo).port}/`;
    try {
      assert.equal((await trail(repo.dir, ...deployment(repo.git('rev-parse', 'HEAD')))).code, 0);
      const tip = repo.git('rev-parse', logRef(writerId));
      const refused = async (args: string[], pattern: RegExp, code = 1) => {
        const result = await trail(repo.dir, 'timestamp', ...args);
        assert.equal(result.code, code, result.stderr);
        assert.match(result.stderr, pattern);
        assert.equal(result.stderr.trim().split('\n').length, 1, 'one line');
        assert.equal(repo.git('rev-parse', logRef(writerId)), tip, 'nothing written');
      };
      await refused(
        ['--url', stranger.url],
        /^trail: the token from \S+ was not kept: Stranger TSA is not a trusted timestamping authority/,
      );
      await refused(
        ['--url', junkUrl],
        /^trail: the timestamping authority did not answer with an RFC 3161 reply$/m,
      );
      // A port that was just free: nothing listens there.
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const closedPort = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      await refused(
        ['--url', `http://127.0.0.1:${closedPort}/tsa`, '--timeout', '5'],
        new RegExp(
          `^trail: cannot reach the timestamping authority at http://127\\.0\\.0\\.1:${closedPort}/tsa: ECONNREFUSED$`,
          'm',
        ),
      );
      await refused(
        ['--url', 'ftp://example.com/'],
        /^trail: --url takes an http\(s\) address, not a ftp: one$/m,
        2,
      );
      await refused(
        ['--url', authority.url, '--timeout', 'soon'],
        /--timeout takes a whole number of at least 1, not "soon"/,
        2,
      );
      await refused(
        [],
        /^trail: no timestamping authority: give --url URL or set timestamp\.url in \.trail\/config\.json$/m,
        2,
      );
      // The configured authority is used without --url.
      const config = JSON.parse(readFileSync(join(repo.dir, '.trail/config.json'), 'utf8'));
      writeFileSync(
        join(repo.dir, '.trail/config.json'),
        JSON.stringify({ ...config, timestamp: { url: authority.url } }),
      );
      const configured = await trail(repo.dir, 'timestamp');
      assert.equal(configured.code, 0, configured.stderr);
      assert.match(configured.stderr, /^timestamped the tree head of size 1/);
    } finally {
      repo.cleanup();
      await stranger.close();
      await new Promise<void>((resolve) => junk.close(() => resolve()));
    }
  });

  test('trust refuses a file with no certificate and a name that is not a plain file name', async () => {
    const repo = initialisedRepo();
    try {
      writeFileSync(join(repo.dir, 'not.pem'), 'hello\n');
      const none = await trail(repo.dir, 'timestamp', 'trust', 'not.pem');
      assert.equal(none.code, 1);
      assert.equal(none.stderr, 'trail: not.pem holds no PEM certificate (-----BEGIN CERTIFICATE-----)\n');
      writeFileSync(
        join(repo.dir, 'bad.pem'),
        '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
      );
      const bad = await trail(repo.dir, 'timestamp', 'trust', 'bad.pem');
      assert.equal(bad.code, 1);
      assert.equal(bad.stderr, 'trail: bad.pem: certificate 1 cannot be read as X.509\n');
      const outside = await trail(repo.dir, 'timestamp', 'trust', authority.caFile, '--name', '../../evil');
      assert.equal(outside.code, 2);
      assert.match(outside.stderr, /authority name "\.\.\/\.\.\/evil" is not a plain name/);
      const list = await trail(repo.dir, 'timestamp', 'list', '--json');
      assert.deepEqual(JSON.parse(list.stdout), { authorities: [] });
    } finally {
      repo.cleanup();
    }
  });
});

describe('timestamping on git push', () => {
  test('where timestamp.url is set, git push stamps the newest head and the token goes out with it; an authority that does not answer holds nothing back', async () => {
    const { repo, writerId } = await trustedRepo();
    const origin = tempRepo({ bare: true });
    try {
      const configFile = join(repo.dir, '.trail/config.json');
      const config = JSON.parse(readFileSync(configFile, 'utf8'));
      // A bad address is refused before anything is written.
      const bad = await trail(repo.dir, 'timestamp', 'trust', authority.caFile, '--url', 'tsa.example.com');
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--url takes the authority's http\(s\) address, not "tsa\.example\.com"/);
      assert.deepEqual(JSON.parse(readFileSync(configFile, 'utf8')), config);
      // Trusted and named in one go; the rest of the config is kept.
      const named = await trail(repo.dir, 'timestamp', 'trust', authority.caFile, '--url', authority.url);
      assert.equal(named.code, 0, named.stderr);
      assert.match(
        named.stderr,
        /; git push and signed reports ask http:\/\/127\.0\.0\.1:\d+\/tsa; commit \.trail\//,
      );
      assert.deepEqual(JSON.parse(readFileSync(configFile, 'utf8')), {
        ...config,
        timestamp: { url: authority.url },
      });
      repo.git('remote', 'add', 'origin', origin.dir);
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
      assert.equal((await trail(repo.dir, ...deployment(repo.git('rev-parse', 'HEAD')))).code, 0);
      // Pushed as a separate process while this one serves the authority: the pre-push hook
      // (a real process too) asks it over HTTP.
      await pushAsync(repo.dir);
      // The hook stamped head 1, and the remote holds the token.
      assert.deepEqual([...(await stampsOf(repo.dir, writerId)).keys()], [1]);
      assert.equal(git(origin.dir, 'rev-parse', logRef(writerId)), repo.git('rev-parse', logRef(writerId)));
      assert.match(
        git(origin.dir, 'ls-tree', '-r', '--name-only', logRef(writerId)),
        /^stamps\/.*000000000001\.tsr$/m,
      );
      const gaps = join(repo.dir, '.git/trail/spool/gaps.jsonl');
      assert.ok(!existsSync(gaps), 'no capture gap');

      // The authority gone: the push and Trail's refs go through, and the failure is a gap.
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      writeFileSync(
        configFile,
        JSON.stringify({ ...config, timestamp: { url: `http://127.0.0.1:${port}/` } }),
      );
      assert.equal((await trail(repo.dir, ...deployment(repo.git('rev-parse', 'HEAD')))).code, 0);
      repo.commit('second');
      await pushAsync(repo.dir);
      assert.equal(git(origin.dir, 'rev-parse', 'main'), repo.git('rev-parse', 'HEAD'));
      assert.equal(git(origin.dir, 'rev-parse', logRef(writerId)), repo.git('rev-parse', logRef(writerId)));
      assert.deepEqual([...(await stampsOf(repo.dir, writerId)).keys()], [1]);
      assert.match(
        (await trail(repo.dir, 'status')).stderr,
        /^timestamps: the newest head \(size 2\) has no token \(the newest with one is size 1\): git push has http:\/\/127\.0\.0\.1:\d+\/ stamp it$/m,
      );
      const gap = JSON.parse(readFileSync(gaps, 'utf8').trim().split('\n').at(-1)!);
      assert.match(
        JSON.stringify(gap),
        /timestamping before the push: cannot reach the timestamping authority at http:\/\/127\.0\.0\.1:\d+\/: ECONNREFUSED/,
      );
    } finally {
      repo.cleanup();
      origin.cleanup();
    }
  });
});

describe('timestamp tokens across a retention purge', () => {
  test('the purge rewrites the log and keeps its tokens byte for byte; they still vouch', async () => {
    const { repo, ledger, writerId } = await trustedRepo();
    try {
      const head = repo.git('rev-parse', 'HEAD');
      await appendRecords(ledger, loadWriterKey(ledger), [
        deploymentRecord(head, '2025-01-10T10:00:00.000Z'),
        deploymentRecord(head, new Date().toISOString()),
      ]);
      assert.equal((await trail(repo.dir, 'timestamp', '--url', authority.url)).code, 0);
      const token = (await stampsOf(repo.dir, writerId)).get(2)!;
      writeFileSync(join(repo.dir, '.trail', 'policy.yml'), 'retention:\n  days: 180\n');
      const purge = await trail(repo.dir, 'retention', 'apply');
      assert.equal(purge.code, 0, purge.stderr);
      assert.equal(repo.git('rev-list', '--count', logRef(writerId)), '1', 'the log was rewritten');
      assert.ok((await stampsOf(repo.dir, writerId)).get(2)!.equals(token));
      const verify = await trail(repo.dir, 'verify');
      assert.equal(verify.code, 0, verify.stderr);
      assert.match(verify.stderr, /timestamped: .+: its first 2 records existed by /);
    } finally {
      repo.cleanup();
    }
  });
});

describe('a revoked writer key and timestamped heads', () => {
  test('heads an authority stamped before the revocation stand; a stamp after it gives a thief nothing', async () => {
    const { repo, ledger, writerId } = await trustedRepo();
    try {
      const head = repo.git('rev-parse', 'HEAD');
      for (let i = 0; i < 3; i++) assert.equal((await trail(repo.dir, ...deployment(head))).code, 0);
      assert.equal((await trail(repo.dir, 'timestamp', '--url', authority.url)).code, 0);
      // Revoked as a clone holding only the first record would: the bound is 1 record. The
      // authority writes whole seconds, so its token vouches for what came a second before.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      revokeKey(ledger, writerId, 'laptop stolen', new Date().toISOString(), 1);

      const stamped = await trail(repo.dir, 'verify');
      assert.equal(stamped.code, 0, stamped.stderr + stamped.stdout);

      // Without the token, heads 2 and 3 go past the bound.
      const key = loadWriterKey(ledger);
      const ref = logRef(writerId);
      const withToken = repo.git('rev-parse', ref);
      const unstamped = repo.git('rev-parse', `${ref}^`);
      repo.git('update-ref', ref, unstamped);
      const bare = await trail(repo.dir, 'verify');
      assert.equal(bare.code, 1);
      assert.match(bare.stderr, /tree head of size 3 goes past the 1 record the log held when key/);
      repo.git('update-ref', ref, withToken);

      // The thief appends with the stolen key and has the new head stamped: now, after the
      // revocation, so the authority's time shows it came after.
      await appendRecords(ledger, key, [deploymentRecord(head, '2026-01-01T00:00:00.000Z')]);
      const { timestampNewestHead } = await import('../../src/ledger/timestamp-heads.js');
      const late = await timestampNewestHead(ledger, writerId, authority.url);
      assert.equal(late?.size, 4);
      const thief = await trail(repo.dir, 'verify');
      assert.equal(thief.code, 1);
      assert.match(thief.stderr, /tree head of size 4 (was signed at|goes past)/);
      assert.doesNotMatch(thief.stderr, /tree head of size 3/);
    } finally {
      repo.cleanup();
    }
  });

  test('verify checks the newest token that holds, and older ones only once a revocation needs them', async () => {
    const { repo, ledger, writerId } = await trustedRepo();
    try {
      const head = repo.git('rev-parse', 'HEAD');
      for (let size = 1; size <= 3; size++) {
        assert.equal((await trail(repo.dir, ...deployment(head))).code, 0);
        assert.equal((await trail(repo.dir, 'timestamp', '--url', authority.url)).code, 0);
      }
      // The tokens of heads 1 and 2 damaged: nothing rests on them while head 3's holds.
      const tokens = await stampsOf(repo.dir, writerId);
      const damage = (token: Buffer) => {
        const copy = Buffer.from(token);
        copy[copy.length - 3]! ^= 0x01;
        return copy;
      };
      await putLogFiles(repo.dir, writerId, [
        { path: stampPath(1), content: damage(tokens.get(1)!) },
        { path: stampPath(2), content: damage(tokens.get(2)!) },
      ]);
      const quiet = await trail(repo.dir, 'verify');
      assert.equal(quiet.code, 0, quiet.stderr);
      assert.match(quiet.stderr, /its first 3 records existed by/);

      // Revoked with a bound of 1 record, 3 s from now: head 3's token came first, and suffices.
      revokeKey(ledger, writerId, 'laptop stolen', new Date(Date.now() + 3000).toISOString(), 1);
      const scheduled = await trail(repo.dir, 'verify');
      assert.equal(scheduled.code, 0, scheduled.stderr);
      // The revocation is dated later: the key is in force, and nothing is said to come before it.
      assert.doesNotMatch(scheduled.stderr, /before its key was revoked/);
      // Without it, the search goes down to head 2's token, which fails and is named.
      const ref = logRef(writerId);
      const files = repo.git('ls-tree', '-r', '--name-only', ref).split('\n');
      assert.ok(files.includes(stampPath(3)));
      await putLogFiles(repo.dir, writerId, [{ path: stampPath(3), content: Buffer.from('gone') }]);
      const needed = await trail(repo.dir, 'verify');
      assert.equal(needed.code, 1);
      assert.match(
        needed.stderr,
        /tree head of size 2 does not vouch for it: the timestamp token's signature by Trail Test TSA does not verify/,
      );
      assert.match(
        needed.stderr,
        /tree head of size 3 does not vouch for it: the timestamp token cannot be read/,
      );
      assert.match(needed.stderr, /tree head of size 2 goes past the 1 record/);
      assert.match(needed.stderr, /tree head of size 3 goes past the 1 record/);
      // No token holds: the search for the newest one that does went down to head 1's too.
      assert.match(needed.stderr, /tree head of size 1 does not vouch for it/);
    } finally {
      repo.cleanup();
    }
  });

  test("an authority's stated accuracy counts: a token that may come after the revocation does not vouch", async () => {
    const coarse = await startAuthority({ name: 'Coarse', accuracy: 'secs:30' });
    const { repo, ledger, writerId } = await trustedRepo();
    try {
      assert.equal((await trail(repo.dir, 'timestamp', 'trust', coarse.caFile)).code, 0);
      const head = repo.git('rev-parse', 'HEAD');
      for (let i = 0; i < 2; i++) assert.equal((await trail(repo.dir, ...deployment(head))).code, 0);
      assert.equal((await trail(repo.dir, 'timestamp', '--url', coarse.url)).code, 0);
      // Revoked 3 s from now: within the token's 30 s of accuracy, so it cannot show head 2 came first.
      revokeKey(ledger, writerId, 'laptop stolen', new Date(Date.now() + 3000).toISOString(), 1);
      const verify = await trail(repo.dir, 'verify');
      assert.equal(verify.code, 1);
      assert.match(verify.stderr, /tree head of size 2 goes past the 1 record/);

      // The same head stamped by the authority that states no accuracy: it came first.
      const ref = logRef(writerId);
      repo.git('update-ref', ref, repo.git('rev-parse', `${ref}^`));
      assert.equal((await trail(repo.dir, 'timestamp', '--url', authority.url)).code, 0);
      const precise = await trail(repo.dir, 'verify');
      assert.equal(precise.code, 0, precise.stderr);
    } finally {
      repo.cleanup();
      await coarse.close();
    }
  });
});
