/**
 * Retired sessions (known-sessions.jsonl): found by key and by session id without parsing the
 * whole file; the newest line wins; a line torn by a crash is passed over; a session id that
 * merely contains another's text is not mistaken for it.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { appendKnownSessions, knownByKey, knownBySessionId } from '../../src/capture/known-sessions.js';
import { tempDir } from '../helpers/temp-repo.js';

describe('retired sessions', () => {
  test('looked up by key and by id; newest wins; torn lines and look-alikes are passed over', () => {
    const stateDir = tempDir();
    try {
      assert.deepEqual(knownByKey(stateDir, ['k1']), new Map(), 'no file yet: nothing known');
      assert.equal(knownBySessionId(stateDir, 's1'), undefined);

      appendKnownSessions(stateDir, [
        { key: 'k1', agent: 'claude-code', sessionId: 's1', record: 'r-old' },
        { key: 'k2', agent: 'codex', sessionId: 's1-suffix', model: 'gpt-5' },
      ]);
      appendKnownSessions(stateDir, [{ key: 'k1', agent: 'claude-code', sessionId: 's1', record: 'r-new' }]);
      // A crash mid-write leaves a torn last line naming k1 again.
      mkdirSync(join(stateDir, 'spool'), { recursive: true });
      appendFileSync(join(stateDir, 'spool', 'known-sessions.jsonl'), '{"key":"k1","agent":"claude-co');

      const byKey = knownByKey(stateDir, ['k1', 'k2', 'k3']);
      assert.equal(byKey.get('k1')?.record, 'r-new');
      assert.deepEqual(byKey.get('k2'), {
        key: 'k2',
        agent: 'codex',
        sessionId: 's1-suffix',
        model: 'gpt-5',
      });
      assert.equal(byKey.has('k3'), false);
      assert.equal(knownBySessionId(stateDir, 's1')?.record, 'r-new');
      assert.equal(knownBySessionId(stateDir, 's1-suffix')?.key, 'k2');
      assert.equal(knownBySessionId(stateDir, 's'), undefined, 'a prefix of an id is not the id');
      // What is appended after the torn line is whole.
      appendKnownSessions(stateDir, [{ key: 'k3', agent: 'cursor', sessionId: 's3' }]);
      assert.equal(knownByKey(stateDir, ['k3']).get('k3')?.agent, 'cursor');
      assert.equal(knownByKey(stateDir, ['k1']).get('k1')?.record, 'r-new');
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
