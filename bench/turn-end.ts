/**
 * What a turn end costs as a session's transcript grows: Claude Code's Stop hook, Gemini
 * CLI's AfterAgent hook and Codex's notify. At each turn's end the hook reads the turn's
 * reasoning, model and token usage from the transcript (and, for Codex, its commands, edits
 * and prompts from the rollout): since 2026-12-06 only the lines appended since the last turn
 * end (from a byte offset, with what the earlier lines leave to them), so a turn end costs the
 * same in a long session as in a short one. No target: it shows the cost beside Node's
 * start-up, and the first turn end of each size, which reads the whole transcript (as a
 * session does when Trail is set up in the middle of it).
 *
 * Transcripts are built from the fixtures of test/fixtures/claude-code, gemini-cli and codex,
 * their lines repeated with fresh message and call ids (so none is taken for a repeat of
 * another) up to each size.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { codexNotifyArgv, trailWithEnv } from '../test/helpers/agent-hooks.js';
import { TRAIL_BIN } from '../test/helpers/cli.js';
import { gitEnv, tempDir, tempRepo } from '../test/helpers/temp-repo.js';
import type { BenchFigure } from './lib.js';
import { percentile, processMs, report } from './lib.js';

const SIZES_MIB = [4, 16, 48];
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const CLAUDE_FIXTURE = new URL('../test/fixtures/claude-code/transcript.jsonl', import.meta.url);
const CODEX_FIXTURE = new URL('../test/fixtures/codex/rollout.jsonl', import.meta.url);
const GEMINI_FIXTURE = new URL(
  '../test/fixtures/gemini-cli/session-2026-01-14T09-12-3f1c2a9b.jsonl',
  import.meta.url,
);
/** The folder the Codex fixture's session ran in, replaced by the benchmark's repository. */
const CODEX_FOLDER = '/home/dev/acme-api';

/**
 * A fixture's lines again and again up to `bytes`, each round's ids made its own by `fresh`
 * (`head` lines, a session's opening, only once).
 */
function repeated(
  fixture: URL,
  bytes: number,
  fresh: (line: string, round: number) => string,
  head = 0,
  keep: (line: string) => boolean = Boolean,
) {
  const lines = readFileSync(fixture, 'utf8').split('\n').filter(Boolean).filter(keep);
  const out = lines.slice(0, head);
  let size = 0;
  for (let round = 0; size < bytes; round++) {
    for (const line of lines.slice(head)) {
      const line2 = fresh(line, round);
      out.push(line2);
      size += line2.length + 1;
    }
  }
  return `${out.join('\n')}\n`;
}

const claudeTranscript = (bytes: number) =>
  repeated(CLAUDE_FIXTURE, bytes, (line, round) =>
    line
      .replace(/"id":"msg_[^"]*"/g, (m) => `${m.slice(0, -1)}_${round}"`)
      .replace(/"uuid":"[^"]*"/g, (m) => `${m.slice(0, -1)}-${round}"`),
  );

/** Codex's rollout for `dir`: the session's opening once, then its turns again and again. */
const codexRollout = (bytes: number, dir: string) =>
  repeated(CODEX_FIXTURE, bytes, (line, round) => line.replace(/call_[A-Z0-9]+/g, (m) => `${m}_${round}`), 3)
    .split(CODEX_FOLDER)
    .join(dir);

/**
 * Gemini CLI's chat recording: its metadata line once, then its messages again and again, each
 * round's ids its own (the fixture's last line, cut short as a file being written can be, left out).
 */
const geminiRecording = (bytes: number) =>
  repeated(
    GEMINI_FIXTURE,
    bytes,
    (line, round) => line.replace(/"id":"([^"]+)"/g, (_, id) => `"id":"${id}-${round}"`),
    1,
    (line) => {
      try {
        JSON.parse(line);
        return true;
      } catch {
        return false;
      }
    },
  );

/** A turn-end hook run as its own process, payload (if any) on stdin. */
const runMs = (args: string[], cwd: string, input?: string, env: NodeJS.ProcessEnv = {}) =>
  processMs(process.execPath, args, { cwd, input, env: { ...gitEnv, ...env } });

const repo = tempRepo();
const scratch = tempDir('trail-bench-turn-end-');
const codexHome = join(scratch, 'codex-home');
try {
  repo.write('README.md', '# app\n');
  repo.commit('base');
  const env = { CODEX_HOME: codexHome };
  const init = await trailWithEnv(repo.dir, env, 'init', '--yes', '--agents', 'claude-code,codex,gemini-cli');
  if (init.code !== 0) throw new Error(init.stderr);
  // The files the Codex fixture's patch names, as they are after its turn.
  repo.write('src/upload.rs', 'pub fn upload(req: Request) {\n    store(req.into_body())\n}\n');
  repo.write('src/limit.rs', 'pub const MAX: usize = 1 << 20;\n');
  const notifyArgv = codexNotifyArgv(codexHome);
  const figures: BenchFigure[] = [];
  const node: number[] = [];
  /** A session's first turn end over a transcript of `mib`, then RUNS more with nothing new. */
  const measure = (label: string, mib: number, turnEnd: () => number) => {
    // The first turn end reads and spools everything; the later ones find nothing new.
    figures.push({
      name: `${label}, first turn end over ${mib} MiB (reads it all)`,
      value: turnEnd(),
      unit: 'ms',
    });
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      node.push(runMs(['-e', '0'], repo.dir));
      times.push(turnEnd());
    }
    figures.push({
      name: `${label}, ${mib} MiB, nothing new since the last turn: p50`,
      value: percentile(times, 50),
      unit: 'ms',
    });
  };
  // The agents whose turn-end hook takes its payload on stdin, naming the transcript.
  const stdinHooks = [
    { label: "Claude Code's Stop hook", agent: 'claude-code', event: 'Stop', transcript: claudeTranscript },
    {
      label: "Gemini CLI's AfterAgent hook",
      agent: 'gemini-cli',
      event: 'AfterAgent',
      transcript: geminiRecording,
    },
  ];
  for (const { label, agent, event, transcript } of stdinHooks) {
    for (const mib of SIZES_MIB) {
      const path = join(scratch, `${agent}-${mib}.jsonl`);
      writeFileSync(path, transcript(mib * 2 ** 20));
      const payload = JSON.stringify({
        session_id: `b7c1e2d3-${String(mib).padStart(4, '0')}-4a5b-8c6d-${agent === 'claude-code' ? '0e1f2a3b4c5d' : '5a8d6f0e1c47'}`,
        transcript_path: path,
        cwd: repo.dir,
        hook_event_name: event,
        stop_hook_active: false,
      });
      measure(label, mib, () => runMs([TRAIL_BIN, 'hook', agent, event], repo.dir, payload));
    }
  }
  for (const mib of SIZES_MIB) {
    const thread = `0199a1b2-${String(mib).padStart(4, '0')}-7e4f-8a5b-6c7d8e9f0a1b`;
    const day = join(codexHome, 'sessions', '2026', '03', '02');
    mkdirSync(day, { recursive: true });
    writeFileSync(
      join(day, `rollout-2026-03-02T10-00-00-${thread}.jsonl`),
      codexRollout(mib * 2 ** 20, repo.dir),
    );
    const notify = JSON.stringify({
      type: 'agent-turn-complete',
      'thread-id': thread,
      'turn-id': '1',
      cwd: repo.dir,
    });
    measure("Codex's notify", mib, () => runMs([...notifyArgv.slice(1), notify], repo.dir, undefined, env));
  }
  const gaps = join(repo.dir, '.git/trail/spool/gaps.jsonl');
  let gapCount = 0;
  try {
    gapCount = readFileSync(gaps, 'utf8').split('\n').filter(Boolean).length;
  } catch {
    // None.
  }
  if (gapCount > 0)
    throw new Error(`the turn ends recorded ${gapCount} capture gaps: the figures would not be real`);
  const base = { name: 'node -e 0 p50', value: percentile(node, 50), unit: 'ms' };
  report({
    bench: 'turn-end',
    title: `A turn end as the transcript grows: Claude Code's Stop hook, Gemini CLI's AfterAgent hook and Codex's notify, ${RUNS} runs each`,
    figures: [base, ...figures.map((f) => ({ ...f, baseline: base, ratio: f.value / base.value }))],
    notes: [
      "each run is a real process: `node bin/trail hook claude-code Stop` or `gemini-cli AfterAgent` with the payload on stdin, or the notify command `trail init` wrote into Codex's config.toml with the JSON as its last argument, after one turn end that spooled the transcript, so each measures a turn end with nothing new to add",
      'before 2026-12-06 the hook parsed the whole transcript at every turn end: on a 2-core EPYC, with a test suite running beside it, a 40 MiB transcript took 0.8-1.9 s per turn end, and one over 64 MiB was refused at every turn end (a capture gap, and none of the later reasoning or usage); now a turn end that finds over 64 MiB new reads the last 64 MiB and records the rest as one gap. Codex rollouts and Gemini CLI recordings were read whole until later that day',
      'the first turn end over each size also spools all of its reasoning, redacted: a transcript of repeated fixture lines holds far more reasoning per MiB than most',
    ],
  });
} finally {
  repo.cleanup();
  rmSync(scratch, { recursive: true, force: true });
}
