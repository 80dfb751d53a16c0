/**
 * matchLines (src/core/line-diff.ts) on 20,000-line files, beside `git diff --no-index` over
 * the same two files in the same run (git's default algorithm, Myers with xdiff's cost limit;
 * `--histogram` is timed too and given in a note). Attribution runs it in agent hooks
 * (each edit against the file's shadow) and at commit, and a hook has 4 s in all
 * (HOOK_BUDGET_MS), so the case that matters is an agent's Write that replaces a big file with
 * a different one. Target: that complete rewrite, and the adversarial case below, under 500 ms.
 *
 * The files look like code: about 70% statements that occur once, the rest braces, blank
 * lines and other lines that repeat, drawn from one shared set, so a rewrite still shares
 * thousands of lines with the file it replaces. matchLines is given line digests, as its
 * callers give it (digesting is not timed); git is given the text.
 *
 * One more case is built against matchLines' fallbacks rather than like code (`adversarial`,
 * with its own old version): past the cost limit, a region whose only unique line sits at one
 * end, and whose next region's only unique line does too, and so on. Before 2026-12-06 each of
 * those anchors cost a full failed search of what was left, and this case took 17 to 28 s.
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

/**
 * 5,000 braces and blank lines on each side, at random, then a chain: `u${t}`, `u${t + 1}`, `}`
 * in the old version and `u${t}` and a blank line in the new one, for t from 5,000 down to 1.
 * Only `u1` occurs once on each side; anchored on it, `u2` does in the region before it, and
 * so on up the chain.
 */
function adversarialPair(): { before: string[]; after: string[] } {
  let state = 99;
  const coin = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state % 2 === 1;
  };
  const before: string[] = [];
  const after: string[] = [];
  for (let i = 0; i < 5_000; i++) before.push(coin() ? '}' : '');
  for (let i = 0; i < 5_000; i++) after.push(coin() ? '}' : '');
  for (let t = 5_000; t >= 1; t--) {
    before.push(`u${t}`, ...(t < 5_000 ? [`u${t + 1}`] : []), '}');
    after.push(`u${t}`, '');
  }
  return { before, after };
}

const before = codeFile(1);
const smallEdit = [...before];
for (let k = 0; k < 10; k++) smallEdit[9_000 + 7 * k] = `  const edited${k} = 0;`;
smallEdit.splice(12_000, 0, '  // added', '  const added = 1;', '');
const adversarial = adversarialPair();
const cases: Record<string, { title: string; before?: string[]; after: string[]; target?: boolean }> = {
  smallEdit: { title: 'a small edit (10 lines changed, 3 added)', after: smallEdit },
  everyOther: {
    title: 'every other line changed',
    after: before.map((line, i) => (i % 2 === 1 ? `  const changed${i} = ${i};` : line)),
  },
  rewrite: {
    title: 'a complete rewrite into a different 20,000-line file',
    after: codeFile(2),
    target: true,
  },
  swapped: {
    title: 'every line moved (the two halves swapped)',
    after: [...before.slice(LINES / 2), ...before.slice(0, LINES / 2)],
  },
  adversarial: {
    title: `a pair built against its fallbacks (${adversarial.before.length.toLocaleString('en-US')} lines against ${adversarial.after.length.toLocaleString('en-US')}, see the header)`,
    ...adversarial,
    target: true,
  },
};
const names = Object.keys(cases);

const dir = mkdtempSync(join(tmpdir(), 'trail-bench-line-diff-'));
try {
  const sharedBeforeFile = join(dir, 'before.ts');
  writeFileSync(sharedBeforeFile, `${before.join('\n')}\n`);
  const sharedBeforeDigests = digestLines(before.join('\n'));
  const inputs = names.map((name) => {
    const file = join(dir, `${name}.ts`);
    writeFileSync(file, `${cases[name]!.after.join('\n')}\n`);
    const ownBefore = cases[name]!.before;
    let beforeFile = sharedBeforeFile;
    if (ownBefore) {
      beforeFile = join(dir, `${name}-before.ts`);
      writeFileSync(beforeFile, `${ownBefore.join('\n')}\n`);
    }
    return {
      name,
      file,
      beforeFile,
      beforeDigests: ownBefore ? digestLines(ownBefore.join('\n')) : sharedBeforeDigests,
      digests: digestLines(cases[name]!.after.join('\n')),
    };
  });

  /** `git diff --no-index`, from spawn to exit; it exits 1 when the files differ. */
  const gitDiff = (beforeFile: string, file: string, algorithm: string) => () => {
    const run = spawnSync('git', ['diff', '--no-index', `--diff-algorithm=${algorithm}`, beforeFile, file], {
      maxBuffer: 1 << 28,
    });
    if (run.status !== 1) throw new Error(`git diff exited ${run.status}: ${run.stderr}`);
  };

  // A hook runs matchLines once in a fresh process: the first call, before the JIT warms up.
  const rewrite = inputs.find((input) => input.name === 'rewrite')!;
  const firstCall = await time(() => matchLines(rewrite.beforeDigests, rewrite.digests));

  const work: Record<string, () => unknown> = {};
  for (const { name, file, beforeFile, beforeDigests, digests } of inputs) {
    work[`match ${name}`] = () => matchLines(beforeDigests, digests);
    work[`histogram ${name}`] = gitDiff(beforeFile, file, 'histogram');
    work[`myers ${name}`] = gitDiff(beforeFile, file, 'myers');
  }
  const best = await bestOfRounds(ROUNDS, work);

  const figures: BenchFigure[] = [];
  const matchedCounts: string[] = [];
  for (const { name, beforeDigests, digests } of inputs) {
    const ms = best[`match ${name}`]!;
    const gitMs = best[`myers ${name}`]!;
    const matched = matchLines(beforeDigests, digests).reduce((sum, i) => sum + (i >= 0 ? 1 : 0), 0);
    matchedCounts.push(`${name}: ${matched.toLocaleString('en-US')}`);
    figures.push({
      name: `matchLines, ${cases[name]!.title}`,
      value: ms,
      unit: 'ms',
      baseline: { name: 'git diff --no-index', value: gitMs, unit: 'ms' },
      ratio: ms / gitMs,
      ...(cases[name]!.target ? { target: `< ${TARGET_MS} ms`, met: ms < TARGET_MS } : {}),
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
