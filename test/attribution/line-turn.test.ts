/**
 * `trail blame` names the prompt of the turn that wrote each line, not the session's first
 * prompt (src/attribution/line-turn.ts): a session runs for many prompts, and the request
 * behind a line is the one its turn answered. Edits recorded before file edits carried their
 * lines' digests leave the turn unknown, and blame says the prompt is the session's first.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lineTurns } from '../../src/attribution/line-turn.js';
import { lineDigest } from '../../src/core/line-origin.js';
import type { RecordOf } from '../../src/core/records.js';
import type { StoredRecord } from '../../src/core/trail-index.js';
import { buildIndex } from '../../src/core/trail-index.js';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail } from '../helpers/cli.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

interface BlamedLine {
  origin: string;
  prompt?: string;
  promptOf?: string;
  text: string;
}

describe('blame names the turn that wrote a line', () => {
  test('two prompts in one session, one commit: each line names its own turn’s prompt', async () => {
    const repo = initialisedRepo();
    try {
      new ScriptedClaude(repo.dir)
        .start()
        .prompt('Add a parser for the order file')
        .write('orders.ts', 'export function parseOrders(text: string) {\n  return text.split("\\n");\n}\n')
        .prompt('Now add a printer that formats the orders')
        .write(
          'orders.ts',
          'export function parseOrders(text: string) {\n  return text.split("\\n");\n}\nexport function printOrders(orders: string[]) {\n  return orders.join(", ");\n}\n',
        );
      repo.commit('orders: parse and print');
      const result = await trail(repo.dir, 'blame', 'orders.ts', '--json');
      assert.equal(result.code, 0, result.stderr);
      const { lines } = JSON.parse(result.stdout) as { lines: BlamedLine[] };
      assert.deepEqual(
        lines.map((l) => [l.origin, l.promptOf, l.prompt]),
        [
          ['ai', 'turn', 'Add a parser for the order file'],
          ['ai', 'turn', 'Add a parser for the order file'],
          // Both turns wrote a `}`: a short line's turn is not known, and blame says so.
          ['ai', 'session', 'Add a parser for the order file'],
          ['ai', 'turn', 'Now add a printer that formats the orders'],
          ['ai', 'turn', 'Now add a printer that formats the orders'],
          ['ai', 'session', 'Add a parser for the order file'],
        ],
      );
    } finally {
      repo.cleanup();
    }
  });
});

/** A stored event of session `s`, recorded `seq`-th. */
function event(seq: number, body: RecordOf<'event'>['event']): StoredRecord {
  const record = {
    kind: 'event',
    v: 1,
    time: new Date(Date.UTC(2026, 11, 7, 9, 0, seq)).toISOString(),
    actor: { type: 'agent', id: 'claude-code' },
    provenance: 'observed',
    sessionId: 's',
    event: body,
  } as RecordOf<'event'>;
  return { id: `e${seq}`, writerId: 'w', seq, record };
}

function checkpointOf(events: readonly StoredRecord[]): RecordOf<'checkpoint'> {
  return { events: events.map((e) => e.id) } as RecordOf<'checkpoint'>;
}

const edit = (lineDigests?: string[]) =>
  ({
    type: 'file-edit',
    path: 'a.ts',
    change: 'modified',
    ranges: [],
    via: 'edit-tool',
    ...(lineDigests ? { lineDigests } : {}),
  }) as RecordOf<'event'>['event'];

/** A turn's usage, as a transcript reports it, on `model`. */
const usage = (model: string) =>
  ({
    type: 'usage',
    model,
    inputTokens: 1,
    outputTokens: 1,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  }) as RecordOf<'event'>['event'];

describe('lineTurns', () => {
  const first = 'const first = computeTheFirstThing();';
  const second = 'const second = computeTheSecondThing();';

  test('the turn’s prompt, and the model its usage names', () => {
    const events = [
      event(1, { type: 'prompt', text: 'one' }),
      event(2, edit([lineDigest(first)])),
      event(3, usage('model-a')),
      event(4, { type: 'prompt', text: 'two' }),
      event(5, edit([lineDigest(second)])),
      event(6, usage('model-b')),
    ];
    const turnOf = lineTurns(buildIndex(events));
    const checkpoint = checkpointOf(events);
    assert.deepEqual(turnOf(checkpoint, 's', 'a.ts', first), { prompt: 'one', model: 'model-a' });
    // Whitespace does not change a line's digest: re-indented, it is the same line.
    assert.deepEqual(turnOf(checkpoint, 's', 'a.ts', `    ${second}`), { prompt: 'two', model: 'model-b' });
    assert.equal(turnOf(checkpoint, 's', 'b.ts', first), undefined, 'another file');
    assert.equal(turnOf(checkpoint, 's', 'a.ts', 'const third = 3;'), undefined, 'no edit wrote it');
  });

  test('a line both turns wrote alike: its turn is not known', () => {
    const events = [
      event(1, { type: 'prompt', text: 'one' }),
      event(2, edit([lineDigest(first)])),
      event(3, { type: 'prompt', text: 'two' }),
      event(4, edit([lineDigest(first), lineDigest(second)])),
    ];
    const turnOf = lineTurns(buildIndex(events));
    assert.equal(turnOf(checkpointOf(events), 's', 'a.ts', first), undefined);
    assert.deepEqual(turnOf(checkpointOf(events), 's', 'a.ts', second), { prompt: 'two' });
  });

  test('a later edit without digests leaves the turn unknown: it may have written the line last', () => {
    const events = [
      event(1, { type: 'prompt', text: 'one' }),
      event(2, edit([lineDigest(first)])),
      event(3, { type: 'prompt', text: 'two' }),
      event(4, edit()),
    ];
    const turnOf = lineTurns(buildIndex(events));
    assert.equal(turnOf(checkpointOf(events), 's', 'a.ts', first), undefined);
    // Only the commit's own sealed edits count: without the later one, the first is the line's.
    assert.deepEqual(turnOf(checkpointOf(events.slice(0, 2)), 's', 'a.ts', first), { prompt: 'one' });
  });
});
