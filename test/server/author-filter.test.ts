/**
 * The `author` filter of search and stats matches any part of the commit author's
 * `Name <email>`, ignoring case, and takes LIKE's wildcards (`%`, `_`) and its escape
 * character (`\`) literally. On PGlite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TrailApp } from '../../src/server/app.js';
import type { OpenedDb } from './harness.js';
import { appFor, BACKENDS, call, checkpointRecord, MemoryWriter, pushWriter, sha, token } from './harness.js';

const AUTHORS = {
  alice: 'Alice Liddell <alice@acme.example>',
  underscore: 'Bob_Builder <bob@builders.example>',
  lookalike: 'Bobby <bobXbuilder@lookalike.example>',
  percent: 'Carol 100% <carol@acme.example>',
  backslash: 'Dave \\ Slash <dave@slash.example>',
} as const;

for (const backend of BACKENDS) {
  describe(`the author filter (${backend.name})`, () => {
    let opened: OpenedDb;
    let app: TrailApp;
    let reader: string;

    before(async () => {
      opened = await backend.open();
      app = appFor(opened.db);
      reader = await token(opened.db, { name: 'reader', role: 'auditor' });
      const ingest = await token(opened.db, { name: 'dev', role: 'ingest' });
      const w = new MemoryWriter();
      w.append(
        Object.entries(AUTHORS).map(([name, author]) => checkpointRecord({ commit: sha(name), author })),
      );
      await pushWriter(app, ingest, 'acme/app', w);
    });
    after(async () => {
      await opened.cleanup();
    });

    /** The authors (by their key in AUTHORS) of the checkpoints `author=query` finds. */
    const found = async (query: string) => {
      const r = await call(app, 'GET', `/api/v1/checkpoints?author=${encodeURIComponent(query)}`, reader);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const names = Object.keys(AUTHORS) as Array<keyof typeof AUTHORS>;
      return (r.body.checkpoints as Array<{ commit: string }>)
        .map((c) => names.find((name) => sha(name) === c.commit))
        .sort();
    };

    test('a name, an email, a domain or any part of Name <email>, ignoring case', async () => {
      assert.deepEqual(await found(AUTHORS.alice), ['alice'], 'the whole of it, as before');
      assert.deepEqual(await found('alice liddell'), ['alice']);
      assert.deepEqual(await found('ALICE@ACME.EXAMPLE'), ['alice']);
      assert.deepEqual(await found('@acme.example'), ['alice', 'percent']);
      assert.deepEqual(await found('liddell <alice'), ['alice']);
      assert.deepEqual(await found('bob'), ['lookalike', 'underscore']);
      assert.deepEqual(await found('mallory'), []);
    });

    test('%, _ and \\ in the query are taken literally', async () => {
      assert.deepEqual(await found('%'), ['percent'], '% is not "anything"');
      assert.deepEqual(await found('100%'), ['percent']);
      assert.deepEqual(await found('bob_b'), ['underscore'], '_ is not "any one character"');
      assert.deepEqual(await found('_'), ['underscore']);
      assert.deepEqual(await found('\\'), ['backslash'], 'a lone backslash is a backslash, not an error');
      assert.deepEqual(await found('\\ Slash'), ['backslash']);
      assert.deepEqual(await found('\\%'), [], 'an escaped wildcard is still two literal characters');
    });

    test('stats filter by author the same way', async () => {
      const r = await call(app, 'GET', '/api/v1/stats?by=repo&author=ACME.example', reader);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.total.checkpoints, 2, JSON.stringify(r.body));
    });
  });
}
