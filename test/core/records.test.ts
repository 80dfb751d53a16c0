/**
 * Validating records: what validateRecord returns is frozen through and through, so the
 * ledger's append can take a record validated earlier (as sealing does) without parsing it
 * again, and nobody can change it in between.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { recordIdOf, validateRecord } from '../../src/core/records.js';

const prompt = () => ({
  kind: 'event',
  v: 1,
  time: '2026-12-03T10:00:00.000Z',
  actor: { type: 'agent', id: 'claude-code' },
  provenance: 'observed',
  sessionId: 's1',
  event: { type: 'file-edit', path: 'src/a.ts', ranges: [{ start: 1, end: 2 }] },
});

describe('validateRecord', () => {
  test('returns a record frozen at every depth, with the defaults filled in', () => {
    const record = validateRecord(prompt());
    assert.ok(Object.isFrozen(record));
    assert.equal(record.kind, 'event');
    const event = (record as { event: { path: string; ranges: object[]; via: string } }).event;
    assert.ok(Object.isFrozen(event));
    assert.ok(Object.isFrozen(event.ranges));
    assert.ok(Object.isFrozen(event.ranges[0]));
    assert.equal(event.via, 'edit-tool', 'a default was applied');
    assert.throws(() => {
      event.path = 'src/b.ts';
    }, TypeError);
  });

  test("the caller's objects stay as they were, even those zod passes through", () => {
    const input = prompt();
    validateRecord(input);
    const changes = { 'event.command': { was: 'npm test', now: 'npm run test' } };
    const { sessionId: _session, event: _event, ...header } = input;
    const correction = validateRecord({
      ...header,
      kind: 'correction',
      target: 'a'.repeat(64),
      reason: 'typo',
      changes,
    });
    assert.ok(Object.isFrozen((correction as { changes: Record<string, object> }).changes['event.command']));
    assert.equal(Object.isFrozen(changes['event.command']), false);
    assert.equal(Object.isFrozen(input), false);
    assert.equal(Object.isFrozen(input.event), false);
    changes['event.command'].now = 'still mine';
  });

  test('a correction may not hold a field named kind, at any depth: readers take the first as the kind', () => {
    const { sessionId: _session, event: _event, ...header } = prompt();
    const correction = (changes: Record<string, unknown>) =>
      validateRecord({ ...header, kind: 'correction', target: 'a'.repeat(64), reason: 'typo', changes });
    for (const changes of [{ kind: 'review' }, { 'event.command': { now: [{ kind: 'event' }] } }]) {
      assert.throws(
        () => correction(changes),
        /invalid correction record: field "changes": may not hold a field named kind/,
        JSON.stringify(changes),
      );
    }
    // A path that merely ends in kind, or a value that says kind, is a field like any other.
    const fine = correction({ 'event.kind': 'x', 'event.note': 'kind' });
    assert.equal(fine.kind, 'correction');
  });

  test('a record it returned passes again as itself; anything else is parsed', () => {
    const record = validateRecord(prompt());
    assert.equal(validateRecord(record), record);
    // An equal record that did not come from validateRecord is a new parse, not the same object.
    const copy = structuredClone(record);
    const again = validateRecord(copy);
    assert.notEqual(again, copy);
    assert.equal(recordIdOf(again), recordIdOf(record));
    // Frozen by someone else is not validated.
    const bad = Object.freeze({ ...prompt(), time: 'yesterday' });
    assert.throws(() => validateRecord(bad), /field "time"/);
  });

  test('a field the kind does not have is named, at the top and nested', () => {
    assert.throws(
      () => validateRecord({ ...prompt(), enviroment: 'prod' }),
      /invalid event record: "enviroment" is not a field of it/,
    );
    assert.throws(
      () => validateRecord({ ...prompt(), actor: { type: 'human', id: 'a', nick: 'x' } }),
      /invalid event record: "actor\.nick" is not a field of it/,
    );
  });
});
