/** Shared bits for benchmarks: timing, machine description, result output. */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';

export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number; unit: string };
  /** value / baseline.value, or as the benchmark defines it. */
  ratio?: number;
  target?: string;
  met?: boolean;
}

export interface BenchResult {
  bench: string;
  title: string;
  figures: BenchFigure[];
  notes?: string[];
}

export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} x ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
}

export async function time<T>(work: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

/**
 * Wall time of a real process, from spawn to exit, its output not kept. One that fails
 * throws rather than being timed: a figure must be of the work, not of an error.
 */
export function processMs(
  program: string,
  args: string[],
  options: { cwd: string; input?: string; env?: NodeJS.ProcessEnv },
): number {
  const start = performance.now();
  const result = spawnSync(program, args, {
    cwd: options.cwd,
    input: options.input,
    env: options.env,
    stdio: ['pipe', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const ms = performance.now() - start;
  if (result.status !== 0)
    throw new Error(`${program} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

/**
 * The best time of each piece of work over `rounds` interleaved rounds: a baseline and the
 * figures compared with it see the same machine, and one scheduler hiccup (this machine has
 * noisy neighbours) decides no ratio.
 */
export async function bestOfRounds<K extends string>(
  rounds: number,
  work: Record<K, () => unknown>,
): Promise<Record<K, number>> {
  const names = Object.keys(work) as K[];
  const best = Object.fromEntries(names.map((name) => [name, Number.POSITIVE_INFINITY])) as Record<K, number>;
  for (let round = 0; round < rounds; round++) {
    for (const name of names) best[name] = Math.min(best[name], (await time(work[name])).ms);
  }
  return best;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Prints the figures for people and one machine-readable line for scripts/run-bench.mjs. */
export function report(result: BenchResult): void {
  console.log(`\n${result.title}`);
  for (const f of result.figures) {
    const base = f.baseline
      ? `  (baseline ${f.baseline.name}: ${fmt(f.baseline.value)} ${f.baseline.unit}, ratio ${f.ratio?.toFixed(2)})`
      : '';
    const target = f.target ? `  target ${f.target}: ${f.met ? 'met' : 'NOT met'}` : '';
    console.log(`  ${f.name}: ${fmt(f.value)} ${f.unit}${base}${target}`);
  }
  for (const n of result.notes ?? []) console.log(`  note: ${n}`);
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

export function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}
