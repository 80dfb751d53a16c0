/**
 * `trail admin` against a real server on 127.0.0.1 (PGlite: the routes behind it are tested
 * on both backends elsewhere; this is about the command line). Tokens are created, listed and
 * revoked and then work or are refused; a webhook secret read from stdin is the one deliveries
 * are checked against; a repository's name comes from its clone's origin; a purge removes
 * what it says; and mistakes are one line before any request.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadWriterKey } from '../../src/ledger/keys.js';
import { appendRecords } from '../../src/ledger/log-store.js';
import { findRepo } from '../../src/ledger/repo.js';
import type { RunningServer } from '../../src/server/server.js';
import { startServer } from '../../src/server/server.js';
import { pushTo, trail, trailProcessAsync } from '../helpers/cli.js';
import { deliverGitHub, githubPush } from '../helpers/github-webhook.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempDir, tempRepo } from '../helpers/temp-repo.js';
import type { OpenedDb } from './harness.js';
import { BACKENDS, callOverHttp, checkpointRecord } from './harness.js';

const pglite = BACKENDS.find((b) => b.name === 'pglite')!;

describe('trail admin', () => {
  let opened: OpenedDb;
  let server: RunningServer;
  let adminToken: string;
  const repos: TempRepo[] = [];
  const folders: string[] = [];

  before(async () => {
    opened = await pglite.open();
    server = await startServer({ db: opened.db, port: 0, host: '127.0.0.1', config: { rateLimit: false } });
    adminToken = server.adminToken!;
  });
  after(async () => {
    await server.close();
    await opened.cleanup();
    for (const r of repos) r.cleanup();
    for (const f of folders) rmSync(f, { recursive: true, force: true });
  });

  /** A folder that is not a git repository: admin commands must work there too. */
  const outside = () => {
    const dir = tempDir();
    folders.push(dir);
    return dir;
  };
  const admin = (cwd: string, ...args: string[]) =>
    trail(cwd, 'admin', ...args, '--server', server.url, '--token', adminToken);

  test('tokens: the secret goes to stdout once, the list shows scope and revocation, a revoked token is refused', async () => {
    const cwd = outside();
    const created = await admin(
      cwd,
      'tokens',
      'create',
      '--name',
      'acme CI',
      '--role',
      'ingest',
      '--org',
      'acme',
      '--org',
      'beta',
    );
    assert.equal(created.code, 0, created.stderr);
    const secret = created.stdout.trim();
    assert.match(secret, /^trail_[A-Za-z0-9_-]{20,}$/);
    const id = /^created (tok_[0-9a-f]+): ingest for orgs acme, beta;/.exec(created.stderr)?.[1];
    assert.ok(id, created.stderr);

    const pushed = await callOverHttp(server.url, secret, 'POST', '/api/v1/repos/acme%2Fapp/keys', {
      keys: [],
    });
    assert.notEqual(pushed.status, 401, 'the new token is known to the server');
    assert.notEqual(pushed.status, 403, 'and may ingest for acme');

    const listed = await admin(cwd, 'tokens', 'list', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const row = (JSON.parse(listed.stdout) as { tokens: Array<Record<string, unknown>> }).tokens.find(
      (t) => t.id === id,
    );
    assert.deepEqual(
      { name: row?.name, role: row?.role, orgs: row?.orgs, repos: row?.repos, revokedAt: row?.revokedAt },
      { name: 'acme CI', role: 'ingest', orgs: ['acme', 'beta'], repos: null, revokedAt: null },
    );
    assert.ok(!listed.stdout.includes(secret), 'the list never shows a secret');

    const revoked = await admin(cwd, 'tokens', 'revoke', id);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stderr, new RegExp(`^${id} revoked at \\d{4}-`));
    const refused = await callOverHttp(server.url, secret, 'POST', '/api/v1/repos/acme%2Fapp/keys', {
      keys: [],
    });
    assert.equal(refused.status, 401);
    const human = await admin(cwd, 'tokens', 'list');
    assert.match(human.stderr, new RegExp(`\\n${id}  ingest  acme CI  \\(orgs acme, beta\\)  REVOKED `));
  });

  test('a token scoped to repositories, with an expiry, and what the server refuses comes back as one line', async () => {
    const cwd = outside();
    const scoped = await admin(
      cwd,
      'tokens',
      'create',
      '--name',
      'auditor of app',
      '--role',
      'auditor',
      '--repo',
      'acme/app',
      '--expires',
      '2099-01-01T00:00:00Z',
      '--json',
    );
    assert.equal(scoped.code, 0, scoped.stderr);
    const body = JSON.parse(scoped.stdout) as Record<string, unknown>;
    assert.deepEqual(
      { role: body.role, repos: body.repos, orgs: body.orgs, expiresAt: body.expiresAt },
      { role: 'auditor', repos: ['acme/app'], orgs: null, expiresAt: '2099-01-01T00:00:00Z' },
    );
    const wrongRole = await admin(cwd, 'tokens', 'create', '--name', 'x', '--role', 'owner');
    assert.equal(wrongRole.code, 1);
    assert.equal(
      wrongRole.stderr,
      'trail: the server refused POST /api/v1/admin/tokens: 400 role must be one of admin, auditor, reviewer, ingest\n',
    );
    const notAdmin = await trail(
      cwd,
      'admin',
      'tokens',
      'list',
      '--server',
      server.url,
      '--token',
      String(body.token),
    );
    assert.equal(notAdmin.code, 1);
    assert.match(notAdmin.stderr, /^trail: the server refused GET \/api\/v1\/admin\/tokens: 403 [^\n]*\n$/);
  });

  test('a webhook secret read from stdin is the one GitHub deliveries are checked against', async () => {
    const cwd = outside();
    const secret = 'a-webhook-secret-of-some-length';
    const set = await trailProcessAsync(
      cwd,
      ['admin', 'webhook-secret', '--host', 'github', '--org', 'hooked', '--secret-file', '-'],
      `${secret}\n`,
      { TRAIL_SERVER: server.url, TRAIL_TOKEN: adminToken },
    );
    assert.equal(set.code, 0, set.stderr);
    assert.equal(
      set.stderr,
      'github webhook secret set for org hooked; deliveries are checked against it from now on\n',
    );
    assert.ok(!set.stdout.includes(secret) && !set.stderr.includes(secret), 'the secret is not echoed');
    const payload = githubPush({
      repo: 'hooked/app',
      ref: 'refs/heads/main',
      before: '0'.repeat(40),
      commits: ['a'.repeat(40)],
    });
    const good = await deliverGitHub(server.url, { secret, event: 'push', id: 'admin-cli-1', payload });
    assert.equal(good.status, 201, await good.text());
    const bad = await deliverGitHub(server.url, {
      secret: `${secret}\n`,
      event: 'push',
      id: 'admin-cli-2',
      payload,
    });
    assert.equal(bad.status, 401, 'the newline that ended the input is not part of the secret');
  });

  test("a clone's origin names the repository: keys, lock, unlock", async () => {
    const clone = tempRepo();
    repos.push(clone);
    assert.equal((await trail(clone.dir, 'init', '--yes')).code, 0);
    clone.git('remote', 'add', 'origin', 'git@github.com:acme/origin-named.git');
    const repo = await findRepo(clone.dir);
    const key = loadWriterKey(repo);
    await appendRecords(repo, key, [checkpointRecord({ commit: clone.commit('work') })]);
    const pushed = await trail(clone.dir, 'push', '--server', server.url, '--token', adminToken);
    assert.equal(pushed.code, 0, pushed.stderr);

    const open = await admin(clone.dir, 'keys');
    assert.equal(open.code, 0, open.stderr);
    assert.match(open.stderr, /^acme\/origin-named: key set open /);
    assert.match(open.stderr, new RegExp(`\\n${key.keyId}  .*  in force\\n`));
    const locked = await admin(clone.dir, 'lock-keys', '--json');
    assert.equal(locked.code, 0, locked.stderr);
    assert.deepEqual(JSON.parse(locked.stdout), {
      repo: 'acme/origin-named',
      locked: true,
      approved: [key.keyId],
    });
    const again = await admin(clone.dir, 'approve-key', key.keyId);
    assert.equal(again.stderr, `acme/origin-named: key ${key.keyId} was already approved\n`);
    const unknown = await admin(clone.dir, 'approve-key', 'f'.repeat(32));
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /404 no key f{32} is registered for acme\/origin-named/);
    const unlocked = await admin(clone.dir, 'unlock-keys');
    assert.equal(
      unlocked.stderr,
      'acme/origin-named: key set open; any ingest token in scope may register a key again\n',
    );
    const state = await admin(clone.dir, 'keys', '--json');
    assert.equal(JSON.parse(state.stdout).keySetLocked, false);
  });

  test('purge: removes what is older than the cutoff and says how much', async () => {
    const clone = tempRepo();
    repos.push(clone);
    assert.equal((await trail(clone.dir, 'init', '--yes')).code, 0);
    const repo = await findRepo(clone.dir);
    await appendRecords(repo, loadWriterKey(repo), [
      checkpointRecord({ commit: clone.commit('old work'), time: '2020-01-01T00:00:00Z' }),
    ]);
    await pushTo(clone.dir, server.url, adminToken, 'acme/purged');
    const purge = await admin(
      outside(),
      'purge',
      '--repo',
      'acme/purged',
      '--before',
      '2021-01-01T00:00:00Z',
      '--reason',
      'retention: 1 year',
    );
    assert.equal(purge.code, 0, purge.stderr);
    assert.match(
      purge.stderr,
      /^acme\/purged: purge \d+ removed [^\n]*1 ledger_entries[^\n]* older than 2021-01-01T00:00:00Z\n$/,
    );
    const log = await opened.db.query<{ reason: string }>('SELECT reason FROM purge_log');
    assert.ok(log.rows.some((r) => r.reason === 'retention: 1 year'));
  });

  test('mistakes fail with one line and exit 2 before any request', async () => {
    const cwd = outside();
    const cases: Array<[string[], RegExp]> = [
      [['keys'], /^trail: name the repository: --repo ORG\/NAME \(or run this in its clone\)\n$/],
      [
        ['purge', '--repo', 'a/b', '--before', 'yesterday', '--reason', 'x'],
        /^trail: --before takes an ISO 8601 time, not "yesterday"\n$/,
      ],
      [
        ['tokens', 'create', '--name', 'n', '--role', 'ingest', '--expires', 'soon'],
        /^trail: --expires takes an ISO 8601 time, not "soon"\n$/,
      ],
      [
        ['webhook-secret', '--host', 'github', '--org', 'a', '--repo', 'a/b', '--secret-file', '-'],
        /^trail: give --org or --repo, not both\n$/,
      ],
    ];
    for (const [args, expected] of cases) {
      const result = await admin(cwd, ...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, expected, args.join(' '));
    }
    const noToken = await trailProcessAsync(
      cwd,
      ['admin', 'tokens', 'list', '--server', server.url],
      undefined,
      {
        TRAIL_TOKEN: '',
      },
    );
    assert.equal(noToken.code, 2);
    assert.equal(noToken.stderr, 'trail: no admin token given: pass --token or set TRAIL_TOKEN\n');
    const missing = await admin(cwd, 'webhook-secret', '--host', 'github', '--secret-file', 'missing');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'trail: cannot read missing: no such file\n');
    writeFileSync(join(cwd, 'short'), 'too short');
    const short = await admin(cwd, 'webhook-secret', '--host', 'github', '--secret-file', 'short');
    assert.equal(short.code, 1);
    assert.match(short.stderr, /400 secret must be a string of 16 to 1,024 characters\n$/);
  });
});
