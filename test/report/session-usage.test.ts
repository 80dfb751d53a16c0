/**
 * One agent session sealed into several commits. Each checkpoint's usage records hold the
 * session's running total per model (what the agents report), so the reports must not add
 * them up checkpoint by checkpoint: the totals are the session's, once. And each checkpoint
 * shows the model its session ran on when it was sealed, not the one a later turn switched
 * to. Real repositories, the agents' hooks run from the commands `trail init` installed, real
 * commits through the installed git hooks, and the CLI's own reports.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { RecordOf } from '../../src/core/records.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import {
  codexFixtureRepo,
  codexNotifyArgv,
  installedCommand,
  runNotify,
  runShellHook,
} from '../helpers/agent-hooks.js';
import { trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempDir, tempRepo } from '../helpers/temp-repo.js';
import { fixtureLines } from '../helpers/transcript-pieces.js';

const cleanups: Array<() => void> = [];
after(() => {
  for (const cleanup of cleanups) cleanup();
});

interface JsonReport {
  sections: Array<{ id: string; table?: { rows: Array<Record<string, string | number | null>> } }>;
}

async function nistUsageRow(repo: TempRepo): Promise<Record<string, string | number | null>> {
  const r = await trail(repo.dir, 'report', 'nist-ai-rmf', '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as JsonReport;
  const row = doc.sections
    .flatMap((s) => s.table?.rows ?? [])
    .find((x) => Object.values(x).includes('Usage and cost'));
  assert.ok(row, 'the NIST AI RMF report has a usage and cost row');
  return row;
}

type UsageEvent = Extract<RecordOf<'event'>['event'], { type: 'usage' }>;

/** The usage records each commit's checkpoint seals, per commit. */
async function sealedUsage(repo: TempRepo, commits: string[]): Promise<UsageEvent[][]> {
  const index = await loadIndex(await findRepo(repo.dir));
  return commits.map((sha) => {
    const checkpoint = index.checkpointByCommit.get(sha);
    assert.ok(checkpoint, `a checkpoint for ${sha}`);
    return checkpoint.record.events.flatMap((id) => {
      const e = (index.byId.get(id)?.record as RecordOf<'event'> | undefined)?.event;
      return e?.type === 'usage' ? [e] : [];
    });
  });
}

const commit = (repo: TempRepo, message: string) => {
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', message);
  return repo.git('rev-parse', 'HEAD');
};

describe('usage of one session sealed into several commits', () => {
  test('Codex: three commits of one thread; the report counts the thread once (12,900 tokens), not each checkpoint’s running total', async () => {
    const { repo, codexHome } = await codexFixtureRepo(cleanups);
    repo.commit('Trail set up');
    const day = join(codexHome, 'sessions', '2026', '03', '02');
    mkdirSync(day, { recursive: true });
    const thread = '0199a1b2-0000-4000-8000-0000000000c1';
    const lines = fixtureLines(new URL('../fixtures/codex/rollout.jsonl', import.meta.url)).map((line) =>
      line
        .split('/home/dev/acme-api')
        .join(repo.dir)
        .split('0199a1b2-7c3d-7e4f-8a5b-6c7d8e9f0a1b')
        .join(thread),
    );
    const secondTurn = lines.findIndex((line, i) => i > 3 && line.includes('"type":"turn_context"'));
    assert.ok(secondTurn > 0);
    const rollout = join(day, `rollout-2026-03-02T10-00-00-${thread}.jsonl`);
    const argv = codexNotifyArgv(codexHome);
    const notify = () => {
      const run = runNotify(
        argv,
        JSON.stringify({ type: 'agent-turn-complete', 'thread-id': thread, 'turn-id': '1', cwd: repo.dir }),
        { cwd: repo.dir, env: { CODEX_HOME: codexHome } },
      );
      assert.equal(run.code, 0, run.stderr);
    };

    // Turn 1, on gpt-5-codex: its patch, then a commit.
    writeFileSync(rollout, lines.slice(0, secondTurn).join(''));
    repo.write(
      'src/upload.rs',
      'pub fn upload(req: Request) {\n    let body = Limited::new(req.into_body(), limit::MAX);\n    store(body)\n}\n',
    );
    repo.write('src/limit.rs', 'pub const MAX: usize = 1 << 20;\n');
    notify();
    const first = commit(repo, 'limit uploads');
    // Codex's apply_patch adding a one-line file, as the rollout records it.
    const addFile = (callId: string, path: string, text: string, at: string) =>
      [
        {
          type: 'response_item',
          payload: {
            type: 'custom_tool_call',
            status: 'completed',
            call_id: callId,
            name: 'apply_patch',
            input: `*** Begin Patch\n*** Add File: ${path}\n+${text}\n*** End Patch\n`,
          },
        },
        {
          type: 'event_msg',
          payload: {
            type: 'patch_apply_end',
            call_id: callId,
            stdout: `Success. Updated the following files:\nA ${path}\n`,
            stderr: '',
            success: true,
          },
        },
      ]
        .map((line) => `${JSON.stringify({ timestamp: at, ...line })}\n`)
        .join('');
    // Turn 2, on gpt-5: the README, then a commit.
    appendFileSync(
      rollout,
      lines.slice(secondTurn).join('') +
        addFile('call_R1', 'README.md', 'Uploads are limited to 1 MiB.', '2026-03-02T10:05:11.000Z'),
    );
    repo.write('README.md', 'Uploads are limited to 1 MiB.\n');
    notify();
    const second = commit(repo, 'document the limit');
    // Turn 3: a changelog line, and no token_count at all; then a commit.
    appendFileSync(
      rollout,
      [
        { type: 'turn_context', payload: { cwd: repo.dir, model: 'gpt-5' } },
        {
          type: 'response_item',
          payload: {
            type: 'message',
            role: 'user',
            content: [{ type: 'input_text', text: 'Add a changelog line' }],
          },
        },
      ]
        .map((line) => `${JSON.stringify({ timestamp: '2026-03-02T10:09:00.000Z', ...line })}\n`)
        .join('') +
        addFile('call_L1', 'CHANGELOG.md', '- Uploads are limited to 1 MiB.', '2026-03-02T10:09:05.000Z'),
    );
    repo.write('CHANGELOG.md', '- Uploads are limited to 1 MiB.\n');
    notify();
    const third = commit(repo, 'changelog');

    // The ledger as written: every checkpoint holds the thread's totals so far.
    const usage = await sealedUsage(repo, [first, second, third]);
    const figures = usage.map((list) =>
      list.map((u) => [u.model, u.inputTokens, u.outputTokens, u.cacheReadTokens]).sort(),
    );
    assert.deepEqual(figures, [
      [['gpt-5-codex', 8000, 1500, 22000]],
      [
        ['gpt-5', 3000, 400, 8000],
        ['gpt-5-codex', 8000, 1500, 22000],
      ],
      [
        ['gpt-5', 3000, 400, 8000],
        ['gpt-5-codex', 8000, 1500, 22000],
      ],
    ]);
    const latest = usage[2]!;
    const realCost = latest.reduce((n, u) => n + (u.costUsd ?? 0), 0);
    assert.ok(realCost > 0, 'the usage is priced');

    // The report: the thread's tokens once (8,000 + 1,500 + 3,000 + 400), and its cost once.
    const row = await nistUsageRow(repo);
    const finding = Object.values(row).find((v) => typeof v === 'string' && v.includes('tokens'));
    assert.equal(finding, `12,900 tokens, $${realCost.toFixed(2)} in 3 changes`);

    // Each commit's own share, and the session's total beside it, in `trail show`.
    const shown = async (sha: string) => {
      const r = await trail(repo.dir, 'show', sha, '--json');
      assert.equal(r.code, 0, r.stderr);
      const view = JSON.parse(r.stdout) as {
        costUsd: number;
        usage: Array<UsageEvent & { added: { inputTokens: number; outputTokens: number; costUsd: number } }>;
      };
      return view;
    };
    const shares = await Promise.all([first, second, third].map(shown));
    const added = shares.map((v) =>
      v.usage.map((u) => [u.model, u.added.inputTokens, u.added.outputTokens]).sort(),
    );
    assert.deepEqual(added, [
      [['gpt-5-codex', 8000, 1500]],
      [
        ['gpt-5', 3000, 400],
        ['gpt-5-codex', 0, 0],
      ],
      [
        ['gpt-5', 0, 0],
        ['gpt-5-codex', 0, 0],
      ],
    ]);
    assert.equal(shares[2]!.costUsd, 0, 'the third commit added no cost');
    assert.ok(
      Math.abs(shares.reduce((n, v) => n + v.costUsd, 0) - realCost) < 1e-9,
      'the commits’ costs add up to the session’s',
    );
    const md = await trail(repo.dir, 'show', third, '--md');
    assert.match(md.stdout, /### Usage \(added by this commit; session total so far\)/);
    assert.match(
      md.stdout,
      /gpt-5: this commit \+0 in, \+0 out, \+0 cache read, ≈ \$0\.0000; session so far 3000 in, 400 out/,
    );

    // The PR summary over the three commits: the thread's tokens once.
    const pr = await trail(repo.dir, 'pr-summary', '--base', `${first}~1`, '--json');
    assert.equal(pr.code, 0, pr.stderr);
    const run = JSON.parse(pr.stdout).run;
    assert.deepEqual([run.inputTokens, run.outputTokens], [11000, 1900]);
    assert.ok(Math.abs(run.costUsd - realCost) < 1e-6);
  });
});

/** A Gemini CLI chat recording: its header, then messages appended as the turns go. */
function geminiMessage(
  id: string,
  at: string,
  model: string,
  text: string,
  tokens: { input: number; output: number },
) {
  return `${JSON.stringify({
    id,
    timestamp: at,
    type: 'gemini',
    content: text,
    thoughts: [],
    tokens: { ...tokens, cached: 0, thoughts: 0, tool: 0, total: tokens.input + tokens.output },
    model,
  })}\n`;
}

describe('a session that changes model between commits', () => {
  test('Gemini CLI: turn 1 on gemini-2.5-pro in commit A, turn 2 on gemini-2.5-flash in commit B; show, log and blame say pro for A, and the usage is counted once', async () => {
    const repo = tempRepo();
    const chats = tempDir('trail-gemini-home-');
    cleanups.push(
      () => repo.cleanup(),
      () => rmSync(chats, { recursive: true, force: true }),
    );
    repo.write('README.md', '# shop\n');
    repo.commit('base');
    const init = await trail(repo.dir, 'init', '--yes', '--agents', 'gemini-cli');
    assert.equal(init.code, 0, init.stderr);
    repo.commit('Trail set up');

    const sessionId = '5e551011-0000-4000-8000-0000000000a1';
    const transcript = join(chats, 'session-2026-01-14T09-12-5e551011.jsonl');
    writeFileSync(
      transcript,
      `${JSON.stringify({ sessionId, projectHash: 'f'.repeat(64), startTime: '2026-01-14T09:12:00.000Z', lastUpdated: '2026-01-14T09:12:00.000Z', kind: 'main' })}\n`,
    );
    const base = { session_id: sessionId, transcript_path: transcript, cwd: repo.dir };
    const send = (event: string, payload: Record<string, unknown>, tool?: string) => {
      const command = installedCommand(repo.dir, 'gemini-cli', event, tool);
      assert.ok(command, `Trail is installed for ${event}`);
      const run = runShellHook(command, JSON.stringify({ ...base, hook_event_name: event, ...payload }), {
        cwd: repo.dir,
        env: { GEMINI_PROJECT_DIR: repo.dir },
      });
      assert.equal(run.code, 0, `${event}: ${run.stderr}`);
    };
    const turn = (
      n: number,
      model: string,
      path: string,
      content: string,
      tokens: { input: number; output: number },
    ) => {
      const at = (s: number) =>
        `2026-01-14T09:${String(12 + n).padStart(2, '0')}:${String(s).padStart(2, '0')}.000Z`;
      const prompt = `Write ${path}`;
      send('BeforeAgent', { timestamp: at(1), prompt });
      send('BeforeModel', {
        timestamp: at(2),
        llm_request: { model, messages: [{ role: 'user', content: prompt }] },
      });
      const file = join(repo.dir, path);
      send(
        'BeforeTool',
        { timestamp: at(3), tool_name: 'write_file', tool_input: { file_path: file, content } },
        'write_file',
      );
      repo.write(path, content);
      send(
        'AfterTool',
        {
          timestamp: at(4),
          tool_name: 'write_file',
          tool_input: { file_path: file, content },
          tool_response: { llmContent: `Successfully created and wrote to new file: ${file}.` },
        },
        'write_file',
      );
      appendFileSync(transcript, geminiMessage(`msg-${n}`, at(5), model, `Wrote ${path}.`, tokens));
      send('AfterAgent', { timestamp: at(6), prompt, prompt_response: `Wrote ${path}.` });
    };

    send('SessionStart', { timestamp: '2026-01-14T09:12:00.500Z', source: 'startup' });
    turn(1, 'gemini-2.5-pro', 'src/a.ts', 'export const a = 1;\n', { input: 1000, output: 100 });
    const a = commit(repo, 'A');
    turn(2, 'gemini-2.5-flash', 'src/b.ts', 'export const b = 2;\n', { input: 2000, output: 200 });
    const b = commit(repo, 'B');

    // What each checkpoint recorded, and what blame reads.
    const index = await loadIndex(await findRepo(repo.dir));
    assert.deepEqual(
      [a, b].map((sha) => index.checkpointByCommit.get(sha)?.record.sessions.map((s) => s.model)),
      [['gemini-2.5-pro'], ['gemini-2.5-flash']],
    );
    const blame = await trail(repo.dir, 'blame', 'src/a.ts', '--json');
    assert.equal(blame.code, 0, blame.stderr);
    assert.match(blame.stdout, /"model":\s*"gemini-2\.5-pro"/);
    assert.doesNotMatch(blame.stdout, /gemini-2\.5-flash/);

    // trail show A: the model as of A, though the session's newest record says flash.
    const showA = await trail(repo.dir, 'show', a, '--json');
    assert.equal(showA.code, 0, showA.stderr);
    assert.deepEqual(
      (JSON.parse(showA.stdout) as { sessions: Array<{ model?: string }> }).sessions.map((s) => s.model),
      ['gemini-2.5-pro'],
    );
    const textA = await trail(repo.dir, 'show', a);
    assert.match(textA.stderr, /Model: gemini-2\.5-pro/);
    assert.doesNotMatch(textA.stderr, /Model: gemini-2\.5-flash/);
    const showB = await trail(repo.dir, 'show', b, '--json');
    assert.deepEqual(
      (JSON.parse(showB.stdout) as { sessions: Array<{ model?: string }> }).sessions.map((s) => s.model),
      ['gemini-2.5-flash'],
    );

    // trail log, with and without -n (two ways of reading the ledger).
    for (const args of [
      ['log', '--json'],
      ['log', '-n', '5', '--json'],
    ]) {
      const log = await trail(repo.dir, ...args);
      assert.equal(log.code, 0, log.stderr);
      const byCommit = Object.fromEntries(
        (JSON.parse(log.stdout) as Array<{ commit: string; models: string[] }>).map((x) => [
          x.commit,
          x.models,
        ]),
      );
      assert.deepEqual(
        [byCommit[a], byCommit[b]],
        [['gemini-2.5-pro'], ['gemini-2.5-flash']],
        args.join(' '),
      );
    }
    const text = await trail(repo.dir, 'log');
    const lineOf = (sha: string) => text.stderr.split('\n').find((l) => l.startsWith(sha.slice(0, 10)));
    assert.match(lineOf(a) ?? '', /gemini-2\.5-pro/);
    assert.doesNotMatch(lineOf(a) ?? '', /flash/);

    // The PR summary over both commits: the session ran on both models.
    const pr = await trail(repo.dir, 'pr-summary', '--base', `${a}~1`, '--json');
    assert.equal(pr.code, 0, pr.stderr);
    assert.deepEqual(JSON.parse(pr.stdout).run.models, ['gemini-2.5-pro', 'gemini-2.5-flash']);

    // Usage: pro's 1,100 tokens sealed in A, flash's 2,200 in B, and B repeats pro's total.
    const usage = await sealedUsage(repo, [a, b]);
    assert.deepEqual(
      usage.map((list) => list.map((u) => [u.model, u.inputTokens, u.outputTokens]).sort()),
      [
        [['gemini-2.5-pro', 1000, 100]],
        [
          ['gemini-2.5-flash', 2000, 200],
          ['gemini-2.5-pro', 1000, 100],
        ],
      ],
    );
    const row = await nistUsageRow(repo);
    const finding = Object.values(row).find((v) => typeof v === 'string' && v.includes('tokens'));
    assert.match(String(finding), /^3,300 tokens/);
  });
});
