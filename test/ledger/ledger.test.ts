/** The ledger in git: concurrency, push/clone round trip, and the CLI around it. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeEntry } from '../../src/core/log-entry.js';
import { listLogRefs, readLogs } from '../../src/ledger/log-store.js';
import { findRepo } from '../../src/ledger/repo.js';
import { trail, trailProcess } from '../helpers/cli.js';
import { forbidPackages } from '../helpers/module-guard.js';
import { git, gitEnv, tempDir, tempRepo } from '../helpers/temp-repo.js';

const worker = fileURLToPath(new URL('../helpers/append-worker.ts', import.meta.url));

function runWorker(dir: string, count: number, label: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, dir, String(count), label], {
      env: gitEnv,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

describe('ledger', () => {
  test('8 processes x 200 appends: 1,600 records in one valid chain, none lost or forked', async () => {
    const repo = tempRepo();
    try {
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
      const codes = await Promise.all(
        Array.from({ length: 8 }, (_, i) => runWorker(repo.dir, 200, String(i))),
      );
      assert.deepEqual(codes, [0, 0, 0, 0, 0, 0, 0, 0]);
      const ledger = await findRepo(repo.dir);
      const refs = await listLogRefs(ledger);
      assert.equal(refs.length, 1, 'one writer, one log');
      const [log] = await readLogs(ledger, refs);
      assert.equal(log!.entries.length, 1600);
      assert.equal(log!.heads.length, 1600, 'a signed tree head after each append');
      const seen = new Set(log!.entries.lines().map((l) => (decodeEntry(l).record as { what: string }).what));
      assert.equal(seen.size, 1600, 'every append present exactly once');
      for (let w = 0; w < 8; w++) assert.ok(seen.has(`worker ${w} append 199`));
      // A fork would leave a commit with two children; the log's history is one line.
      assert.equal(repo.git('rev-list', '--count', '--merges', refs[0]!.ref), '0');
      assert.equal(repo.git('rev-list', '--count', refs[0]!.ref), '1600');
      const verify = await trail(repo.dir, 'verify');
      assert.equal(verify.code, 0, verify.stderr);
      assert.match(verify.stderr, /verified 1600 records/);
    } finally {
      repo.cleanup();
    }
  });

  test('an append builds on the log ref as it is, not on a cached tip the ref was moved back from', async () => {
    const repo = tempRepo();
    try {
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
      const head = repo.commit('first');
      const record = (env: string) => ['record', 'deployment', '--env', env, '--commit', head];
      for (const env of ['one', 'two']) assert.equal((await trail(repo.dir, ...record(env))).code, 0);
      const ledger = await findRepo(repo.dir);
      const [ref] = (await listLogRefs(ledger)).map((r) => r.ref);
      // Moved back by hand to the first append: the tip cache still names the second.
      const first = repo.git('rev-parse', `${ref}~1`);
      repo.git('update-ref', ref!, first);
      assert.equal((await trail(repo.dir, ...record('three'))).code, 0);
      assert.equal(repo.git('rev-parse', `${ref}~1`), first, 'the append went on from the ref');
      const [log] = await readLogs(ledger, await listLogRefs(ledger));
      assert.deepEqual(
        log!.entries.lines().map((line) => (decodeEntry(line).record as { env: string }).env),
        ['one', 'three'],
      );
      // Nothing hides that the log was moved back: this clone saw record 1 as "two".
      const verify = await trail(repo.dir, 'verify');
      assert.equal(verify.code, 1);
      assert.match(
        verify.stderr,
        /record 1 \([0-9a-f]{12}\): rewritten: history rewritten: record 1 differs/,
      );
    } finally {
      repo.cleanup();
    }
  });

  test('records survive git push to a bare remote and git clone, and verify there', async () => {
    const origin = tempRepo({ bare: true });
    const a = tempRepo();
    const cloneParent = tempDir();
    try {
      assert.equal((await trail(a.dir, 'init', '--yes')).code, 0);
      a.write('README.md', 'hello\n');
      a.commit('initial commit with .trail/');
      for (const env of ['staging', 'prod']) {
        const r = await trail(
          a.dir,
          'record',
          'deployment',
          '--env',
          env,
          '--commit',
          a.git('rev-parse', 'HEAD'),
        );
        assert.equal(r.code, 0, r.stderr);
      }
      a.git('remote', 'add', 'origin', origin.dir);
      assert.equal((await trail(a.dir, 'init', '--yes')).code, 0, 'init again adds the new remote refspec');
      // A plain git push: the pre-push hook carries Trail's refs along (a real process).
      const push = a.git('push', '-q', 'origin', 'main');
      assert.equal(push, '');
      assert.match(git(origin.dir, 'for-each-ref', 'refs/trail/'), /refs\/trail\/logs\/[0-9a-f]{32}/);

      git(cloneParent, 'clone', '-q', origin.dir, 'b');
      const b = join(cloneParent, 'b');
      // Before the logs are fetched (as in a CI checkout, which fetches branches only), verify
      // holds over nothing, and says so rather than let "all hold" read as a pass.
      const unfetched = await trail(b, 'verify');
      assert.equal(unfetched.code, 0, unfetched.stderr);
      assert.match(
        unfetched.stderr,
        /^verified 0 records in 0 logs from 0 writers: all hold\nnote: no log is here, though \.trail\/keys trusts 1 other writer: if they have written, fetch their logs \(git fetch origin /,
      );
      const gate = await trail(b, 'check', 'HEAD');
      assert.match(gate.stderr, /^note: no log is here, though \.trail\/keys trusts 1 other writer: /m);
      // A PR summary posted from such a clone says it first, above "no checkpoint" for each commit.
      const unfetchedSummary = await trail(b, 'pr-summary', '--base', 'HEAD', '--json');
      assert.equal(unfetchedSummary.code, 0, unfetchedSummary.stderr);
      assert.match(JSON.parse(unfetchedSummary.stdout).gaps[0].message, /^no log is here, though/);
      assert.equal(JSON.parse(unfetchedSummary.stdout).gaps[0].kind, 'ledger-not-fetched');
      assert.equal((await trail(b, 'init', '--yes')).code, 0);
      git(b, 'fetch', '-q', 'origin');
      const verify = await trail(b, 'verify');
      assert.equal(verify.code, 0, verify.stderr);
      assert.match(verify.stderr, /verified 2 records in 1 log from 1 writer/);
      assert.doesNotMatch(verify.stderr, /note: no log/);
      // The logs are here now: no checkpoint (this writer recorded deployments only) is the
      // ledger's own answer, and check says nothing of fetching.
      assert.doesNotMatch((await trail(b, 'check', 'HEAD')).stderr, /note: no log/);
      const fetchedSummary = JSON.parse((await trail(b, 'pr-summary', '--base', 'HEAD', '--json')).stdout);
      assert.ok(!fetchedSummary.gaps.some((g: { kind: string }) => g.kind === 'ledger-not-fetched'));
      // A first push to an empty remote from a clone with no log of its own yet: nothing to
      // carry (git would refuse the refspec: "No refs in common"), so no gap either.
      git(cloneParent, 'init', '-q', '--bare', 'empty.git');
      git(b, 'remote', 'add', 'empty', join(cloneParent, 'empty.git'));
      git(b, 'push', '-q', 'empty', 'main');
      assert.ok(!existsSync(join(b, '.git/trail/spool/gaps.jsonl')), 'no capture gap');
      assert.ok(!existsSync(join(b, '.git/trail/push-pending')), 'nothing left to retry');

      // The remote is force-pushed with a rewritten log: the clone that saw it catches it.
      const ref = git(origin.dir, 'for-each-ref', '--format=%(refname)', 'refs/trail/logs/');
      const first = git(origin.dir, 'rev-list', '--reverse', ref).split('\n')[0]!;
      git(origin.dir, 'update-ref', ref, first);
      git(b, 'fetch', '-q', 'origin');
      const after = await trail(b, 'verify');
      assert.equal(after.code, 1);
      assert.match(after.stderr, /truncated/);
    } finally {
      origin.cleanup();
      a.cleanup();
    }
  });

  test('verify and check in a repository without Trail say so, rather than a bare "all hold"', async () => {
    const repo = tempRepo();
    try {
      repo.commit('base');
      const verify = await trail(repo.dir, 'verify');
      assert.equal(verify.code, 0, verify.stderr);
      const notSetUp =
        'note: Trail is not set up in this repository (no .trail/): there is no ledger here; trail init sets one up';
      assert.equal(verify.stderr, `verified 0 records in 0 logs from 0 writers: all hold\n${notSetUp}\n`);
      const check = await trail(repo.dir, 'check', 'HEAD');
      assert.match(check.stderr, new RegExp(`^${notSetUp.replace(/[().]/g, '\\$&')}$`, 'm'));
      // Once set up, an empty ledger is the ledger's own answer: no note.
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
      assert.equal(
        (await trail(repo.dir, 'verify')).stderr,
        'verified 0 records in 0 logs from 0 writers: all hold\n',
      );
    } finally {
      repo.cleanup();
    }
  });

  test('init keeps an existing pre-push hook and its exit status; uninstall restores it', async () => {
    const repo = tempRepo();
    try {
      const hook = join(repo.dir, '.git', 'hooks', 'pre-push');
      writeFileSync(hook, '#!/bin/sh\necho user-hook >> "$(dirname "$0")/../user-hook-ran"\nexit 0\n', {
        mode: 0o755,
      });
      const original = readFileSync(hook, 'utf8');
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
      assert.ok(existsSync(`${hook}.pre-trail`));
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0, 'init is idempotent');
      assert.equal(readFileSync(`${hook}.pre-trail`, 'utf8'), original);
      const un = await trail(repo.dir, 'uninstall');
      assert.equal(un.code, 0, un.stderr);
      assert.equal(readFileSync(hook, 'utf8'), original);
      assert.ok(!existsSync(`${hook}.pre-trail`));
    } finally {
      repo.cleanup();
    }
  });

  test('trail verify of a ledger without approvals or timestamps loads no record schemas (zod) and no X.509 (pkijs)', async () => {
    const repo = tempRepo();
    try {
      const guarded = forbidPackages(['zod', 'pkijs', 'asn1js']);
      assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
      const record = ['record', 'deployment', '--env', 'prod', '--commit', 'a'.repeat(40)];
      // The guard works: appending validates the record, so it needs the schemas.
      const append = trailProcess(repo.dir, record, undefined, guarded);
      assert.notEqual(append.code, 0);
      assert.match(append.stderr, /zod was loaded/);
      assert.equal(trailProcess(repo.dir, record).code, 0);

      const verify = trailProcess(repo.dir, ['verify'], undefined, guarded);
      assert.equal(verify.code, 0, verify.stderr);
      assert.match(verify.stderr, /verified 1 record in 1 log from 1 writer: all hold/);
    } finally {
      repo.cleanup();
    }
  });

  test('trail --help loads no command implementation: server, PDF, MCP, XML', () => {
    const repo = tempRepo();
    try {
      const heavy = forbidPackages([
        'hono',
        '@hono/node-server',
        '@electric-sql/pglite',
        'pg',
        'pdfkit',
        '@modelcontextprotocol/sdk',
        'fast-xml-parser',
        'pkijs',
        'asn1js',
      ]);
      // The guard works: serving needs the server's packages.
      const serve = trailProcess(repo.dir, ['serve', '--port', '0'], undefined, heavy);
      assert.notEqual(serve.code, 0);
      assert.match(serve.stderr, /(hono|@hono\/node-server|@electric-sql\/pglite|pg) was loaded/);

      const help = trailProcess(repo.dir, ['--help'], undefined, heavy);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stderr, /Usage: trail/);
      assert.match(help.stderr, /serve \[options\]/);
    } finally {
      repo.cleanup();
    }
  });

  test('CLI: --help, bad input gives one line and a non-zero exit, --file, --json', async () => {
    const repo = tempRepo();
    try {
      const help = trailProcess(repo.dir, ['--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout + help.stderr, /Usage: trail/);
      const version = trailProcess(repo.dir, ['--version']);
      assert.equal(version.code, 0, version.stderr);
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
      assert.equal((version.stdout + version.stderr).trim(), pkg.version);

      const notInit = await trail(
        repo.dir,
        'record',
        'deployment',
        '--env',
        'prod',
        '--commit',
        'a'.repeat(40),
      );
      assert.equal(notInit.code, 1);
      assert.equal(notInit.stderr, 'trail: Trail is not set up in this repository: run `trail init`\n');

      await trail(repo.dir, 'init', '--yes');
      const bad = await trail(repo.dir, 'record', 'deployment', '--env', 'prod', '--commit', 'xyz');
      assert.equal(bad.code, 1);
      assert.equal(bad.stderr.trim().split('\n').length, 1);
      assert.match(bad.stderr, /field "commit": must be a full git object id/);

      const unknown = await trail(repo.dir, 'record', 'deploymnt', '--env', 'prod');
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /field "kind"/);

      const file = join(repo.dir, 'records.jsonl');
      writeFileSync(
        file,
        [
          JSON.stringify({
            kind: 'rollback',
            env: 'prod',
            from: 'b'.repeat(40),
            to: 'c'.repeat(40),
            reason: 'errors up',
          }),
          JSON.stringify({
            kind: 'event',
            sessionId: 's1',
            event: { type: 'risk', text: 'rate limits', severity: 'high' },
          }),
        ].join('\n'),
      );
      const ok = await trail(repo.dir, 'record', '--file', file, '--json');
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(JSON.parse(ok.stdout).ids.length, 2);

      const badFile = join(repo.dir, 'bad.json');
      writeFileSync(badFile, '{"kind": "rollback", ');
      const parse = await trail(repo.dir, 'record', '--file', badFile);
      assert.equal(parse.code, 1);
      assert.match(parse.stderr, /^trail: .*bad\.json is not valid JSON/);

      const missing = await trail(repo.dir, 'record', '--file', join(repo.dir, 'nope.json'));
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /cannot read .*nope\.json: no such file/);

      const verify = await trail(repo.dir, 'verify', '--json');
      assert.equal(verify.code, 0);
      assert.equal(JSON.parse(verify.stdout).records, 2, 'nothing was written by the failed calls');

      const outside = await trail(tempDir(), 'status');
      assert.equal(outside.code, 1);
      assert.match(outside.stderr, /is not inside a git repository/);
    } finally {
      repo.cleanup();
    }
  });
});
