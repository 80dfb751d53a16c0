/** Strict ISO 8601 times and dates: what Date.parse would take, or roll over, is refused. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIsoDate, parseIsoTime } from '../../src/core/iso-time.js';

test('ISO 8601 times with an offset, to the minute or finer, on days that exist', () => {
  assert.equal(parseIsoTime('2026-12-06T01:00:00Z'), Date.UTC(2026, 11, 6, 1));
  assert.equal(parseIsoTime('2026-12-06T01:00Z'), Date.UTC(2026, 11, 6, 1));
  assert.equal(parseIsoTime('2026-12-06T03:00:00.250+02:00'), Date.UTC(2026, 11, 6, 1, 0, 0, 250));
  assert.equal(parseIsoTime('2028-02-29T00:00:00Z'), Date.UTC(2028, 1, 29));
  // Year 1 exists (Date.UTC would read 1 as 1901).
  assert.equal(parseIsoTime('0001-01-01T00:00:00Z'), -62_135_596_800_000);
});

test('anything else is refused: bare numbers, words, days that do not exist, years out of range', () => {
  for (const bad of [
    '1',
    'March 7',
    '2026-12-06',
    '2026-12-06T01:00:00',
    '2026-02-30T00:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-12-06T24:00:00Z',
    '0000-01-01T00:00:00Z',
    '99999-01-01T00:00:00Z',
    '-010000-01-01T00:00:00Z',
    '2026-12-06T01:00:00+25:00',
  ]) {
    assert.equal(parseIsoTime(bad), undefined, bad);
  }
});

test('dates: the start of the day in UTC, when the day exists', () => {
  assert.equal(parseIsoDate('2026-12-06'), Date.UTC(2026, 11, 6));
  assert.equal(parseIsoDate('2026-02-30'), undefined);
  assert.equal(parseIsoDate('2026-12-06T00:00:00Z'), undefined);
});
