/**
 * `trail tests attach`: test reports and coverage a CI job (or a person) produced for a
 * commit, recorded as ONE test-result record per invocation, linked to the commit and to
 * every checkpoint of it. Every file is parsed before anything is written, so a truncated
 * or foreign file is one line naming it and nothing is recorded.
 */
import { resolve } from 'node:path';
import { TrailError } from '../core/errors.js';
import type { Actor, Provenance, RecordOf } from '../core/records.js';
import { validateRecord } from '../core/records.js';
import type { Coverage } from '../evidence/coverage.js';
import { parseCoverage } from '../evidence/coverage.js';
import type { TestReport } from '../evidence/junit.js';
import { MAX_REPORT_BYTES, parseJUnit } from '../evidence/junit.js';
import { readFileCapped } from '../io/read-capped.js';
import { loadIndex } from '../ledger/read.js';
import type { Repo } from '../ledger/repo.js';
import { requireInitialised } from '../ledger/repo.js';
import { appendAsThisClone } from '../ledger/writer.js';
import { attachingActor } from './attaching-actor.js';
import { resolveCommit } from './code-host-mapping.js';

/** Evidence, not noise: totals stay exact, the lists are bounded. */
export const MAX_SUITES = 2000;
export const MAX_FAILING = 500;

export type TestResultRecord = RecordOf<'test-result'>;

function readText(cwd: string, file: string): string {
  // Capped while read: a device or a pipe (/dev/zero) has no size to check beforehand.
  return readFileCapped(resolve(cwd, file), MAX_REPORT_BYTES, file).toString('utf8');
}

/** Several reports (one per tool, package or shard) as one result: counts add up. */
export function mergeReports(reports: readonly TestReport[]): Omit<TestReport, 'tool'> & { tool?: string } {
  const totals = { tests: 0, passed: 0, failed: 0, skipped: 0, errored: 0 };
  let durationMs: number | undefined;
  for (const r of reports) {
    for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += r.totals[k];
    if (r.durationMs !== undefined) durationMs = (durationMs ?? 0) + r.durationMs;
  }
  const tools = [...new Set(reports.flatMap((r) => (r.tool ? [r.tool] : [])))];
  return {
    ...(tools.length > 0 ? { tool: tools.join(',') } : {}),
    suites: reports.flatMap((r) => r.suites),
    totals,
    failing: reports.flatMap((r) => r.failing),
    ...(durationMs === undefined ? {} : { durationMs: Math.round(durationMs * 1000) / 1000 }),
  };
}

/** The record, pure: parsed reports and coverage, the commit, its checkpoint ids. */
export function testResultRecord(input: {
  reports: readonly TestReport[];
  coverage?: Coverage;
  commit: string;
  checkpoints: readonly string[];
  actor: Actor;
  provenance: Provenance;
  time: string;
}): TestResultRecord {
  const merged = mergeReports(input.reports);
  const c = input.coverage;
  return validateRecord({
    kind: 'test-result',
    v: 1,
    time: input.time,
    actor: input.actor,
    provenance: input.provenance,
    commit: input.commit,
    checkpoints: [...input.checkpoints],
    ...(merged.tool ? { tool: merged.tool.slice(0, 128) } : {}),
    suites: merged.suites.slice(0, MAX_SUITES),
    totals: merged.totals,
    failing: merged.failing.slice(0, MAX_FAILING),
    ...(merged.durationMs === undefined ? {} : { durationMs: merged.durationMs }),
    ...(c
      ? {
          coverage: {
            format: c.format,
            lines: c.lines,
            ...(c.branches ? { branches: c.branches } : {}),
          },
        }
      : {}),
  }) as TestResultRecord;
}

export interface AttachResult {
  id: string;
  record: TestResultRecord;
}

export async function attachTests(
  repo: Repo,
  options: {
    files: readonly string[];
    coverage?: string;
    commit?: string;
    cwd: string;
    env: NodeJS.ProcessEnv;
  },
): Promise<AttachResult> {
  requireInitialised(repo);
  if (options.files.length === 0)
    throw new TrailError('USAGE', 'name at least one JUnit XML report to attach');
  const reports = options.files.map((f) => parseJUnit(readText(options.cwd, f), f));
  const coverage = options.coverage
    ? parseCoverage(readText(options.cwd, options.coverage), options.coverage)
    : undefined;
  const rev = options.commit ?? 'HEAD';
  const commit = await resolveCommit(repo.workTree, rev);
  if (!commit) throw new TrailError('NOT_FOUND', `${rev} is not a commit in this repository`);
  // Only the commit's checkpoints are needed: no other record is even parsed.
  const index = await loadIndex(repo, { onlyKinds: ['checkpoint'] });
  const checkpoints = (index.checkpointsByCommit.get(commit) ?? []).map((c) => c.id);
  const who = await attachingActor(repo.workTree, options.env);
  const record = testResultRecord({
    reports,
    ...(coverage ? { coverage } : {}),
    commit,
    checkpoints,
    ...who,
    time: new Date().toISOString(),
  });
  const appended = await appendAsThisClone(repo, [record]);
  return { id: appended.ids[0]!, record: appended.written[0] as typeof record };
}
