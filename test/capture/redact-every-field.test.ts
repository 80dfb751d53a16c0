/**
 * Redaction by a rule that cannot forget a field: every string of every record (and every
 * member name) is redacted, only ids, digests and times by schema are kept; every string of a
 * spool line and of a capture gap too. Then end to end: a secret as a hook's event name and as
 * a branch name reaches neither the spool, the ledger, `trail status` nor the gaps report.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readGaps, recordGap } from '../../src/capture/gaps.js';
import type { SpoolLine } from '../../src/capture/spool.js';
import { redactSpoolLine } from '../../src/capture/spool.js';
import { BUILTIN_RULES, compileRules } from '../../src/core/redact.js';
import { redactRecord } from '../../src/core/redact-record.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail, trailProcess } from '../helpers/cli.js';
import { gitEnv } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

const TOKEN = `ghp_${'abcdefghijklmnopqrstuvwxyz0123456789'}`;
const AWS = 'AKIAIOSFODNN7EXAMPLE';
const SHA = 'a'.repeat(40);
const ID = 'b'.repeat(64);
const TIME = '2026-12-01T10:00:00.000Z';
const header = { v: 1, time: TIME, actor: { type: 'human', id: 'dev' }, provenance: 'observed' };

/** One record of each kind, every field filled in. */
const RECORDS: Record<string, unknown>[] = [
  {
    kind: 'session',
    ...header,
    sources: { model: 'transcript' },
    sessionId: 's',
    agent: { name: 'a', version: '1' },
    model: 'm',
    request: {
      tickets: [{ id: 'T-1', url: 'https://t/1', system: 'jira' }],
      requester: 'r',
      approvalState: 'approved',
      acceptanceCriteria: ['c'],
      summary: 's',
    },
    boundary: {
      mode: 'local',
      worker: 'w',
      host: 'h',
      user: 'u',
      branch: 'b',
      cwd: '/c',
      permissionMode: 'p',
      allowedTools: ['t'],
      sandbox: 's',
      network: 'n',
      credentialNames: ['GITHUB_TOKEN'],
    },
    startedAt: TIME,
    endedAt: TIME,
  },
  {
    kind: 'event',
    ...header,
    redactions: [{ field: 'event.text', rule: 'github-token', count: 1 }],
    sessionId: 's',
    event: {
      type: 'file-edit',
      path: 'p',
      change: 'modified',
      ranges: [{ start: 1, end: 2 }],
      beforeDigest: `sha256:${ID}`,
      afterDigest: `sha256:${ID}`,
      lineDigests: [ID.slice(0, 16)],
      tool: 't',
      via: 'edit-tool',
    },
  },
  {
    kind: 'event',
    ...header,
    sessionId: 's',
    event: { type: 'context', source: 'url', ref: 'r', digest: `sha256:${ID}`, note: 'n' },
  },
  {
    kind: 'checkpoint',
    ...header,
    commit: SHA,
    key: 'ckpt_0123456789abcdef',
    tree: SHA,
    parents: [SHA],
    branch: 'b',
    author: 'a',
    message: 'm',
    sessions: [{ sessionId: 's', record: ID, agent: 'a', model: 'm' }],
    events: [ID],
    files: [
      {
        path: 'p',
        status: 'renamed',
        from: 'f',
        added: 1,
        removed: 0,
        aiLines: 1,
        humanLines: 0,
        unknownLines: 0,
      },
    ],
    attribution: { p: [{ start: 1, end: 1, origin: 'ai', sessionId: 's', overrodeSessionId: 'o' }] },
    summary: 's',
    rewrittenFrom: { commit: SHA, checkpoint: ID, how: 'amend' },
  },
  {
    kind: 'review',
    ...header,
    commit: SHA,
    checkpoint: ID,
    reviewer: 'r',
    decision: 'comment',
    message: 'm',
    comments: [{ comment: 'c', response: 'r', by: 'b' }],
    source: 'github',
    externalUrl: 'https://x/1',
  },
  {
    kind: 'test-result',
    ...header,
    commit: SHA,
    checkpoints: [ID],
    tool: 't',
    suites: [{ name: 'n', tests: 1, passed: 1, failed: 0, skipped: 0, errored: 0 }],
    totals: { tests: 1, passed: 1, failed: 0, skipped: 0, errored: 0 },
    failing: [{ suite: 's', name: 'n', message: 'm' }],
  },
  { kind: 'deployment', ...header, env: 'e', commit: SHA, status: 'success', url: 'https://d' },
  { kind: 'rollback', ...header, env: 'e', from: SHA, to: SHA, reason: 'r' },
  {
    kind: 'correction',
    ...header,
    target: ID,
    reason: 'r',
    changes: { 'request.summary': 'x', nested: { deep: ['y'] } },
  },
  { kind: 'retention-purge', ...header, cutoff: TIME, purged: [ID], held: [ID], reason: 'r' },
  { kind: 'capture-gap', ...header, what: 'w', why: 'y', agent: 'a', hook: 'h', sessionId: 's' },
];

const ID_OR_TIME = /^(?:(?:sha256:)?[0-9a-f]{16,128}|ckpt_[0-9a-f]{16}|\d{4}-\d{2}-\d{2}T[\d:.]+Z)$/;

/** The record with the secret in every string and member name that is not an id or a time. */
function planted(value: unknown): unknown {
  if (typeof value === 'string') return ID_OR_TIME.test(value) ? value : `${value} ${TOKEN}`;
  if (Array.isArray(value)) return value.map(planted);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'kind' ? v : planted(v)]));
  return value;
}

/** The ids and times of a record, by where they are. */
function idsOf(value: unknown, path = ''): string[] {
  if (typeof value === 'string') return ID_OR_TIME.test(value) ? [`${path}=${value}`] : [];
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => idsOf(v, `${path}.${k}`));
  return [];
}

describe('every field is redacted', () => {
  test('every string and data-keyed name of every record kind; ids, digests and times kept', () => {
    // A user pattern that matches hex would otherwise take the ids other records point at.
    const rules = compileRules([{ id: 'hexish', pattern: '[0-9a-f]{40}' }]);
    for (const original of RECORDS) {
      const record = planted(original) as Record<string, unknown>;
      if (record.kind === 'checkpoint') record.attribution = { [`src/${TOKEN}.ts`]: [] };
      if (record.kind === 'correction') (record.changes as Record<string, unknown>)[TOKEN] = 1;
      const { record: redacted, findings } = redactRecord(record, rules);
      const text = JSON.stringify(redacted);
      assert.ok(JSON.stringify(record).includes(`src/${TOKEN}.ts`) === (record.kind === 'checkpoint'));
      assert.ok(!text.includes(TOKEN), `${record.kind}: ${text}`);
      assert.ok(findings.length > 0);
      assert.deepEqual(idsOf(redacted), idsOf(original), `${record.kind}: ids and times are kept`);
    }
  });

  test('an id field that does not hold an id is redacted like any other', () => {
    const { record } = redactRecord(
      { kind: 'deployment', ...header, env: 'e', commit: TOKEN },
      BUILTIN_RULES,
    );
    assert.equal((record as { commit: string }).commit, '[REDACTED:github-token]');
  });

  test('every string of a spool line and of a capture gap', async () => {
    const line = {
      v: 1,
      at: TIME,
      agent: 'claude-code',
      sessionId: `s ${TOKEN}`,
      hook: TOKEN,
      worktree: TOKEN,
      type: 'session',
      info: { branch: `feat/${AWS}` },
      ended: true,
      reason: `bye ${TOKEN}`,
    } as SpoolLine;
    const redacted = JSON.stringify(redactSpoolLine(line, BUILTIN_RULES));
    assert.ok(!redacted.includes(TOKEN) && !redacted.includes(AWS), redacted);
    assert.ok(redacted.includes(`"at":"${TIME}"`));
    // Like the time, the worktree a line names (a tag of 8 hex digits) holds nothing of the
    // user's, and a pattern of theirs that matches hex must not unlink the line from it.
    const hex = compileRules([{ id: 'hex', pattern: '[0-9a-f]{8}' }]);
    const tagged = redactSpoolLine({ ...line, worktree: '1a2b3c4d', hook: 'deadbeef' }, hex);
    assert.deepEqual([tagged.worktree, tagged.hook], ['1a2b3c4d', '[REDACTED:hex]']);

    const repo = initialisedRepo();
    try {
      const ledger = await findRepo(repo.dir);
      recordGap(ledger, { what: 'w', why: 'y', agent: `a ${TOKEN}`, hook: TOKEN, sessionId: TOKEN });
      const [gap] = readGaps(ledger.stateDir);
      assert.deepEqual(
        [gap?.agent, gap?.hook, gap?.sessionId],
        ['a [REDACTED:github-token]', '[REDACTED:github-token]', '[REDACTED:github-token]'],
      );
    } finally {
      repo.cleanup();
    }
  });

  test('a secret as a hook event name and as a branch name, end to end', async () => {
    const repo = initialisedRepo();
    try {
      const hook = trailProcess(repo.dir, ['hook', 'claude-code', TOKEN], '');
      assert.equal(hook.code, 0);
      const gapsFile = join(repo.dir, '.git/trail/spool/gaps.jsonl');
      assert.match(readFileSync(gapsFile, 'utf8'), /"hook":"\[REDACTED:github-token\]"/);

      // A session id is the agent's to choose: the spool line's header is redacted too.
      const prompt = {
        session_id: `run ${TOKEN}`,
        cwd: repo.dir,
        hook_event_name: 'UserPromptSubmit',
        prompt: 'hi',
      };
      assert.equal(
        trailProcess(repo.dir, ['hook', 'claude-code', 'UserPromptSubmit'], JSON.stringify(prompt)).code,
        0,
      );

      repo.git('checkout', '-q', '-b', `feat/${AWS}`);
      new ScriptedClaude(repo.dir).start().prompt('add b').write('b.txt', 'b\n');
      repo.git('add', 'b.txt');
      repo.git('commit', '-q', '-m', 'b');

      const records = (await loadIndex(await findRepo(repo.dir))).records.map((r) => r.record);
      const checkpoint = records.find((r) => r.kind === 'checkpoint');
      assert.equal(
        checkpoint?.kind === 'checkpoint' && checkpoint.branch,
        'feat/[REDACTED:aws-access-key-id]',
      );
      const session = records.find((r) => r.kind === 'session');
      assert.equal(
        session?.kind === 'session' && session.boundary?.branch,
        'feat/[REDACTED:aws-access-key-id]',
      );
      const gap = records.find((r) => r.kind === 'capture-gap');
      assert.equal(gap?.kind === 'capture-gap' && gap.hook, '[REDACTED:github-token]');

      const status = await trail(repo.dir, 'status');
      const statusJson = await trail(repo.dir, 'status', '--json');
      const report = await trail(repo.dir, 'report', 'gaps', '--format', 'csv');
      assert.equal(report.code, 0, report.stderr);
      for (const out of [status.stdout + status.stderr, statusJson.stdout, report.stdout]) {
        assert.ok(!out.includes(TOKEN) && !out.includes(AWS), out);
      }
      // Git keeps the branch name in its refs and logs; its objects, the ledger among them,
      // and everything Trail keeps under .git/trail must not hold either secret.
      const objects = spawnSync('git', ['cat-file', '--batch-all-objects', '--batch'], {
        cwd: repo.dir,
        env: gitEnv,
        maxBuffer: 256 * 1024 * 1024,
      }).stdout.toString('latin1');
      const trailDir = join(repo.dir, '.git/trail');
      const trailFiles = readdirSync(trailDir, { recursive: true, encoding: 'utf8' })
        .map((name) => join(trailDir, name))
        .filter((file) => statSync(file).isFile())
        .map((file) => readFileSync(file, 'latin1'));
      for (const stored of [objects, ...trailFiles]) {
        assert.ok(!stored.includes(TOKEN) && !stored.includes(AWS));
      }
    } finally {
      repo.cleanup();
    }
  });
});
