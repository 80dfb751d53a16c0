/**
 * Agent Trace contributors: an agent's lines are `ai`, a person's change to an agent's line is
 * `mixed` ("human-edited AI output", Agent Trace §contributor), a person's own lines `human`,
 * and each record still validates against the published schema.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { RecordOf } from '../../src/core/records.js';
import type { StoredRecord } from '../../src/core/trail-index.js';
import { agentTraceRecord } from '../../src/export/agent-trace.js';

const schema = JSON.parse(
  readFileSync(new URL('../fixtures/schemas/agent-trace-v1.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

const checkpoint = {
  kind: 'checkpoint',
  v: 1,
  time: '2026-12-01T10:00:00.000Z',
  actor: { type: 'service', id: 'trail' },
  provenance: 'observed',
  commit: 'a'.repeat(40),
  sessions: [{ sessionId: 'sess-1', agent: 'claude-code', model: 'claude-sonnet-4-5' }],
  attribution: {
    'src/cart.ts': [
      { start: 1, end: 2, origin: 'ai', sessionId: 'sess-1' },
      { start: 3, end: 3, origin: 'human', overrodeSessionId: 'sess-1' },
      { start: 4, end: 5, origin: 'human' },
      { start: 6, end: 6, origin: 'unknown' },
    ],
  },
};

describe('Agent Trace contributors', () => {
  test("a person's change to an agent's line is mixed, tied to the session it edited", () => {
    const stored = {
      id: 'b'.repeat(64),
      writerId: 'w',
      seq: 0,
      record: checkpoint,
    } as unknown as StoredRecord<RecordOf<'checkpoint'>>;
    const record = agentTraceRecord(stored, '1.0.0') as {
      files: Array<{
        conversations: Array<{ url?: string; contributor: { type: string; model_id?: string } }>;
      }>;
    };
    const conversations = record.files[0]!.conversations as Array<{
      url?: string;
      contributor: { type: string; model_id?: string };
      ranges: Array<{ start_line: number; end_line: number }>;
    }>;
    assert.deepEqual(
      conversations.map((c) => [c.contributor.type, c.contributor.model_id, c.url, c.ranges]),
      [
        ['ai', 'anthropic/claude-sonnet-4-5', 'trail:session/sess-1', [{ start_line: 1, end_line: 2 }]],
        ['mixed', 'anthropic/claude-sonnet-4-5', 'trail:session/sess-1', [{ start_line: 3, end_line: 3 }]],
        ['human', undefined, undefined, [{ start_line: 4, end_line: 5 }]],
        ['unknown', undefined, undefined, [{ start_line: 6, end_line: 6 }]],
      ],
    );
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    const validate = ajv.compile<Record<string, unknown>>(schema);
    assert.ok(validate(structuredClone(record)), JSON.stringify(validate.errors));
  });
});
