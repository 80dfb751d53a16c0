/**
 * Dashboard sessions are capped per token: one token signing in again and again (shared,
 * leaked, or a script) only ever ends its own least recently used sessions, never another
 * token's; the server-wide cap ends the least recently used session of any token, and only
 * once every token that holds sessions is at its cap or near it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_SESSIONS, MAX_SESSIONS_PER_TOKEN, SessionStore } from '../../src/server/dashboard/sessions.js';

const info = (id: string) => ({ id, name: id, role: 'reviewer' as const });

describe('dashboard session caps', () => {
  test('one token signing in 10,000 times ends none of the other tokens’ sessions', () => {
    let now = 0;
    const store = new SessionStore(() => now);
    const alice = store.create('trail_alice', info('tok_alice'));
    for (let i = 0; i < 10_000; i++) {
      now++;
      store.create('trail_shared', info('tok_shared'));
    }
    assert.ok(store.get(alice.id), 'another token’s session survives');
    assert.equal(store.countFor('tok_shared'), MAX_SESSIONS_PER_TOKEN);
    assert.equal(store.size, MAX_SESSIONS_PER_TOKEN + 1);
  });

  test('a token at its cap ends its own least recently used session', () => {
    let now = 0;
    const store = new SessionStore(() => now);
    const first = store.create('trail_a', info('tok_a'));
    const second = store.create('trail_a', info('tok_a'));
    const rest = [];
    for (let i = 2; i < MAX_SESSIONS_PER_TOKEN; i++) {
      now++;
      rest.push(store.create('trail_a', info('tok_a')));
    }
    now++;
    assert.ok(store.get(first.id), 'the first session is used again');
    const newest = store.create('trail_a', info('tok_a'));
    assert.equal(store.get(second.id), undefined, 'the least recently used one made room');
    for (const s of [first, newest, ...rest]) assert.ok(store.get(s.id));
    assert.equal(store.countFor('tok_a'), MAX_SESSIONS_PER_TOKEN);
    store.delete(newest.id);
    assert.equal(store.countFor('tok_a'), MAX_SESSIONS_PER_TOKEN - 1);
  });

  test('the server-wide cap ends the least recently used session of any token, last', () => {
    let now = 0;
    const store = new SessionStore(() => now);
    const tokens = MAX_SESSIONS / MAX_SESSIONS_PER_TOKEN;
    const all = [];
    for (let t = 0; t < tokens; t++) {
      for (let i = 0; i < MAX_SESSIONS_PER_TOKEN; i++) {
        now++;
        all.push(store.create(`trail_${t}`, info(`tok_${t}`)));
      }
    }
    assert.equal(store.size, MAX_SESSIONS);
    now++;
    assert.ok(store.get(all[0]!.id), 'the oldest session is in use');
    const late = store.create('trail_late', info('tok_late'));
    assert.equal(store.size, MAX_SESSIONS);
    assert.ok(store.get(late.id));
    assert.ok(store.get(all[0]!.id), 'used recently: kept');
    assert.equal(store.get(all[1]!.id), undefined, 'the least recently used of all went');
    assert.ok(store.get(all[2]!.id));
  });
});
