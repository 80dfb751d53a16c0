import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventBody } from '../../src/core/records.js';
import { findTickets } from '../../src/core/tickets.js';
import { DEFAULT_CHECKS, deriveValidations } from '../../src/core/validations.js';

test('a failed check, edits, and the check again is a repair; a required check not run is skipped', () => {
  const events: EventBody[] = [
    { type: 'command', command: 'npm test', exitCode: 1 },
    { type: 'file-edit', path: 'src/a.ts', change: 'modified', ranges: [], via: 'edit-tool' },
    { type: 'command', command: 'npm test', exitCode: 0 },
    { type: 'command', command: 'ls -la', exitCode: 0 },
  ];
  const derived = deriveValidations(events, DEFAULT_CHECKS, ['test', 'lint']);
  assert.deepEqual(
    derived.map((e) =>
      e.type === 'validation'
        ? `${e.check}:${e.status}:${e.attempt}`
        : e.type === 'repair'
          ? `repair:${e.check}:${e.outcome}:${e.files.join(',')}`
          : e.type,
    ),
    ['test:failed:1', 'repair:test:fixed:src/a.ts', 'test:passed:2', 'lint:skipped:1'],
  );
});

test('tickets are found in branch names, prompts and URLs', () => {
  assert.deepEqual(
    findTickets(
      'feature/PROJ-123-rate-limit fixes #42 see https://github.com/acme/api/issues/7 and https://linear.app/acme/issue/ENG-9',
    ).map((t) => t.id),
    ['acme/api#7', 'ENG-9', 'PROJ-123', '#42'],
  );
  assert.deepEqual(findTickets('color #fff and a#3 and UTF-8 text'), []);
});
