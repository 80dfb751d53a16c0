/**
 * The read side over a large ledger: `trail log`, `show`, `check`, `stats` and a SOC 2 report
 * as commands, on a repository of 2,440 commits whose ledger holds 100,040 records (each
 * commit: a session, 39 events and its checkpoint, appended as its commit appends them, one
 * append each), beside `git log` and `node -e 0` in the same run. Each reader of a few
 * checkpoints is measured cold (no read memo: every chunk read out of git, as the first
 * command in a clone does) and warm (the memo filed by the command before it: only the
 * chunks that name what is shown are read). A report reads and verifies every record, with
 * no memo. No target: they are kept to watch.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { recordIdOf } from '../src/core/record-id.js';
import { validateRecord } from '../src/core/records.js';
import { loadWriterKey } from '../src/ledger/keys.js';
import { appendRecords } from '../src/ledger/log-store.js';
import { findRepo } from '../src/ledger/repo.js';
import { TRAIL_BIN } from '../test/helpers/cli.js';
import { gitEnv, tempRepo } from '../test/helpers/temp-repo.js';
import { percentile, report } from './lib.js';

const COMMITS = Number(process.env.BENCH_COMMITS ?? 2440);
const EVENTS_PER_COMMIT = 39;
const RUNS = 5;

function command(i: number, e: number) {
  return {
    type: 'command',
    command: `npm test -- case-${i}-${e}`,
    exitCode: e % 7 === 0 ? 1 : 0,
    durationMs: 1200,
    outputTail: `ran ${e} tests`,
  };
}

const repo = tempRepo();
try {
  // The commits, through one fast-import: each adds a line to one file.
  const chunks: string[] = [];
  for (let c = 0; c < COMMITS; c++) {
    const body = `export const change${c} = ${c};\n`;
    const message = `change ${c}`;
    chunks.push(
      `commit refs/heads/main\nmark :${c + 1}\ncommitter Dev <dev@example.com> ${1_700_000_000 + c * 60} +0000\ndata ${message.length}\n${message}\n${c > 0 ? `from :${c}\n` : ''}M 100644 inline src/change-${c % 50}.ts\ndata ${Buffer.byteLength(body)}\n${body}\n`,
    );
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: repo.dir, input: chunks.join(''), env: gitEnv });
  execFileSync('git', ['reset', '-q', '--hard', 'main'], { cwd: repo.dir, env: gitEnv });
  execFileSync(process.execPath, [TRAIL_BIN, 'init', '--yes'], {
    cwd: repo.dir,
    env: gitEnv,
    stdio: 'ignore',
  });
  const shas = execFileSync('git', ['rev-list', '--reverse', 'main'], { cwd: repo.dir, env: gitEnv })
    .toString()
    .trim()
    .split('\n');

  const ledger = await findRepo(repo.dir);
  const key = loadWriterKey(ledger);
  let clock = Date.UTC(2026, 0, 1);
  const at = () => {
    clock += 1000;
    return new Date(clock).toISOString();
  };
  let records = 0;
  for (const [i, sha] of shas.entries()) {
    const sessionId = `session-${i}`;
    const agent = { type: 'agent', id: 'claude-code' };
    const session = {
      kind: 'session',
      v: 1,
      time: at(),
      actor: agent,
      provenance: 'observed',
      sessionId,
      agent: { name: 'claude-code' },
      model: 'claude-opus-4-6',
      request: { tickets: [], requester: 'dev@example.com', acceptanceCriteria: [], summary: `change ${i}` },
      boundary: { mode: 'local', credentialNames: [] },
      startedAt: at(),
    };
    const events = Array.from({ length: EVENTS_PER_COMMIT }, (_, e) => ({
      kind: 'event',
      v: 1,
      time: at(),
      actor: agent,
      provenance: 'observed',
      sessionId,
      event:
        e % 3 === 0
          ? command(i, e)
          : e % 3 === 1
            ? {
                type: 'file-edit',
                path: `src/change-${i % 50}.ts`,
                tool: 'Write',
                ranges: [{ start: 1, end: 1 }],
              }
            : { type: 'prompt', text: `step ${e} of change ${i}` },
    }));
    const checkpoint = {
      kind: 'checkpoint',
      v: 1,
      time: at(),
      actor: { type: 'human', id: 'dev@example.com' },
      provenance: 'observed',
      commit: sha,
      tree: sha,
      parents: [],
      author: 'Dev <dev@example.com>',
      message: `change ${i}`,
      sessions: [{ sessionId, agent: 'claude-code', record: recordIdOf(validateRecord(session)) }],
      // The ids of the events as stored (validated: defaults filled in), as a commit's seal lists them.
      events: events.map((e) => recordIdOf(validateRecord(e))),
      files: [
        {
          path: `src/change-${i % 50}.ts`,
          status: 'modified',
          added: 1,
          removed: 0,
          aiLines: 1,
          humanLines: 0,
          unknownLines: 0,
        },
      ],
      attribution: { [`src/change-${i % 50}.ts`]: [{ start: 1, end: 1, origin: 'ai', sessionId }] },
    };
    // One append per commit, as the post-commit hook seals a commit's work.
    await appendRecords(ledger, key, [session, ...events, checkpoint]);
    records += 2 + events.length;
  }
  execFileSync('git', ['gc', '--quiet'], { cwd: repo.dir, env: gitEnv });
  const memo = join(ledger.stateDir, 'read-memo');

  const p50 = (file: string, args: string[], before?: () => void) => {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      before?.();
      const start = performance.now();
      const run = spawnSync(file, args, { cwd: repo.dir, env: gitEnv, maxBuffer: 1 << 28 });
      times.push(performance.now() - start);
      if (run.status !== 0 && run.status !== 1)
        throw new Error(`${args.join(' ')}: exit ${run.status}: ${run.stderr}`);
    }
    return percentile(times, 50);
  };
  const node = p50(process.execPath, ['-e', '0']);
  const gitLog = p50('git', ['log', '-n', '20', '--format=%h %s']);
  const trailFigure = (name: string, args: string[], before?: () => void) => {
    const value = p50(process.execPath, [TRAIL_BIN, ...args], before);
    return {
      name,
      value,
      unit: 'ms',
      baseline: { name: '`node -e 0`', value: node, unit: 'ms' },
      ratio: value / node,
    };
  };
  report({
    bench: 'read-side',
    title: `the read side over ${records.toLocaleString('en-US')} records (${COMMITS.toLocaleString('en-US')} checkpoints), p50 of ${RUNS} runs`,
    figures: [
      ...(
        [
          ['trail log -n 20', ['log', '-n', '20']],
          ['trail show HEAD', ['show', 'HEAD']],
          ['trail check HEAD~20..HEAD', ['check', 'HEAD~20..HEAD']],
          ['trail stats', ['stats']],
        ] as const
      ).flatMap(([name, args]) => [
        trailFigure(`${name}, cold (no read memo)`, [...args], () =>
          rmSync(memo, { recursive: true, force: true }),
        ),
        trailFigure(`${name}, warm`, [...args]),
      ]),
      trailFigure('trail report soc2 --format json (decodes and verifies every record)', [
        'report',
        'soc2',
        '--format',
        'json',
      ]),
      { name: 'git log -n 20 (for scale)', value: gitLog, unit: 'ms' },
    ],
    notes: [
      "cold, a command reads every chunk out of git (one cat-file) and files each chunk's digest in the read memo; warm, it takes every checkpoint from the memo and reads out of git only the chunks that may name the checkpoints it shows (log: their reviews, tests, deployments; show and check: their sessions' events too); stats reads no chunk at all",
      'the ledger is packed (git gc), as git gc --auto keeps a clone that commits',
    ],
  });
} finally {
  repo.cleanup();
}
