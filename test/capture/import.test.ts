/**
 * `trail import`: sessions from a Claude Code transcript, a Codex rollout and Gemini CLI
 * session files, straight into the ledger with provenance `transcript`; the same file twice
 * adds nothing; a bad file is one line naming it and records nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RecordOf } from '../../src/core/records.js';
import { sessionTotals } from '../../src/core/usage-share.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { claudeSession } from '../helpers/agent-hooks.js';
import { trail } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

const fixture = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));
const CLAUDE = fixture('claude-code/transcript.jsonl');
const CODEX = fixture('codex/rollout.jsonl');
const GEMINI_JSONL = fixture('gemini-cli/session-2026-01-14T09-12-3f1c2a9b.jsonl');
const GEMINI_JSON = fixture('gemini-cli/session-2025-10-02T14-03-8a2d5f61.json');

const setup = initialisedRepo;

/** A session's usage as readers count it: running totals, each record adding its growth. */
async function sessionUsage(dir: string, sessionId: string) {
  const index = await loadIndex(await findRepo(dir));
  let input = 0;
  let output = 0;
  for (const total of sessionTotals(index.eventsBySession.get(sessionId) ?? []).values()) {
    input += total.inputTokens;
    output += total.outputTokens;
  }
  return { input, output };
}

async function sessionRecords(dir: string, sessionId: string) {
  const index = await loadIndex(await findRepo(dir));
  return {
    index,
    session: index.sessions.get(sessionId)?.record,
    events: (index.eventsBySession.get(sessionId) ?? []).map((s) => s.record),
  };
}

function summarise(events: Array<RecordOf<'event'>>): string[] {
  return events.map((r) => {
    const e = r.event;
    switch (e.type) {
      case 'command':
        return `command ${e.command} ${e.exitCode}`;
      case 'validation':
        return `validation ${e.check} ${e.status} ${e.attempt}`;
      case 'repair':
        return `repair ${e.check} ${e.outcome} ${e.files.join(',')}`;
      case 'file-edit':
        return `file-edit ${e.path} ${e.change}`;
      case 'tool-call':
        return `tool-call ${e.tool}`;
      case 'usage':
        return `usage ${e.model} ${e.costUsd}`;
      default:
        return e.type;
    }
  });
}

describe('trail import', () => {
  test('a Claude Code transcript: session, events, derived checks and priced usage; twice adds nothing', async () => {
    const repo = setup();
    try {
      const first = await trail(repo.dir, 'import', 'claude', CLAUDE, '--json');
      assert.equal(first.code, 0, first.stderr);
      const result = JSON.parse(first.stdout);
      assert.equal(result.agent, 'claude-code');
      assert.equal(result.sessionId, '3f2b8c1e-6d4a-4b9e-9c7f-2a1d5e8b0c44');
      assert.equal(result.added, result.built);

      const { session, events } = await sessionRecords(repo.dir, result.sessionId);
      assert.ok(session);
      assert.equal(session.provenance, 'transcript');
      assert.deepEqual(session.agent, { name: 'claude-code', version: '2.1.12' });
      assert.equal(session.model, 'claude-sonnet-4-6');
      assert.deepEqual(session.boundary, {
        mode: 'local',
        branch: 'feat/rate-limit',
        cwd: '/home/dev/acme-api',
        credentialNames: [],
      });
      assert.equal(session.startedAt, '2026-03-02T10:00:00.000Z');
      assert.equal(session.endedAt, '2026-03-02T10:01:41.000Z');
      assert.equal(session.request.summary, 'Add rate limiting to the /login route and make the tests pass');
      assert.ok(events.every((e) => e.provenance === 'transcript' && e.actor.id === 'claude-code'));
      assert.deepEqual(summarise(events), [
        'prompt',
        'reasoning',
        'reasoning',
        'tool-call Read',
        'tool-call Edit',
        'file-edit src/routes/login.ts modified',
        'reasoning',
        'command npm test 1',
        'validation test failed 1',
        'reasoning',
        'tool-call Write',
        'file-edit src/middleware/rate-limit.ts modified',
        'reasoning',
        'command npm test 0',
        'repair test fixed src/middleware/rate-limit.ts',
        'validation test passed 2',
        'reasoning',
        'usage claude-sonnet-4-6 0.037986',
        'usage claude-haiku-4-5 0.0002',
      ]);
      assert.equal(events[0]!.time, '2026-03-02T10:00:01.000Z', 'times come from the transcript');

      const count = (await loadIndex(await findRepo(repo.dir))).records.length;
      const again = await trail(repo.dir, 'import', 'claude', CLAUDE);
      assert.equal(again.code, 0, again.stderr);
      assert.match(
        again.stderr,
        /^nothing new in .*transcript\.jsonl: session 3f2b8c1e-.* is already recorded\n$/,
      );
      const after = await sessionRecords(repo.dir, result.sessionId);
      assert.equal(after.index.records.length, count);
      assert.equal(after.events.length, events.length);
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });

  test('a Codex rollout keeps its sandbox and approval policy; Gemini CLI files both shapes', async () => {
    const repo = setup();
    try {
      const codex = await trail(repo.dir, 'import', 'codex', CODEX, '--json');
      assert.equal(codex.code, 0, codex.stderr);
      const { session, events } = await sessionRecords(repo.dir, JSON.parse(codex.stdout).sessionId);
      assert.deepEqual(session?.boundary, {
        mode: 'local',
        branch: 'feat/upload-limit',
        cwd: '/home/dev/acme-api',
        permissionMode: 'on-request',
        sandbox: 'workspace-write',
        network: 'restricted',
        credentialNames: [],
      });
      assert.equal(session?.agent.version, '0.47.0');
      const summary = summarise(events);
      assert.ok(summary.includes('file-edit src/limit.rs created'));
      assert.ok(summary.includes('repair test fixed src/limit.rs,src/upload.rs'));
      assert.deepEqual(
        summary.filter((s) => s.startsWith('usage')),
        ['usage gpt-5-codex 0.02775', 'usage gpt-5 0.00875'],
      );

      for (const [file, sessionId, model] of [
        [GEMINI_JSONL, '3f1c2a9b-7d4e-4c1a-9b2e-5a8d6f0e1c47', 'gemini-2.5-pro'],
        [GEMINI_JSON, '8a2d5f61-3b7e-4c09-a1d4-6e9f2b0c7d35', 'gemini-2.5-flash'],
      ] as const) {
        const gemini = await trail(repo.dir, 'import', 'gemini', file);
        assert.equal(gemini.code, 0, gemini.stderr);
        assert.match(gemini.stderr, new RegExp(`imported session ${sessionId} \\(gemini-cli\\)`));
        const imported = await sessionRecords(repo.dir, sessionId);
        assert.equal(imported.session?.model, model);
        const usage = imported.events.filter((e) => e.event.type === 'usage');
        assert.equal(usage.length, 1, 'one priced total per model, not one per message');
      }
      assert.equal((await trail(repo.dir, 'verify')).code, 0);
    } finally {
      repo.cleanup();
    }
  });

  test('secrets are redacted; a grown file adds only what is new; bad files record nothing', async () => {
    const repo = setup();
    const dir = tempDir();
    try {
      const token = `ghp_${'Kk7Jj8Hh9G'.repeat(3)}246802`;
      const lines = readFileSync(CLAUDE, 'utf8').split('\n');
      const withSecret = lines.map((l) =>
        l.replace('Add rate limiting to the /login route', `Add rate limiting (token ${token})`),
      );
      const file = join(dir, 'session.jsonl');
      const cut = withSecret.findIndex((l) => l.includes('"npm test"'));
      writeFileSync(file, `${withSecret.slice(0, cut).join('\n')}\n`);
      const first = JSON.parse((await trail(repo.dir, 'import', 'claude-code', file, '--json')).stdout);
      writeFileSync(file, withSecret.join('\n'));
      const second = JSON.parse((await trail(repo.dir, 'import', 'claude', file, '--json')).stdout);
      assert.ok(first.added > 0 && second.added > 0);
      assert.ok(second.added < second.built, 'what the first import holds is not added again');
      const { events } = await sessionRecords(repo.dir, first.sessionId);
      assert.equal(events.filter((e) => e.event.type === 'prompt').length, 1);
      const prompt = events.find((e) => e.event.type === 'prompt')!;
      assert.deepEqual(prompt.redactions, [{ field: 'text', rule: 'github-token', count: 1 }]);
      const all = JSON.stringify((await sessionRecords(repo.dir, first.sessionId)).index.records);
      assert.doesNotMatch(all, /ghp_/);

      const before = (await loadIndex(await findRepo(repo.dir))).records.length;
      const missing = await trail(repo.dir, 'import', 'codex', join(dir, 'nope.jsonl'));
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, `trail: cannot read ${join(dir, 'nope.jsonl')}: no such file\n`);
      writeFileSync(join(dir, 'notes.txt'), 'just some notes\nnot a transcript\n');
      for (const agent of ['claude', 'codex', 'gemini']) {
        const bad = await trail(repo.dir, 'import', agent, join(dir, 'notes.txt'));
        assert.equal(bad.code, 1);
        assert.match(bad.stderr, /^trail: .*notes\.txt: not a .+\n$/);
      }
      const unknown = await trail(repo.dir, 'import', 'cursor', file);
      assert.equal(unknown.code, 2);
      assert.equal(
        unknown.stderr,
        'trail: unknown kind cursor: use claude, codex or gemini (or github-review, gitlab-approval for code host reviews)\n',
      );
      assert.equal((await loadIndex(await findRepo(repo.dir))).records.length, before);
    } finally {
      repo.cleanup();
    }
  });

  test('a session recorded over several checkpoints, then imported: only what the file holds beyond its running total is added', async () => {
    const repo = setup();
    const dir = tempDir();
    try {
      const lines = readFileSync(CLAUDE, 'utf8').split('\n').filter(Boolean);
      const sessionId = '3f2b8c1e-6d4a-4b9e-9c7f-2a1d5e8b0c44';
      const transcript = join(dir, `${sessionId}.jsonl`);
      const send = claudeSession(repo.dir, sessionId, transcript);
      // Three turns, each sealed with a commit: the hooks record the transcript's running
      // total as it stood at each.
      const cuts = [9, 15, 19];
      for (const [turn, cut] of cuts.entries()) {
        writeFileSync(transcript, `${lines.slice(0, cut).join('\n')}\n`);
        send('UserPromptSubmit', { prompt: `turn ${turn}` });
        const path = join(repo.dir, `turn-${turn}.ts`);
        const input = { file_path: path, content: `export const t = ${turn};\n` };
        send('PreToolUse', { tool_name: 'Write', tool_input: input, tool_use_id: `toolu_${turn}` });
        writeFileSync(path, input.content);
        send('PostToolUse', {
          tool_name: 'Write',
          tool_input: input,
          tool_response: { success: true },
          tool_use_id: `toolu_${turn}`,
        });
        send('Stop', {});
        repo.git('add', '-A');
        repo.git('commit', '-q', '-m', `turn ${turn}`);
      }
      const sealed = await sessionUsage(repo.dir, sessionId);
      assert.ok(sealed.output > 0);
      // The whole file, grown since the last turn: its total is what the session now counts.
      writeFileSync(transcript, `${lines.join('\n')}\n`);
      const other = setup();
      try {
        await trail(other.dir, 'import', 'claude', transcript);
        const fileTotal = await sessionUsage(other.dir, sessionId);
        assert.ok(fileTotal.output > sealed.output, 'the file holds more than the turns sealed');
        const imported = JSON.parse((await trail(repo.dir, 'import', 'claude', transcript, '--json')).stdout);
        assert.ok(imported.added > 0);
        assert.deepEqual(await sessionUsage(repo.dir, sessionId), fileTotal);
        const again = JSON.parse((await trail(repo.dir, 'import', 'claude', transcript, '--json')).stdout);
        assert.equal(again.added, 0, 'nothing new the second time');
        assert.deepEqual(await sessionUsage(repo.dir, sessionId), fileTotal);
      } finally {
        other.cleanup();
      }
    } finally {
      repo.cleanup();
    }
  });

  test('a cut-short copy adds nothing, and usage is never counted twice, however copies come in', async () => {
    const repo = setup();
    const dir = tempDir();
    try {
      const lines = readFileSync(CLAUDE, 'utf8').split('\n');
      const half = join(dir, 'half.jsonl');
      writeFileSync(half, `${lines.slice(0, Math.ceil(lines.length / 2)).join('\n')}\n`);

      // The whole file first, then a cut-short copy of it: nothing is added.
      const whole = JSON.parse((await trail(repo.dir, 'import', 'claude', CLAUDE, '--json')).stdout);
      const full = await sessionRecords(repo.dir, whole.sessionId);
      const fullUsage = await sessionUsage(repo.dir, whole.sessionId);
      const cut = JSON.parse((await trail(repo.dir, 'import', 'claude', half, '--json')).stdout);
      assert.equal(cut.added, 0, 'an older copy adds nothing');
      const after = await sessionRecords(repo.dir, whole.sessionId);
      assert.equal(after.session?.endedAt, full.session?.endedAt, 'the session still ends when it ended');
      assert.deepEqual(await sessionUsage(repo.dir, whole.sessionId), fullUsage);

      // The other way round, in a second repository: the grown copy adds only the usage beyond.
      const other = setup();
      try {
        await trail(other.dir, 'import', 'claude', half);
        const partial = await sessionUsage(other.dir, whole.sessionId);
        assert.ok(partial.output > 0 && partial.output < fullUsage.output, 'the half counts less');
        await trail(other.dir, 'import', 'claude', CLAUDE);
        const grown = await sessionRecords(other.dir, whole.sessionId);
        assert.deepEqual(
          await sessionUsage(other.dir, whole.sessionId),
          fullUsage,
          'totals as if imported once, whole',
        );
        assert.equal(grown.session?.endedAt, full.session?.endedAt);
      } finally {
        other.cleanup();
      }
    } finally {
      repo.cleanup();
    }
  });
});
