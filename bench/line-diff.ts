/**
 * matchLines (src/core/line-diff.ts) on 20,000-line files, beside `git diff --no-index` over
 * the same two files in the same run (git's default algorithm, Myers with xdiff's cost limit;
 * `--histogram` is timed too and given in a note). Attribution runs it in agent hooks
 * (each edit against the file's shadow) and at commit, and a hook has 4 s in all
 * (HOOK_BUDGET_MS), so the case that matters is an agent's Write that replaces a big file with
 * a different one. Target: that complete rewrite under 500 ms.
 *
 * The files look like code: about 70% statements that occur once, the rest braces, blank
 * lines and other lines that repeat, drawn from one shared set, so a rewrite still shares
 * thousands of lines with the file it replaces. matchLines is given line digests, as its
 * callers give it (digesting is not timed); git is given the text.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchLines } from '../src/core/line-diff.js';
import { digestLines } from '../src/core/line-origin.js';
import { type BenchFigure, bestOfRounds, report, time } from './lib.js';

const LINES = 20_000;
const ROUNDS = 7;
const TARGET_MS = 500;

const REPEATED = [
  '}',
  '',
  '  }',
  '    return result;',
  '  });',
  '    },',
  '  } else {',
  '      break;',
  '  // ---',
];

/** A code-like file of `LINES` lines; different seeds give files that share only REPEATED. */
function codeFile(seed: number): string[] {
  // xorshift32: consecutive seeds give unrelated streams, unlike a linear congruential one.
  let state = seed * 0x9e3779b9 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return Array.from({ length: LINES }, (_, i) =>
    next() < 0.3
      ? REPEATED[Math.floor(next() * REPEATED.length)]!
      : `  const value${seed}_${i} = compute(${Math.floor(next() * 1e6)});`,
  );
}

const before = codeFile(1);
const smallEdit = [...before];
for (let k = 0; k < 10; k++) smallEdit[9_000 + 7 * k] = `  const edited${k} = 0;`;
smallEdit.splice(12_000, 0, '  // added', '  const added = 1;', '');
const cases = {
  smallEdit: { title: 'a small edit (10 lines changed, 3 added)', after: smallEdit },
  everyOther: {
    title: 'every other line changed',
    after: before.map((line, i) => (i % 2 === 1 ? `  const changed${i} = ${i};` : line)),
  },
  rewrite: { title: 'a complete rewrite into a different 20,000-line file', after: codeFile(2) },
  swapped: {
    title: 'every line moved (the two halves swapped)',
    after: [...before.slice(LINES / 2), ...before.slice(0, LINES / 2)],
  },
};
type Case = keyof typeof cases;
const names = Object.keys(cases) as Case[];

const dir = mkdtempSync(join(tmpdir(), 'trail-bench-line-diff-'));
try {
  const beforeFile = join(dir, 'before.ts');
  writeFileSync(beforeFile, `${before.join('\n')}\n`);
  const beforeDigests = digestLines(before.join('\n'));
  const inputs = names.map((name) => {
    const file = join(dir, `${name}.ts`);
    writeFileSync(file, `${cases[name].after.join('\n')}\n`);
    return { name, file, digests: digestLines(cases[name].after.join('\n')) };
  });

  /** `git diff --no-index`, from spawn to exit; it exits 1 when the files differ. */
  const gitDiff = (file: string, algorithm: string) => () => {
    const run = spawnSync('git', ['diff', '--no-index', `--diff-algorithm=${algorithm}`, beforeFile, file], {
      maxBuffer: 1 << 28,
    });
    if (run.status !== 1) throw new Error(`git diff exited ${run.status}: ${run.stderr}`);
  };

  // A hook runs matchLines once in a fresh process: the first call, before the JIT warms up.
  const rewrite = inputs.find((input) => input.name === 'rewrite')!;
  const firstCall = await time(() => matchLines(beforeDigests, rewrite.digests));

  const work: Record<string, () => unknown> = {};
  for (const { name, file, digests } of inputs) {
    work[`match ${name}`] = () => matchLines(beforeDigests, digests);
    work[`histogram ${name}`] = gitDiff(file, 'histogram');
    work[`myers ${name}`] = gitDiff(file, 'myers');
  }
  const best = await bestOfRounds(ROUNDS, work);

  const figures: BenchFigure[] = [];
  const matchedCounts: string[] = [];
  for (const { name, digests } of inputs) {
    const ms = best[`match ${name}`]!;
    const gitMs = best[`myers ${name}`]!;
    const matched = matchLines(beforeDigests, digests).reduce((sum, i) => sum + (i >= 0 ? 1 : 0), 0);
    matchedCounts.push(`${name}: ${matched.toLocaleString('en-US')}`);
    figures.push({
      name: `matchLines, ${cases[name].title}`,
      value: ms,
      unit: 'ms',
      baseline: { name: 'git diff --no-index', value: gitMs, unit: 'ms' },
      ratio: ms / gitMs,
      ...(name === 'rewrite' ? { target: `< ${TARGET_MS} ms`, met: ms < TARGET_MS } : {}),
    });
  }
  figures.push({
    name: 'matchLines, the complete rewrite, first call in a fresh process (as a hook makes it)',
    value: firstCall.ms,
    unit: 'ms',
    baseline: { name: 'git diff --no-index', value: best['myers rewrite']!, unit: 'ms' },
    ratio: firstCall.ms / best['myers rewrite']!,
    target: `< ${TARGET_MS} ms`,
    met: firstCall.ms < TARGET_MS,
  });

  report({
    bench: 'line-diff',
    title: `matchLines on ${LINES.toLocaleString('en-US')}-line files, beside git diff`,
    figures,
    notes: [
      `the baseline is a whole git process (spawn, reading both files, diffing, writing the diff to a pipe), so it includes about ${fmtMs(gitSpawnMs(dir))} of starting git alone; matchLines is timed in-process on line digests already made`,
      `git diff --no-index --histogram, same runs: ${names.map((name) => `${name} ${fmtMs(best[`histogram ${name}`]!)}`).join(', ')}`,
      `lines matched: ${matchedCounts.join(', ')}`,
      `best of ${ROUNDS} interleaved rounds, except the first call`,
    ],
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function fmtMs(ms: number): string {
  return `${ms.toFixed(1)} ms`;
}

/** `git --version` from spawn to exit: the cost of starting git with no work to do. */
function gitSpawnMs(cwd: string): number {
  let bestMs = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    spawnSync('git', ['--version'], { cwd });
    bestMs = Math.min(bestMs, performance.now() - start);
  }
  return bestMs;
}
