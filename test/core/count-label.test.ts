/** How counts read to people: one word for one, the plural otherwise, never "record(s)". */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countLabel } from '../../src/core/count-label.js';
import { seenBefore } from '../../src/core/log-verifier.js';

test('counts take the singular for one and the plural otherwise, with thousands separated', () => {
  assert.equal(countLabel(0, 'record'), '0 records');
  assert.equal(countLabel(1, 'record'), '1 record');
  assert.equal(countLabel(1024, 'record'), '1,024 records');
  assert.equal(countLabel(2, 'legal hold'), '2 legal holds');
  assert.equal(countLabel(2, 'entry', 'entries'), '2 entries');
});

test('what a witness held agrees with its count', () => {
  assert.equal(seenBefore(1), '1 record was seen before');
  assert.equal(seenBefore(8), '8 records were seen before');
});
