/**
 * What Claude Code's Stop hook costs as a session's transcript grows. At each turn's end the
 * hook reads the turn's reasoning, model and token usage from the transcript: since
 * 2026-12-06 only the lines appended since the last turn end (from a byte offset, with what
 * the earlier lines leave to them), so a turn end costs the same in a long session as in a
 * short one. No target: it shows the cost beside Node's start-up, and the first turn end of
 * each size, which reads the whole transcript (as a session does when Trail is set up in the
 * middle of it).
 *
 * Transcripts are built from test/fixtures/claude-code/transcript.jsonl, its lines repeated
 * with fresh message ids (so none is taken for a repeat of another) up to each size.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRAIL_BIN, trail } from '../test/helpers/cli.js';
import { gitEnv, tempDir, tempRepo } from '../test/helpers/temp-repo.js';
import { percentile, report } from './lib.js';

const SIZES_MIB = [4, 16, 48];
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const FIXTURE = new URL('../test/fixtures/claude-code/transcript.jsonl', import.meta.url);

/** The fixture's lines again and again, each message given an id of its own, up to `bytes`. */
function transcriptOf(bytes: number): string {
  const lines = readFileSync(FIXTURE, 'utf8').split('\n').filter(Boolean);
  const out: string[] = [];
  let size = 0;
  for (let round = 0; size < bytes; round++) {
    for (const line of lines) {
      const fresh = line
        .replace(/"id":"msg_[^"]*"/g, (m) => `${m.slice(0, -1)}_${round}"`)
        .replace(/"uuid":"[^"]*"/g, (m) => `${m.slice(0, -1)}-${round}"`);
      out.push(fresh);
      size += fresh.length + 1;
    }
  }
  return `${out.join('\n')}\n`;
}

function runMs(args: string[], cwd: string, input?: string): number {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { cwd, input, env: gitEnv, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

const repo = tempRepo();
const scratch = tempDir('trail-bench-turn-end-');
try {
  repo.write('README.md', '# app\n');
  repo.commit('base');
  const init = await trail(repo.dir, 'init', '--yes', '--agents', 'claude-code');
  if (init.code !== 0) throw new Error(init.stderr);
  const figures = [];
  const node: number[] = [];
  for (const mib of SIZES_MIB) {
    const path = join(scratch, `transcript-${mib}.jsonl`);
    writeFileSync(path, transcriptOf(mib * 2 ** 20));
    const stop = JSON.stringify({
      session_id: `b7c1e2d3-${String(mib).padStart(4, '0')}-4a5b-8c6d-0e1f2a3b4c5d`,
      transcript_path: path,
      cwd: repo.dir,
      hook_event_name: 'Stop',
      stop_hook_active: false,
    });
    // The first turn end reads and spools everything; the later ones find nothing new.
    const first = runMs([TRAIL_BIN, 'hook', 'claude-code', 'Stop'], repo.dir, stop);
    figures.push({
      name: `Stop hook, first turn end over a ${mib} MiB transcript (reads it all)`,
      value: first,
      unit: 'ms',
    });
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      node.push(runMs(['-e', '0'], repo.dir));
      times.push(runMs([TRAIL_BIN, 'hook', 'claude-code', 'Stop'], repo.dir, stop));
    }
    figures.push({
      name: `Stop hook, ${mib} MiB transcript, nothing new since the last turn: p50`,
      value: percentile(times, 50),
      unit: 'ms',
    });
  }
  const gaps = join(repo.dir, '.git/trail/spool/gaps.jsonl');
  let gapCount = 0;
  try {
    gapCount = readFileSync(gaps, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    // None.
  }
  if (gapCount > 0)
    throw new Error(`the Stop hooks recorded ${gapCount} capture gaps: the figures would not be real`);
  const base = { name: 'node -e 0 p50', value: percentile(node, 50), unit: 'ms' };
  report({
    bench: 'turn-end',
    title: `Claude Code's Stop hook as the transcript grows, ${RUNS} runs each`,
    figures: [base, ...figures.map((f) => ({ ...f, baseline: base, ratio: f.value / base.value }))],
    notes: [
      'each run is a real process: `node bin/trail hook claude-code Stop` with the payload on stdin, after one Stop that spooled the transcript, so each measures a turn end with nothing new to add',
      'before 2026-12-06 the hook parsed the whole transcript at every turn end: on a 2-core EPYC, with a test suite running beside it, a 40 MiB transcript took 0.8-1.9 s per turn end, and one over 64 MiB was refused at every turn end (a capture gap, and none of the later reasoning or usage); now only a turn that appends over 64 MiB is',
      'the first turn end over each size also spools all of its reasoning, redacted: a transcript of repeated fixture lines holds far more reasoning per MiB than most',
    ],
  });
} finally {
  repo.cleanup();
  rmSync(scratch, { recursive: true, force: true });
}
