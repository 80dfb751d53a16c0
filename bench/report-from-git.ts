/**
 * The SOC 2 report as a person runs it: `trail report` over a ledger in git of 100,000
 * checkpoints (the records of report-soc2.ts, 515,000 with their sessions, prompts, reviews,
 * test results and deployments), and `trail verify` over the same ledger. Each of the 90,000
 * approvals is signed by its reviewer's trusted key, as `trail review` signs it, so verify
 * checks 90,000 Ed25519 signatures besides the logs. Unlike
 * report-soc2.ts, which starts from records in memory, these commands read the ledger out of
 * git, verify it (every approval's checkpoint and what it seals included) and decode it first.
 * Each runs as its own process; its peak memory is its own maxRSS. No target: report-soc2.ts
 * holds the report's, and this one shows what reading and verifying add to it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { recordIdOf } from '../src/core/record-id.js';
import { generateKeyPair } from '../src/core/signature.js';
import { loadWriterKey, trustKey } from '../src/ledger/keys.js';
import { appendRecords, logRef } from '../src/ledger/log-store.js';
import { findRepo } from '../src/ledger/repo.js';
import { TRAIL_BIN } from '../test/helpers/cli.js';
import { gitEnv, tempRepo } from '../test/helpers/temp-repo.js';
import { fmt, report } from './lib.js';
import { soc2Records } from './support/soc2-records.js';

const CHECKPOINTS = Number(process.env.BENCH_CHECKPOINTS ?? 100_000);
const BATCH = 5000;

// Printed by the command's own process as it exits: its peak memory, not this process's.
const PEAK_ON_EXIT = `data:text/javascript,process.on('exit',()=>process.stderr.write('MAXRSS '+process.resourceUsage().maxRSS+'\\n'))`;

function command(cwd: string, args: string[]): { ms: number; peakBytes: number } {
  const start = performance.now();
  const run = spawnSync(process.execPath, ['--import', PEAK_ON_EXIT, TRAIL_BIN, ...args], {
    cwd,
    env: gitEnv,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const ms = performance.now() - start;
  if (run.status !== 0)
    throw new Error(`trail ${args.join(' ')} exited ${run.status}: ${run.stderr.slice(-2000)}`);
  const peak = /MAXRSS (\d+)/.exec(run.stderr);
  if (!peak) throw new Error(`trail ${args.join(' ')} did not report its peak memory`);
  return { ms, peakBytes: Number(peak[1]) * 1024 };
}

const repo = tempRepo();
try {
  execFileSync(process.execPath, [TRAIL_BIN, 'init', '--yes'], {
    cwd: repo.dir,
    env: gitEnv,
    stdio: 'ignore',
  });
  const ledger = await findRepo(repo.dir);
  const key = loadWriterKey(ledger);
  // Seven reviewers, each with a trusted key, sign their approvals as `trail review` does.
  const reviewerKeys = Array.from({ length: 7 }, () => generateKeyPair());
  reviewerKeys.forEach((reviewer, i) => {
    trustKey(ledger, reviewer.publicKey, `rev${i}@example.com`);
  });
  const records = soc2Records(CHECKPOINTS, (record) => recordIdOf(record), reviewerKeys).map((r) => r.record);
  const writeStart = performance.now();
  for (let i = 0; i < records.length; i += BATCH) {
    await appendRecords(ledger, key, records.slice(i, i + BATCH));
  }
  const writeMs = performance.now() - writeStart;
  const out = join(repo.dir, 'report');

  // As in a fresh clone (CI): no review signature checked before, so all 90,000 are checked.
  const verifyFirst = command(repo.dir, ['verify']);
  // As in the clone that ran it: the signatures it checked are remembered (SignatureMemo).
  const verify = command(repo.dir, ['verify']);
  // Between a commit and the next push: the copy fetched from origin is one append behind.
  const fetched = `refs/trail/remotes/origin/logs/${key.keyId}`;
  execFileSync('git', ['update-ref', fetched, `${logRef(key.keyId)}~1`], { cwd: repo.dir, env: gitEnv });
  const verifyBehind = command(repo.dir, ['verify']);
  execFileSync('git', ['update-ref', '-d', fetched], { cwd: repo.dir, env: gitEnv });
  const pdf = command(repo.dir, ['report', 'soc2', '--format', 'pdf', '--out', `${out}.pdf`]);
  const csv = command(repo.dir, ['report', 'soc2', '--format', 'csv', '--out', `${out}.csv`]);
  rmSync(`${out}.pdf`);
  const mib = (bytes: number) => bytes / 2 ** 20;
  report({
    bench: 'report-from-git',
    title: `trail verify and trail report soc2 over a ledger in git of ${CHECKPOINTS.toLocaleString('en-US')} checkpoints (${records.length.toLocaleString('en-US')} records)`,
    figures: [
      {
        name: '`trail verify` in a fresh clone (every review signature checked): wall time',
        value: verifyFirst.ms / 1000,
        unit: 's',
      },
      {
        name: '`trail verify` in a fresh clone: peak memory (maxRSS)',
        value: mib(verifyFirst.peakBytes),
        unit: 'MiB',
      },
      {
        name: '`trail verify` again (review signatures remembered): wall time',
        value: verify.ms / 1000,
        unit: 's',
      },
      { name: '`trail verify` again: peak memory (maxRSS)', value: mib(verify.peakBytes), unit: 'MiB' },
      {
        name: '`trail verify` again, with the copy fetched from origin one append behind: wall time',
        value: verifyBehind.ms / 1000,
        unit: 's',
        baseline: { name: 'the same without it', value: verify.ms / 1000, unit: 's' },
        ratio: verifyBehind.ms / verify.ms,
      },
      {
        name: '`trail verify` again, with that copy: peak memory (maxRSS)',
        value: mib(verifyBehind.peakBytes),
        unit: 'MiB',
      },
      { name: '`trail report soc2 --format pdf`: wall time', value: pdf.ms / 1000, unit: 's' },
      {
        name: '`trail report soc2 --format pdf`: peak memory (maxRSS)',
        value: mib(pdf.peakBytes),
        unit: 'MiB',
      },
      { name: '`trail report soc2 --format csv`: wall time', value: csv.ms / 1000, unit: 's' },
      {
        name: '`trail report soc2 --format csv`: peak memory (maxRSS)',
        value: mib(csv.peakBytes),
        unit: 'MiB',
      },
    ],
    notes: [
      `written in ${fmt(writeMs)} ms, ${BATCH.toLocaleString('en-US')} records per append; nine checkpoints in ten approved, each approval signed by one of seven trusted reviewer keys`,
      'the reports run after the verifies, in the same clone: they check no review signature again',
      'a report reads the ledger out of git once, verifies it (approvals included) and decodes every record before it builds the report: report-soc2.ts times the building and rendering alone',
      'on 2026-12-06 a report counted reviews by checking every review signature again after verify had: 19.0 s against 8.8 s now for the CSV report of a clone like this one, run one after the other by the code before and after (src/chain/review-trust.ts takes the verdicts of verify)',
    ],
  });
} finally {
  repo.cleanup();
}
