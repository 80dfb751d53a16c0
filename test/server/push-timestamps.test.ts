/**
 * RFC 3161 timestamp tokens on the server, on PGlite and on PostgreSQL: `trail push` carries a
 * log's tokens, the server keeps those that vouch for a head it holds under an authority its
 * operator trusts (`timestampAuthorities`, `trail serve --timestamp-authority`), and counts,
 * as a clone does, the reviews a token made before the reviewer's key was revoked covers: in
 * a checkpoint's detail and in its review status. OpenSSL's own TSA over HTTP, real git, the
 * CLI as users run it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { generateKeyPair } from '../../src/core/signature.js';
import { revokeKey, trustKey } from '../../src/ledger/keys.js';
import { appendRecords } from '../../src/ledger/log-store.js';
import { findRepo } from '../../src/ledger/repo.js';
import { certificatesOfPem } from '../../src/ledger/timestamp-authorities.js';
import { timestampNewestHead } from '../../src/ledger/timestamp-heads.js';
import type { RunningServer } from '../../src/server/server.js';
import { startServer } from '../../src/server/server.js';
import { trail } from '../helpers/cli.js';
import { approvalOf, signedReview } from '../helpers/signed-review.js';
import { tempRepo } from '../helpers/temp-repo.js';
import type { TestAuthority } from '../helpers/tsa.js';
import { startAuthority } from '../helpers/tsa.js';
import type { Change, ScriptedRepo } from '../report/fixture.js';
import { ScriptedRepo as Scripted, T0 } from '../report/fixture.js';
import type { OpenedDb } from './harness.js';
import { BACKENDS, callOverHttp, count, token } from './harness.js';

const REPO = 'acme/stamped';

for (const backend of BACKENDS) {
  describe(`timestamp tokens pushed to the server (${backend.name})`, () => {
    let authority: TestAuthority;
    let stranger: TestAuthority;
    let opened: OpenedDb;
    let server: RunningServer;
    let bare: RunningServer;
    let bareOpened: OpenedDb;
    let ingest: string;
    let bareIngest: string;
    let auditor: string;
    let s: ScriptedRepo;
    let covered: Change;
    let coveredUnsigned: Change;
    let afterToken: Change;
    const reviewer = generateKeyPair();
    const review = (c: Change) => approvalOf(c, new Date(T0 + 40 * 24 * 3600_000).toISOString());
    const push = async (to: RunningServer) => {
      const as = to === bare ? bareIngest : ingest;
      const pushed = await trail(s.dir, 'push', '--server', to.url, '--token', as, '--repo', REPO, '--json');
      assert.equal(pushed.code, 0, pushed.stderr);
      const report = JSON.parse(pushed.stdout);
      return {
        report,
        of: (writerId: string) => report.writers.find((w: { writerId: string }) => w.writerId === writerId),
      };
    };
    const detail = async (c: Change) => {
      const answer = await callOverHttp(server.url, auditor, 'GET', `/api/v1/checkpoints/${c.checkpointId}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body as {
        reviews: Array<{ id: string }>;
        reviewsNotCounted: Array<{ why: string }>;
        reviewsOnTimestamp: Record<string, string>;
      };
    };
    const approved = async () => {
      const answer = await callOverHttp(
        server.url,
        auditor,
        'GET',
        `/api/v1/checkpoints?repo=${encodeURIComponent(REPO)}&status=approved`,
      );
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return new Set((answer.body.checkpoints as Array<{ id: string }>).map((c) => c.id));
    };
    /** A dashboard page as an auditor signed in sees it. */
    const dashboardPage = async (path: string) => {
      const login = await server.app.request('/ui/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: auditor, next: '/ui' }).toString(),
      });
      assert.equal(login.status, 303, await login.text());
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
      return (await server.app.request(path, { headers: { cookie } })).text();
    };
    const postStamps = (stamps: unknown) =>
      callOverHttp(
        server.url,
        ingest,
        'POST',
        `/api/v1/repos/${encodeURIComponent(REPO)}/writers/${reviewer.keyId}/stamps`,
        {
          stamps,
        },
      );

    before(async () => {
      authority = await startAuthority();
      stranger = await startAuthority({ name: 'Stranger' });
      opened = await backend.open();
      server = await startServer({
        db: opened.db,
        port: 0,
        host: '127.0.0.1',
        config: {
          rateLimit: false,
          timestampAuthorities: certificatesOfPem(readFileSync(authority.caFile, 'utf8')),
        },
      });
      // A server, on a database of its own, whose operator named no authority.
      bareOpened = await backend.open();
      bare = await startServer({
        db: bareOpened.db,
        port: 0,
        host: '127.0.0.1',
        config: { rateLimit: false },
      });
      bareIngest = await token(bare.db, { name: 'ci', role: 'ingest', orgs: ['acme'] });
      ingest = await token(server.db, { name: 'ci', role: 'ingest', orgs: ['acme'] });
      auditor = await token(server.db, { name: 'auditor', role: 'auditor' });

      s = await Scripted.create();
      s.branch('work', 'base');
      covered = await s.change({ name: 'w1', day: 1 });
      coveredUnsigned = await s.change({ name: 'w2', day: 2 });
      afterToken = await s.change({ name: 'w3', day: 3 });
      assert.equal((await trail(s.dir, 'timestamp', 'trust', authority.caFile)).code, 0);
      trustKey(s.ledger, reviewer.publicKey, 'cto@example.com');
      const { signature: _signature, ...unsigned } = signedReview(review(coveredUnsigned), reviewer);
      await appendRecords(s.ledger, reviewer, [signedReview(review(covered), reviewer), unsigned]);
      assert.equal((await timestampNewestHead(s.ledger, reviewer.keyId, authority.url))?.size, 2);
      await appendRecords(s.ledger, reviewer, [signedReview(review(afterToken), reviewer)]);
    });
    after(async () => {
      await bare?.close();
      await bareOpened?.cleanup();
      await server?.close();
      await opened?.cleanup();
      s?.cleanup();
      await authority?.close();
      await stranger?.close();
    });

    test('trail push carries the tokens the server lacks, once; a server that trusts no authority keeps none', async () => {
      const refused = await push(bare);
      assert.deepEqual(refused.of(reviewer.keyId).stamps, {
        sent: 1,
        stored: 0,
        held: 0,
        refused: [
          {
            size: 2,
            why: 'this server trusts no timestamping authority (trail serve --timestamp-authority FILE)',
          },
        ],
      });
      assert.equal(await count(bare.db, 'log_stamps'), 0);

      const first = await push(server);
      assert.deepEqual(first.of(reviewer.keyId).stamps, { sent: 1, stored: 1, held: 0, refused: [] });
      assert.equal(await count(server.db, 'log_stamps'), 1);
      const text = await trail(s.dir, 'push', '--server', server.url, '--token', ingest, '--repo', REPO);
      assert.equal(text.code, 0, text.stderr);
      assert.doesNotMatch(text.stderr, /timestamp token/, 'nothing new to send');
      const again = await push(server);
      assert.equal(again.of(reviewer.keyId).stamps, undefined);
      assert.equal(await count(server.db, 'log_stamps'), 1);

      // The ledger status says what the token shows, in the API and on the dashboard.
      const ledger = await callOverHttp(
        server.url,
        auditor,
        'GET',
        `/api/v1/ledger?repo=${encodeURIComponent(REPO)}`,
      );
      assert.equal(ledger.status, 200, JSON.stringify(ledger.body));
      const writers: Array<{ writerId: string; timestamp: unknown }> = ledger.body.repos[0].writers;
      const stamped = writers.find((w) => w.writerId === reviewer.keyId)!.timestamp as {
        size: number;
        authority: string;
      };
      assert.deepEqual(
        { ...stamped, time: undefined },
        { size: 2, time: undefined, authority: 'Trail Test TSA' },
      );
      assert.ok(writers.filter((w) => w.writerId !== reviewer.keyId).every((w) => w.timestamp === null));
      const page = await dashboardPage('/ui/ledger');
      assert.match(page, /<th>Timestamped<\/th>/);
      // The day never splits at its hyphens in a narrow column: it is one unbreakable span.
      assert.match(
        page,
        /first 2 by <time[^>]*><span class="nowrap">\d{4}-\d\d-\d\d<\/span> \d\d:\d\d UTC<\/time><div class="faint">Trail Test TSA<\/div>/,
      );
      assert.match(page, /<span class="faint">no token<\/span>/);
    });

    test('trail pull writes the tokens the server keeps into its copy of the log, where verify weighs them', async () => {
      const other = tempRepo();
      try {
        assert.equal((await trail(other.dir, 'init', '--yes')).code, 0);
        assert.equal((await trail(other.dir, 'timestamp', 'trust', authority.caFile)).code, 0);
        trustKey(await findRepo(other.dir), reviewer.publicKey, 'cto@example.com');
        const pull = () =>
          trail(other.dir, 'pull', '--server', server.url, '--token', ingest, '--repo', REPO, '--json');
        const pulled = await pull();
        assert.equal(pulled.code, 0, pulled.stderr);
        const mine = JSON.parse(pulled.stdout).writers.find(
          (w: { writerId: string }) => w.writerId === reviewer.keyId,
        );
        assert.equal(mine.fetched, 3);
        assert.equal(mine.stamps, 1);
        const verified = JSON.parse((await trail(other.dir, 'verify', '--json')).stdout);
        const copy = verified.logs.find((l: { writerId: string }) => l.writerId === reviewer.keyId);
        assert.deepEqual(copy.problems, []);
        assert.equal(copy.timestamp.size, 2);
        assert.equal(copy.timestamp.authority, 'Trail Test TSA');
        const again = JSON.parse((await pull()).stdout).writers.find(
          (w: { writerId: string }) => w.writerId === reviewer.keyId,
        );
        assert.equal(again.stamps, undefined, 'nothing new');
      } finally {
        other.cleanup();
      }
    });

    test('the endpoint keeps only a token that vouches for a head it holds, and says why of the others', async () => {
      const [held] = await Promise.all([postStamps([])]);
      assert.equal(held.status, 200);
      // A stranger's token over the same head bytes: a real RFC 3161 token, from an authority
      // the operator did not name.
      const { signedTreeHeadBytes } = await import('../../src/core/log-entry.js');
      const { obtainTimestamp } = await import('../../src/io/timestamp-client.js');
      const { listLogRefs, readLogs } = await import('../../src/ledger/log-store.js');
      const refs = (await listLogRefs(s.ledger)).filter((r) => r.writerId === reviewer.keyId && !r.remote);
      const [snapshot] = await readLogs(s.ledger, refs);
      const head3 = snapshot!.heads.find((h) => h.size === 3)!;
      const strangers = certificatesOfPem(readFileSync(stranger.caFile, 'utf8'));
      const { token: strangeToken } = await obtainTimestamp(
        stranger.url,
        signedTreeHeadBytes(head3)!,
        strangers,
      );
      const answer = await postStamps([
        { size: 2, token: Buffer.from(snapshot!.stamps[0]!.token).toString('base64') },
        { size: 3, token: strangeToken.toString('base64') },
        { size: 9, token: strangeToken.toString('base64') },
      ]);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const [two, three, nine] = answer.body.stamps;
      assert.deepEqual(two, { size: 2, status: 'held' });
      assert.equal(three.status, 'refused');
      assert.match(three.why, /^the token does not vouch for the head: .*(trusted|chain)/);
      assert.deepEqual(nine, {
        size: 9,
        status: 'refused',
        why: `the server holds no tree head of size 9 for writer ${reviewer.keyId} (push the log first)`,
      });
      const junk = await postStamps([{ size: 3, token: Buffer.from('no token').toString('base64') }]);
      assert.equal(junk.body.stamps[0].status, 'refused');
      assert.match(junk.body.stamps[0].why, /cannot be read/);
      assert.equal(await count(server.db, 'log_stamps'), 1);

      for (const bad of [[{ size: 0, token: 'AA==' }], [{ size: 2, token: 'not base64!' }], 'stamps']) {
        const refusedBody = await postStamps(bad);
        assert.equal(refusedBody.status, 400, JSON.stringify(refusedBody.body));
        assert.match(refusedBody.body.error.message, /^(stamps\[0\]\.(size|token)|"stamps" must be)/);
      }
    });

    test('once the key is revoked, the reviews the token covers count, in the detail and the status', async () => {
      assert.deepEqual(
        [...(await approved())].sort(),
        [covered, coveredUnsigned, afterToken].map((c) => c.checkpointId).sort(),
      );
      // The authority writes whole seconds, and its time is read as late as it can be.
      await new Promise((resolve) => setTimeout(resolve, 2100));
      revokeKey(s.ledger, reviewer.keyId, 'key rotated', new Date().toISOString(), 3);
      assert.deepEqual((await push(server)).report.keys.revoked, [reviewer.keyId]);

      for (const c of [covered, coveredUnsigned]) {
        const shown = await detail(c);
        assert.equal(shown.reviews.length, 1, JSON.stringify(shown));
        assert.deepEqual(shown.reviewsNotCounted, []);
        assert.match(
          shown.reviewsOnTimestamp[shown.reviews[0]!.id] ?? '',
          /^key [0-9a-f]+ is revoked since \S+, but an RFC 3161 timestamp by Trail Test TSA shows the review existed by /,
        );
      }
      // The dashboard's Review card says what the approval rests on.
      const page = await dashboardPage(`/ui/checkpoints/${covered.checkpointId}`);
      assert.match(
        page,
        /<div class="muted">counted: key [0-9a-f]+ is revoked since [^<]+, but an RFC 3161 timestamp by Trail Test TSA/,
      );
      const late = await detail(afterToken);
      assert.equal(late.reviews.length, 0, JSON.stringify(late));
      assert.match(late.reviewsNotCounted[0]!.why, /no trusted timestamp over its log does/);
      assert.deepEqual(
        [...(await approved())].sort(),
        [covered, coveredUnsigned].map((c) => c.checkpointId).sort(),
      );
      // A report says what those approvals rest on, and which one is not counted.
      const report = await fetch(
        `${server.url}/api/v1/reports/soc2?repo=${encodeURIComponent(REPO)}&format=md&since=2000-01-01`,
        { headers: { authorization: `Bearer ${auditor}` } },
      );
      const text = await report.text();
      assert.equal(report.status, 200, text);
      assert.match(text, /2 reviews in the ledger count on an RFC 3161 timestamp/);
      assert.match(
        text,
        /1 review in the ledger is not counted: no key in force on the server vouches for it/,
      );
    });
  });
}
