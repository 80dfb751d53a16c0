/** `--since`/`--until` as log and report read them: dates, ISO times and ages. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePeriod } from '../../src/core/period.js';

const NOW = Date.parse('2026-12-03T12:00:00.000Z');

test('a date is a whole day: --until includes it, as a half-open period', () => {
  assert.deepEqual(parsePeriod('2026-03-01', '2026-03-31', NOW), {
    since: '2026-03-01T00:00:00.000Z',
    until: '2026-04-01T00:00:00.000Z',
  });
});

test('ISO times are taken as they are; ages count back from now', () => {
  assert.deepEqual(parsePeriod('2026-03-01T10:30:00Z', undefined, NOW), {
    since: '2026-03-01T10:30:00.000Z',
  });
  assert.deepEqual(parsePeriod('30d', '1w', NOW), {
    since: '2026-11-03T12:00:00.000Z',
    until: '2026-11-26T12:00:00.000Z',
  });
  assert.deepEqual(parsePeriod('2 weeks', undefined, NOW), { since: '2026-11-19T12:00:00.000Z' });
  // A leap day exists in 2028, and is not rolled over.
  assert.deepEqual(parsePeriod('2028-02-29', undefined, NOW), { since: '2028-02-29T00:00:00.000Z' });
});

test('anything else, or a period that ends before it starts, is a usage error naming it', () => {
  for (const bad of [
    'last tuesday',
    '2026-13-45',
    '2026-02-30',
    '2026-02-29',
    '2026-04-31T10:00:00Z',
    'Dec 1 2026',
    '30x',
  ]) {
    assert.throws(
      () => parsePeriod(bad, undefined, NOW),
      (error: Error & { code?: string }) =>
        error.code === 'USAGE' &&
        error.message.includes(`not "${bad}"`) &&
        error.message.startsWith('--since'),
    );
  }
  assert.throws(
    () => parsePeriod('2026-03-05', '2026-03-01', NOW),
    /--since 2026-03-05 is not before --until 2026-03-01/,
  );
  assert.throws(() => parsePeriod('1d', '2d', NOW), /is not before/);
});
