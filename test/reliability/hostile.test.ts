/**
 * Hostile input for every parser: malformed, oversized, deeply nested, non-UTF-8,
 * path-traversing, injection and script-carrying. Each must give a clear TrailError (or a
 * normal result), quickly, without crashing (no stack overflow, no TypeError), running a
 * command, or writing outside the repository. The CLI paths for blame/show/record are
 * checked as real processes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { normalizeClaudeCode, parseClaudeTranscript } from '../../src/capture/agents/claude-code.js';
import { normalizeCodexNotify, parseCodexRollout } from '../../src/capture/agents/codex.js';
import { normalizeCursor } from '../../src/capture/agents/cursor.js';
import { normalizeGeminiCli, parseGeminiTranscript } from '../../src/capture/agents/gemini-cli.js';
import { parseFieldArgs } from '../../src/cli/field-args.js';
import { isTrailError } from '../../src/core/errors.js';
import { validateRecord } from '../../src/core/records.js';
import { redactText } from '../../src/core/redact.js';
import { parseGitHubEvent, parseGitLabEvent } from '../../src/evidence/code-host.js';
import { parseCoverage } from '../../src/evidence/coverage.js';
import { parseJUnit } from '../../src/evidence/junit.js';
import { trail, trailProcess } from '../helpers/cli.js';
import { tempDir, tempRepo } from '../helpers/temp-repo.js';

const CANARY = join(tempDir('trail-canary-'), 'pwned');
const INJECTIONS = [
  `$(touch ${CANARY})`,
  `\`touch ${CANARY}\``,
  `; touch ${CANARY}`,
  `| touch ${CANARY}`,
  '../../../../etc/passwd',
  '..\\..\\windows\\system32',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'; DROP TABLE checkpoints; --",
  '{{constructor.constructor("return process")()}}',
  '\u0000\u0001\u001b[31m',
  '\ud800',
  'A'.repeat(1_000_000),
];

function deepObject(depth: number): unknown {
  let value: unknown = { leaf: true };
  for (let i = 0; i < depth; i++) value = { nested: value };
  return value;
}

const nonUtf8 = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1]).toString('latin1');

const TEXT_CORPUS: string[] = [
  '',
  ' ',
  '{',
  '{"a":',
  'null',
  '[]',
  '12345',
  nonUtf8,
  `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
  `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`,
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><testsuite>&b;</testsuite>',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><testsuite name="&xxe;"/>',
  '<testsuite><testcase name="<script>"/></testsuite',
  'SF:../../../etc/passwd\nDA:1,1\nend_of_record\n',
  ...INJECTIONS,
  'x'.repeat(8 * 1024 * 1024),
];

const OBJECT_CORPUS: unknown[] = [
  null,
  undefined,
  42,
  'string',
  [],
  {},
  { session_id: 5 },
  { session_id: '' },
  { session_id: 'x'.repeat(100_000) },
  { session_id: 's', tool_name: { toString: 1 }, tool_input: [] },
  {
    session_id: 's',
    cwd: '../../..',
    hook_event_name: 'PostToolUse',
    tool_name: 'Write',
    tool_input: { file_path: '/etc/passwd' },
  },
  { session_id: 's', prompt: INJECTIONS.join(' '), hook_event_name: 'UserPromptSubmit' },
  { __proto__: { polluted: true }, session_id: 's' },
  JSON.parse('{"__proto__":{"polluted":true},"session_id":"s","constructor":{"prototype":{"x":1}}}'),
  deepObject(100_000),
  { session_id: 's', tool_input: deepObject(50_000) },
];

/** Runs a parser on an input: fine if it returns or throws a TrailError; anything else fails. */
function survives(name: string, run: () => unknown): void {
  const started = Date.now();
  try {
    run();
  } catch (error) {
    assert.ok(
      isTrailError(error),
      `${name}: threw ${(error as Error)?.constructor?.name}: ${String((error as Error)?.message).slice(0, 200)}`,
    );
    assert.ok(!(error as Error).message.includes('\n'), `${name}: error message is one line`);
  }
  assert.ok(Date.now() - started < 5000, `${name}: took ${Date.now() - started} ms`);
}

describe('hostile input', () => {
  test('agent hook adapters', () => {
    const adapters = { normalizeClaudeCode, normalizeCodexNotify, normalizeCursor, normalizeGeminiCli };
    for (const [name, adapter] of Object.entries(adapters)) {
      for (const [i, input] of OBJECT_CORPUS.entries()) {
        for (const event of [
          'PostToolUse',
          'UserPromptSubmit',
          'afterShellExecution',
          'BeforeTool',
          '../../etc',
          '',
        ]) {
          survives(`${name}#${i}/${event}`, () => adapter(input, event));
        }
      }
    }
    assert.equal(({} as { polluted?: boolean }).polluted, undefined, 'no prototype pollution');
  });

  test('transcript parsers', () => {
    for (const [name, parse] of Object.entries({
      parseClaudeTranscript,
      parseCodexRollout,
      parseGeminiTranscript,
    })) {
      for (const [i, text] of TEXT_CORPUS.entries()) survives(`${name}#${i}`, () => parse(text));
      survives(`${name}#lines`, () => parse(TEXT_CORPUS.slice(0, 20).join('\n')));
    }
  });

  test('JUnit and coverage parsers', () => {
    for (const [i, text] of TEXT_CORPUS.entries()) {
      survives(`junit#${i}`, () => parseJUnit(text, `hostile-${i}.xml`));
      survives(`coverage#${i}`, () => parseCoverage(text, `hostile-${i}.info`));
    }
  });

  test('code host webhook payloads', () => {
    for (const [i, input] of OBJECT_CORPUS.entries()) {
      for (const event of [
        'pull_request_review',
        'pull_request',
        'deployment_status',
        'push',
        'Merge Request Hook',
        'Deployment Hook',
        '',
      ]) {
        survives(`github#${i}/${event}`, () => parseGitHubEvent(event, input));
        survives(`gitlab#${i}/${event}`, () => parseGitLabEvent(event, input));
      }
    }
  });

  test('records, field arguments and redaction', () => {
    for (const [i, input] of OBJECT_CORPUS.entries())
      survives(`validateRecord#${i}`, () => validateRecord(input));
    for (const [i, text] of INJECTIONS.entries()) {
      survives(`fields#${i}`, () => parseFieldArgs([`--${text}`, text]));
      survives(`redact#${i}`, () => redactText(text));
    }
    survives('fields proto', () => parseFieldArgs(['--__proto__.polluted', 'true']));
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });

  test('CLI: paths outside the repository, odd refs and hostile files are refused cleanly', async () => {
    const repo = tempRepo();
    try {
      await trail(repo.dir, 'init', '--yes');
      repo.commit('one');
      for (const path of ['../../../etc/passwd', '/etc/passwd', '..']) {
        const r = await trail(repo.dir, 'blame', path);
        assert.equal(r.code, 1, path);
        assert.match(r.stderr, /^trail: .* is outside the repository\n$/);
      }
      for (const ref of ['--upload-pack=touch /tmp/x', `$(touch ${CANARY})`, 'HEAD~999', '<script>']) {
        const r = await trail(repo.dir, 'show', ref);
        assert.ok(r.code === 1 || r.code === 2, ref);
        assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, `${ref}: one line`);
      }
      mkdirSync(join(repo.dir, 'bad'), { recursive: true });
      for (const [i, text] of TEXT_CORPUS.slice(0, 14).entries()) {
        const file = join(repo.dir, 'bad', `r${i}.json`);
        (await import('node:fs')).writeFileSync(file, text);
        const r = trailProcess(repo.dir, ['record', '--file', file]);
        assert.ok(r.code === 1 || r.code === 2, `record --file #${i}`);
        assert.doesNotMatch(r.stderr, /\n\s+at /, `record --file #${i}: no stack trace`);
      }
      // A valid record whose one free-form field nests 50,000 deep: refused by name, not by a crash.
      const deep = join(repo.dir, 'bad', 'deep-correction.json');
      (await import('node:fs')).writeFileSync(
        deep,
        `{"kind":"correction","target":"${'0'.repeat(64)}","reason":"x","changes":{"x":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}}`,
      );
      const deepResult = trailProcess(repo.dir, ['record', '--file', deep]);
      assert.equal(deepResult.code, 1);
      assert.equal(
        deepResult.stderr,
        'trail: invalid correction record: field "changes": nested deeper than 32 levels\n',
      );
      const verify = await trail(repo.dir, 'verify', '--json');
      assert.equal(JSON.parse(verify.stdout).records, 0, 'nothing was recorded from hostile files');
    } finally {
      repo.cleanup();
    }
    assert.ok(!existsSync(CANARY), 'no injected command ran');
  });
});
