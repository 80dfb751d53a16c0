/**
 * The gaps a code host's pushes add on the server (src/report/gaps.ts, hostPushGaps): one
 * unsent-commit row per commit however often it was pushed, a force-push row for a forced
 * push, the partial list said in the detail; and none of it, not even the counts, in a
 * clone's report, which has no host pushes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultPolicy } from '../../src/core/policy.js';
import { buildIndex } from '../../src/core/trail-index.js';
import type { HostPush, ReportInput } from '../../src/report/document.js';
import { REPORT_KINDS } from '../../src/report/document.js';
import { buildGapsReport, collectGaps } from '../../src/report/gaps.js';
import { KINDS_READING_HOST_PUSHES, REPORT_BUILDERS } from '../../src/report/kinds.js';

const sha = (c: string) => c.repeat(40);

function input(hostPushes?: HostPush[]): ReportInput {
  return {
    index: buildIndex([]),
    commits: [],
    policy: defaultPolicy(),
    ledger: { ok: true, records: 0, writers: 0, logs: 0, problems: [], problemCount: 0 },
    problemWriters: new Set(),
    period: {},
    scope: { repository: 'acme/app', description: 'test' },
    generatedAt: '2026-12-05T00:00:00Z',
    ...(hostPushes ? { hostPushes } : {}),
  };
}

const push = (over: Partial<HostPush>): HostPush => ({
  repo: 'acme/app',
  host: 'github',
  time: '2026-12-01T10:00:00.000Z',
  branch: 'main',
  before: sha('0'),
  after: sha('b'),
  forced: false,
  unsent: [],
  truncated: false,
  ...over,
});

test('host pushes: each unsent commit once, a forced push flagged, a partial list said', () => {
  const gaps = collectGaps(
    input([
      push({ unsent: [sha('a'), sha('b')] }),
      // Force-pushed away and back: b is named again, and is still one gap.
      push({
        time: '2026-12-02T10:00:00.000Z',
        before: sha('b'),
        after: sha('c'),
        forced: true,
        unsent: [sha('c')],
      }),
      push({
        time: '2026-12-03T10:00:00.000Z',
        before: sha('c'),
        after: sha('b'),
        forced: true,
        unsent: [sha('b')],
      }),
      push({
        time: '2026-12-04T10:00:00.000Z',
        host: 'gitlab',
        after: sha('d'),
        unsent: [sha('d')],
        truncated: true,
      }),
      // The same commit in another repository is that repository's gap.
      push({ repo: 'acme/other', time: '2026-12-05T10:00:00.000Z', unsent: [sha('a')] }),
    ]),
  );
  assert.deepEqual(
    gaps.map((g) => `${g.type} ${g.commit[0]}`),
    [
      'unsent-commit a',
      'unsent-commit b',
      'unsent-commit c',
      'force-push c',
      'force-push b',
      'unsent-commit d',
      'unsent-commit a',
    ],
  );
  assert.match(gaps[3]!.detail, /^main on github was force-pushed from b{12} to c{12}/);
  assert.match(gaps[5]!.detail, /gitlab listed only part of that push/);
  assert.doesNotMatch(gaps[0]!.detail, /only part/);
});

test('host pushes: counted on the server, absent from a clone’s summary', () => {
  const labels = (doc: ReturnType<typeof buildGapsReport>) => doc.summary.map((s) => s.label);
  const server = buildGapsReport(input([push({ unsent: [sha('a')] })]));
  assert.equal(server.summary.find((s) => s.label === 'unsent-commit')?.value, 1);
  assert.equal(server.summary.find((s) => s.label === 'force-push')?.value, 0);
  const clone = buildGapsReport(input());
  assert.ok(labels(clone).includes('no-checkpoint'));
  assert.ok(!labels(clone).includes('unsent-commit') && !labels(clone).includes('force-push'));
});

test('exactly the kinds that declare it read host pushes, so the server gathers them only for those', () => {
  const pushes = [
    push({ unsent: [sha('a')] }),
    push({ time: '2026-12-02T10:00:00.000Z', before: sha('b'), after: sha('c'), forced: true }),
  ];
  const reading = REPORT_KINDS.filter((kind) => {
    const build = REPORT_BUILDERS[kind];
    return JSON.stringify(build(input(pushes))) !== JSON.stringify(build(input([])));
  });
  assert.deepEqual(reading.sort(), [...KINDS_READING_HOST_PUSHES].sort());
});
