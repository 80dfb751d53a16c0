/**
 * `trail check` and `trail show` count only reviews something this clone trusts vouches for:
 * a signature by a trusted key not revoked when it signed, or (unsigned) a trusted writer's
 * log. Anyone who can push refs/trail/logs/* can add a review that names any reviewer; the
 * gate must not pass on it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateKeyPair } from '../../src/core/signature.js';
import { revokeKey, trustKey } from '../../src/ledger/keys.js';
import { appendRecords } from '../../src/ledger/log-store.js';
import { trail } from '../helpers/cli.js';
import { signedReview } from '../helpers/signed-review.js';
import type { Change, ScriptedRepo } from './fixture.js';
import { ScriptedRepo as Scripted, T0 } from './fixture.js';

const passing = { passed: 20, coverage: 90 };
const reviewTime = new Date(T0 + 40 * 24 * 3600_000).toISOString();

describe('trail check: reviews that do not count', () => {
  let s: ScriptedRepo;
  let signedOne: Change;
  let relayed: Change;
  const stranger = generateKeyPair();
  const otherWriter = generateKeyPair();

  before(async () => {
    s = await Scripted.create();
    s.branch('work', 'base');
    signedOne = await s.change({ name: 'w1', day: 1, tests: passing });
    relayed = await s.change({ name: 'w2', day: 2, tests: passing });
    const bound = (c: Change) => ({
      commit: c.sha,
      checkpoint: c.checkpointId,
      time: reviewTime,
      examinedReasoning: true,
    });
    // A review signed by a key no one trusted, in this clone's own (trusted) log.
    await s.append([
      signedReview(
        { ...bound(signedOne), actor: { type: 'human', id: 'cto@example.com' }, reviewer: 'cto@example.com' },
        stranger,
      ),
    ]);
    // An unsigned review in the log of a writer whose key is not trusted here.
    await appendRecords(s.ledger, otherWriter, [
      {
        kind: 'review',
        v: 1,
        provenance: 'human',
        actor: { type: 'human', id: 'cto@example.com' },
        reviewer: 'cto@example.com',
        decision: 'approve',
        ...bound(relayed),
      },
    ]);
  });
  after(() => s.cleanup());

  const check = (name: string) => trail(s.dir, 'check', s.sha(name));

  test('an approval signed by an untrusted key is shown as not counted, and the gate fails', async () => {
    const r = await check('w1');
    assert.equal(r.code, 1, r.stderr);
    const sha = s.sha('w1').slice(0, 7);
    assert.match(r.stderr, new RegExp(`^${sha} review: not approved: no approving review recorded`, 'm'));
    assert.match(
      r.stderr,
      new RegExp(
        `^${sha} note: the approve review by cto@example.com is not counted: signed by key ${stranger.keyId}, which is not trusted \\(\\.trail/keys/\\)`,
        'm',
      ),
    );
    const shown = await trail(s.dir, 'show', s.sha('w1'));
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stderr, /Review: not reviewed/);
    assert.match(
      shown.stderr,
      /Reviews not counted[\s\S]*cto@example\.com: approve at [^\n]*, not counted: signed by key/,
    );
    const json = JSON.parse((await trail(s.dir, 'show', s.sha('w1'), '--json')).stdout);
    assert.equal(json.approval.state, 'none');
    assert.equal(json.reviewsNotCounted.length, 1);
  });

  test('an unsigned approval in an untrusted writer’s log does not count either', async () => {
    const r = await check('w2');
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `note: the approve review by cto@example.com is not counted: it is unsigned, and recorded in the log of writer ${otherWriter.keyId}, whose key is not trusted`,
      ),
    );
  });

  test('reports and the PR summary do not count them either, and say so', async () => {
    const r = await trail(s.dir, 'report', 'soc2', '--format', 'json', '--since', '2026-01-01');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as {
      summary: Array<{ label: string; value: number }>;
      sections: Array<{ id: string; notes?: string[]; table?: { rows: Array<Record<string, string>> } }>;
    };
    const changes = doc.sections.find((x) => x.id === 'changes')!;
    for (const name of ['w1', 'w2']) {
      const row = changes.table!.rows.find((x) => x.commit === s.sha(name))!;
      assert.equal(row.approvedAt, '', `${name}: an approval nothing trusted vouches for`);
    }
    assert.ok(
      changes.notes!.some((n) => n.startsWith('2 reviews in the ledger are not counted')),
      changes.notes!.join('\n'),
    );
    const pr = await trail(s.dir, 'pr-summary', '--base', s.sha('base'), '--json');
    assert.equal(pr.code, 0, pr.stderr);
    const summary = JSON.parse(pr.stdout) as {
      commits: Array<{ sha: string; approval: string }>;
      gaps: Array<{ kind: string; message: string }>;
    };
    for (const name of ['w1', 'w2']) {
      assert.doesNotMatch(summary.commits.find((c) => c.sha === s.sha(name))!.approval, /^approved/);
    }
    assert.equal(summary.gaps.filter((g) => g.kind === 'review-not-counted').length, 2);
  });

  test('once the keys are trusted the approvals count; a key revoked before it signed does not', async () => {
    trustKey(s.ledger, stranger.publicKey, 'cto@example.com');
    trustKey(s.ledger, otherWriter.publicKey, 'review relay');
    const signed = await check('w1');
    assert.equal(signed.code, 0, signed.stderr);
    assert.doesNotMatch(signed.stderr, /not counted/);
    assert.equal((await check('w2')).code, 0);
    const shown = await trail(s.dir, 'show', s.sha('w1'));
    assert.match(shown.stderr, /approved by cto@example\.com/);

    revokeKey(s.ledger, stranger.keyId, 'leaked', '2026-01-01T00:00:00Z');
    revokeKey(s.ledger, otherWriter.keyId, 'leaked', '2026-01-01T00:00:00Z');
    const afterRevocation = await check('w1');
    assert.equal(afterRevocation.code, 1);
    assert.match(
      afterRevocation.stderr,
      /not counted: signed by key [0-9a-f]+ after it was revoked at 2026-01-01T00:00:00Z/,
    );
    const relayedAfter = await check('w2');
    assert.equal(relayedAfter.code, 1);
    assert.match(
      relayedAfter.stderr,
      /not counted: it is unsigned, and recorded by writer [0-9a-f]+ after its key was revoked/,
    );
  });
});
