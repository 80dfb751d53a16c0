#!/usr/bin/env node
// `npm run bench`: runs every bench/*.ts (except lib.ts), collects the BENCH_RESULT line each
// prints, and writes docs/benchmarks.md with the machine, the date, every figure beside its
// in-run baseline and ratio, each target and whether it is met.
// Usage: node scripts/run-bench.mjs [name-filter...]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);
const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;

const benches = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.ts') && f !== 'lib.ts')
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const results = [];
for (const file of benches) {
  console.error(`\n== bench/${file}`);
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', join('bench', file)], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(run.stdout ?? '');
  const line = (run.stdout ?? '').split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (run.status !== 0 || !line) {
    results.push({
      bench: file.replace(/\.ts$/, ''),
      title: `bench/${file} failed (exit ${run.status})`,
      figures: [],
      failed: true,
    });
    continue;
  }
  results.push({
    ...JSON.parse(line.slice('BENCH_RESULT '.length)),
    seconds: (Date.now() - started) / 1000,
    date: new Date().toISOString().slice(0, 10),
    machine,
  });
}

// Results of benchmarks not run this time are kept from docs/benchmarks.json, so a filtered
// run refreshes its own figures without dropping the others.
const store = join(root, 'docs', 'benchmarks.json');
const previous = existsSync(store) ? JSON.parse(readFileSync(store, 'utf8')) : [];
const ran = new Set(results.map((r) => r.bench));
const all = [...previous.filter((r) => !ran.has(r.bench)), ...results].sort((a, b) =>
  a.bench.localeCompare(b.bench),
);
writeFileSync(store, `${JSON.stringify(all, null, 2)}\n`);

const fmt = (n) =>
  typeof n !== 'number' ? '' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
const out = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (scripts/run-bench.mjs). Each figure is measured beside a',
  'baseline taken in the same run on the same machine, so ratios compare like with like.',
  '',
  'Each benchmark names the day and machine it was last run on: `npm run bench NAME` refreshes',
  'one and keeps the others.',
  '',
];
const unmet = [];
for (const r of all) {
  out.push(`## ${r.title}`, '', `Measured ${r.date ?? 'before 2026-11-24'} on ${r.machine ?? machine}.`, '');
  if (r.failed) {
    out.push('The benchmark failed to run; see its output.', '');
    unmet.push(r.title);
    continue;
  }
  out.push('| figure | value | baseline (same run) | ratio | target | met |', '|---|---|---|---|---|---|');
  for (const f of r.figures) {
    const base = f.baseline ? `${f.baseline.name}: ${fmt(f.baseline.value)} ${f.baseline.unit}` : '';
    const met = f.target ? (f.met ? 'yes' : '**no**') : '';
    if (f.target && !f.met) unmet.push(`${r.title}: ${f.name} (target ${f.target})`);
    out.push(
      `| ${f.name} | ${fmt(f.value)} ${f.unit} | ${base} | ${f.ratio === undefined ? '' : fmt(f.ratio)} | ${f.target ?? ''} | ${met} |`,
    );
  }
  for (const n of r.notes ?? []) out.push('', `Note: ${n}`);
  out.push('');
}
out.push('## Targets not met', '');
out.push(...(unmet.length === 0 ? ['None.'] : unmet.map((u) => `- ${u}`)), '');
writeFileSync(join(root, 'docs', 'benchmarks.md'), out.join('\n'));
console.error(`\nwrote docs/benchmarks.md (${all.length} benchmarks, ${unmet.length} target(s) not met)`);
