/**
 * Claude Code's Stop hook reads the transcript a turn at a time: only the lines appended
 * since the last turn end, from a byte offset, with what the lines before leave to them (the
 * usage of a message that streams on, the models seen). Reading it so must spool what reading
 * it whole did, each reasoning event once, whatever line the turns end on.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseClaudeTranscript, parseClaudeTranscriptFrom } from '../../src/capture/agents/claude-code.js';
import { readGaps } from '../../src/capture/gaps.js';
import { sessionKey, spoolDir } from '../../src/capture/spool.js';
import { ScriptedClaude } from '../helpers/claude-session.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempDir } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';
import { fixtureLines, readInPieces as readPieces } from '../helpers/transcript-pieces.js';

const FIXTURE = new URL('../fixtures/claude-code/transcript.jsonl', import.meta.url);
const LINES = fixtureLines(FIXTURE);
const WHOLE = parseClaudeTranscript(LINES.join(''));
const reasoningOf = (events: typeof WHOLE.events) =>
  events.flatMap((e) => (e.event.type === 'reasoning' ? [e.event.text] : []));

/** The transcript read in pieces ending at the given lines: the reasoning of each, in order. */
function readInPieces(cuts: number[]) {
  const { events, summary } = readPieces(LINES, cuts, parseClaudeTranscriptFrom);
  return { reasoning: reasoningOf(events), summary };
}

describe('a transcript read in pieces (pure)', () => {
  test('the fixture has reasoning, usage of two models, and a message written on several lines', () => {
    assert.ok(reasoningOf(WHOLE.events).length >= 4);
    assert.equal(WHOLE.usage.length, 2);
    const ids = LINES.map((l) => /"id":"(msg_[^"]+)"/.exec(l)?.[1]).filter(Boolean);
    assert.ok(ids.length > new Set(ids).size, 'some message spans lines');
  });

  test('cut at any line, two pieces give the whole read: reasoning, usage, model, version', () => {
    for (let cut = 0; cut <= LINES.length; cut++) {
      const pieces = readInPieces([cut]);
      assert.deepEqual(pieces.reasoning, reasoningOf(WHOLE.events), `cut at line ${cut}`);
      assert.deepEqual(pieces.summary.usage, WHOLE.usage, `cut at line ${cut}`);
      assert.equal(pieces.summary.model, WHOLE.model);
      assert.equal(pieces.summary.agentVersion, WHOLE.agentVersion);
    }
  });

  test('a line at a time gives the whole read too', () => {
    const pieces = readInPieces(LINES.map((_, i) => i));
    assert.deepEqual(pieces.reasoning, reasoningOf(WHOLE.events));
    assert.deepEqual(pieces.summary.usage, WHOLE.usage);
  });
});

describe("Claude Code's Stop hook over a growing transcript", () => {
  let repo: TempRepo;
  let transcript: string;
  let claude: ScriptedClaude;

  /** Reasoning texts and the latest usage figures the session's spool holds. */
  const spooled = () => {
    const dir = join(repo.dir, '.git/trail/spool/sessions');
    const lines = readdirSync(dir)
      .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean))
      .map((line) => JSON.parse(line))
      .filter((line) => line.sessionId === claude.sessionId && line.type === 'event');
    const usage = new Map<string, unknown>();
    for (const line of lines) if (line.event.type === 'usage') usage.set(line.event.model, line.event);
    return {
      reasoning: lines.filter((l) => l.event.type === 'reasoning').map((l) => l.event.text as string),
      usage: [...usage.values()],
    };
  };
  const usageAsSpooled = WHOLE.usage.map((u) => ({ type: 'usage', ...u }));
  /** An assistant line of its own message, thinking `thinking` (no newline). */
  const thinkingLine = (id: string, thinking: string) => {
    const line = JSON.parse(LINES[13]!);
    line.uuid = `${id}-uuid`;
    line.message.id = id;
    line.message.content = [{ type: 'thinking', thinking }];
    return JSON.stringify(line);
  };

  before(() => {
    repo = initialisedRepo();
    transcript = join(tempDir('trail-transcript-'), 'session.jsonl');
    claude = new ScriptedClaude(repo.dir, transcript).start();
  });
  after(() => repo.cleanup());

  test('turns that end inside a streamed message spool each reasoning event once', () => {
    // Line 5 is the second line of the first assistant message: the turn ends mid-message.
    writeFileSync(transcript, LINES.slice(0, 5).join(''));
    claude.stop();
    assert.deepEqual(
      spooled().reasoning,
      reasoningOf(parseClaudeTranscript(LINES.slice(0, 5).join('')).events),
    );
    appendFileSync(transcript, LINES.slice(5, 12).join(''));
    claude.stop();
    appendFileSync(transcript, LINES.slice(12).join(''));
    claude.stop();
    claude.stop(); // nothing new
    const now = spooled();
    assert.deepEqual(now.reasoning, reasoningOf(WHOLE.events));
    assert.deepEqual(now.usage, usageAsSpooled);
  });

  test('a line still being written waits for the next turn end', () => {
    const line = thinkingLine('msg_extra_turn', 'One more look at the limiter before finishing.');
    appendFileSync(transcript, line.slice(0, 40));
    claude.stop();
    assert.ok(!spooled().reasoning.includes('One more look at the limiter before finishing.'));
    appendFileSync(transcript, `${line.slice(40)}\n`);
    claude.stop();
    const reasoning = spooled().reasoning;
    assert.equal(reasoning.filter((r) => r === 'One more look at the limiter before finishing.').length, 1);
    assert.deepEqual(reasoning.slice(0, -1), reasoningOf(WHOLE.events));
  });

  test('a last line whole but without its newline is read now, and not again once the newline comes', () => {
    appendFileSync(transcript, thinkingLine('msg_unterminated', 'Written without a newline after it.'));
    claude.stop();
    assert.equal(spooled().reasoning.at(-1), 'Written without a newline after it.');
    appendFileSync(transcript, `\n${thinkingLine('msg_after', 'The line after it.')}\n`);
    claude.stop();
    const reasoning = spooled().reasoning;
    assert.deepEqual(reasoning.slice(-2), ['Written without a newline after it.', 'The line after it.']);
    assert.equal(reasoning.filter((r) => r === 'Written without a newline after it.').length, 1);
  });

  test('a transcript replaced by a shorter one is read from its start', () => {
    writeFileSync(
      transcript,
      `${thinkingLine('msg_replaced', 'A fresh transcript after the old one was replaced.')}\n`,
    );
    claude.stop();
    assert.equal(spooled().reasoning.at(-1), 'A fresh transcript after the old one was replaced.');
  });

  test('a transcript replaced by a longer one, a line ending just where the last read stopped, is read from its start', () => {
    // The same length as the line the last read ended on, so only the first line's
    // fingerprint tells the two files apart.
    const first = `${thinkingLine('msg_replacee', 'B fresh transcript after the old one was replaced.')}\n`;
    assert.equal(first.length, readFileSync(transcript, 'utf8').length);
    writeFileSync(transcript, `${first}${thinkingLine('msg_second', 'Its second line.')}\n`);
    claude.stop();
    assert.deepEqual(spooled().reasoning.slice(-2), [
      'B fresh transcript after the old one was replaced.',
      'Its second line.',
    ]);
  });
  test('over 64 MiB appended since the last turn end: its last lines are read, the rest passed over as one gap', () => {
    const gapsNow = () =>
      readGaps(join(repo.dir, '.git/trail')).filter((gap) => JSON.stringify(gap).includes('passed over'));
    const huge = JSON.stringify({
      type: 'user',
      uuid: 'huge-tool-result',
      message: { role: 'user', content: 'y'.repeat(65 * 2 ** 20) },
    });
    appendFileSync(transcript, `${thinkingLine('msg_before_huge', 'Lost with the part passed over.')}\n`);
    appendFileSync(transcript, `${huge}\n${thinkingLine('msg_after_huge', 'Read after the huge line.')}\n`);
    claude.stop();
    let reasoning = spooled().reasoning;
    assert.equal(reasoning.at(-1), 'Read after the huge line.');
    assert.ok(!reasoning.includes('Lost with the part passed over.'));
    assert.equal(gapsNow().length, 1);
    // The next turn end reads on from there, with no gap.
    appendFileSync(transcript, `${thinkingLine('msg_next', 'The turn after.')}\n`);
    claude.stop();
    reasoning = spooled().reasoning;
    assert.deepEqual(reasoning.slice(-2), ['Read after the huge line.', 'The turn after.']);
    assert.equal(gapsNow().length, 1);
  });
  test('a carry the parser cannot use is read without, as one gap, and later turn ends go on', () => {
    const unusable = () =>
      readGaps(join(repo.dir, '.git/trail')).filter((gap) =>
        JSON.stringify(gap).includes('could not be used'),
      );
    const state = join(
      spoolDir(join(repo.dir, '.git/trail')),
      'transcripts',
      `${sessionKey('claude-code', claude.sessionId)}.json`,
    );
    // As a release that kept another shape might leave it.
    writeFileSync(
      state,
      JSON.stringify({ ...JSON.parse(readFileSync(state, 'utf8')), carry: { models: 5 } }),
    );
    appendFileSync(transcript, `${thinkingLine('msg_after_damage', 'Read without the carry.')}\n`);
    claude.stop();
    assert.equal(spooled().reasoning.at(-1), 'Read without the carry.');
    assert.equal(unusable().length, 1);
    appendFileSync(transcript, `${thinkingLine('msg_after_that', 'And the turn after.')}\n`);
    claude.stop();
    assert.deepEqual(spooled().reasoning.slice(-2), ['Read without the carry.', 'And the turn after.']);
    assert.equal(unusable().length, 1);
  });
});
