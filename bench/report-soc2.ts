/**
 * The SOC 2 report over 100,000 checkpoints: records built in memory (a session, a prompt,
 * the checkpoint, a review, a test result and a deployment for each: 600,000 records), then
 * buildIndex, the report and its rendering to PDF and to CSV. Each format runs in its own
 * child process, so its peak memory (maxRSS from process.resourceUsage) is its own.
 * Target (issue 6): under 10 s and under 1 GiB for each format.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defaultPolicy } from '../src/core/policy.js';
import { buildIndex } from '../src/core/trail-index.js';
import type { ReportInput } from '../src/report/document.js';
import { renderCsv } from '../src/report/render-csv.js';
import { renderPdf } from '../src/report/render-pdf.js';
import { buildSoc2Report } from '../src/report/soc2.js';
import { fmt, report, time } from './lib.js';
import { soc2Records } from './support/soc2-records.js';

const CHECKPOINTS = Number(process.env.BENCH_CHECKPOINTS ?? 100_000);
const TARGET_MS = 10_000;
const TARGET_BYTES = 2 ** 30;

interface ChildResult {
  format: string;
  records: number;
  rows: number;
  bytes: number;
  indexMs: number;
  buildMs: number;
  renderMs: number;
  /** CPU time (user + system, all threads) of buildIndex + report + render. */
  cpuMs: number;
  maxRssBytes: number;
  sampledPeakRss: number;
  pages?: number;
}

async function child(format: 'pdf' | 'csv'): Promise<void> {
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  // Records, index and input live only while the report is built, as in `trail report`:
  // rendering needs the document alone.
  const { recordCount, indexMs, built, cpuBefore } = await (async () => {
    const stored = soc2Records(CHECKPOINTS);
    const cpuBefore = process.cpuUsage();
    const indexed = await time(() => buildIndex(stored));
    const input: ReportInput = {
      index: indexed.value,
      commits: [],
      policy: defaultPolicy(),
      ledger: { ok: true, records: stored.length, writers: 1, logs: 1, problems: [], problemCount: 0 },
      problemWriters: new Set(),
      period: {},
      scope: { repository: 'bench/payments', description: 'bench/payments: generated checkpoints' },
      generatedAt: new Date().toISOString(),
    };
    const built = await time(() => buildSoc2Report(input));
    return { recordCount: stored.length, indexMs: indexed.ms, built, cpuBefore };
  })();
  const rendered = await time(async () =>
    format === 'pdf' ? await renderPdf(built.value) : renderCsv(built.value),
  );
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const bytes = rendered.value;
  const result: ChildResult = {
    format,
    records: recordCount,
    rows: built.value.sections[0]!.table!.rows.length,
    bytes: bytes.length,
    indexMs,
    buildMs: built.ms,
    renderMs: rendered.ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    // maxRSS is in kilobytes (getrusage).
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    sampledPeakRss: peak,
    pages: format === 'pdf' ? (bytes.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length : undefined,
  };
  process.stdout.write(`CHILD_RESULT ${JSON.stringify(result)}\n`);
}

function runChild(format: 'pdf' | 'csv'): ChildResult {
  const self = fileURLToPath(import.meta.url);
  const run = spawnSync(process.execPath, ['--import', 'tsx', self, format], {
    env: { ...process.env, BENCH_REPORT_CHILD: '1' },
    encoding: 'utf8',
    maxBuffer: 16 * 2 ** 20,
  });
  const line = run.stdout.split('\n').find((l) => l.startsWith('CHILD_RESULT '));
  if (run.status !== 0 || !line) throw new Error(`bench child (${format}) failed: ${run.stderr}`);
  return JSON.parse(line.slice('CHILD_RESULT '.length)) as ChildResult;
}

if (process.env.BENCH_REPORT_CHILD) {
  await child(process.argv[2] === 'csv' ? 'csv' : 'pdf');
} else {
  const load = loadavg()[0]!;
  const results = [runChild('pdf'), runChild('csv')];
  const figures = results.flatMap((r) => {
    const total = r.indexMs + r.buildMs + r.renderMs;
    return [
      {
        name: `${r.format.toUpperCase()}: buildIndex + report + render, ${r.rows.toLocaleString('en-US')} rows`,
        value: total / 1000,
        unit: 's',
        target: '< 10 s',
        met: total < TARGET_MS,
      },
      {
        name: `${r.format.toUpperCase()}: CPU time of the same (user + system, all threads)`,
        value: r.cpuMs / 1000,
        unit: 's',
      },
      {
        name: `${r.format.toUpperCase()}: peak memory (maxRSS, whole process incl. ${r.records.toLocaleString('en-US')} generated records)`,
        value: r.maxRssBytes / 2 ** 20,
        unit: 'MiB',
        target: '< 1 GiB',
        met: r.maxRssBytes < TARGET_BYTES,
      },
    ];
  });
  report({
    bench: 'report-soc2',
    title: `SOC 2 report over ${CHECKPOINTS.toLocaleString('en-US')} checkpoints, PDF and CSV`,
    figures,
    notes: [
      `load average ${load.toFixed(1)} at the start (wall times stretch on a busy machine; CPU time does not)`,
      ...results.map(
        (r) =>
          `${r.format}: buildIndex ${fmt(r.indexMs)} ms, build report ${fmt(r.buildMs)} ms, render ${fmt(r.renderMs)} ms; ${(r.bytes / 2 ** 20).toFixed(1)} MiB${r.pages ? `, ${r.pages.toLocaleString('en-US')} pages` : ''}; sampled peak RSS ${(r.sampledPeakRss / 2 ** 20).toFixed(0)} MiB`,
      ),
    ],
  });
}
