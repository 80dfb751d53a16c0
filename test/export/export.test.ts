/** Exports validate against their published schemas and specifications. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { verifyEnvelope } from '../../src/core/dsse.js';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail, trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

const schema = JSON.parse(
  readFileSync(new URL('../fixtures/schemas/agent-trace-v1.json', import.meta.url), 'utf8'),
);

/** The metadata section of a git-ai note, as far as these tests read it. */
interface GitAiMetadata {
  schema_version: string;
  base_commit_sha: string;
  prompts: Record<string, unknown>;
  sessions: Record<string, { agent_id: { tool: string; id: string; model: string } }>;
  humans: Record<string, unknown>;
}

/** Checks a git-ai note against the rules of authorship/3.0.0 (see fixtures/schemas/README.md). */
function checkGitAiNote(note: string): {
  files: Record<string, Record<string, string>>;
  metadata: GitAiMetadata;
} {
  const split = note.split('\n---\n');
  assert.equal(split.length, 2, 'an attestation section, a --- line, then metadata');
  const [attestation, json] = split as [string, string];
  const metadata = JSON.parse(json) as GitAiMetadata;
  assert.equal(metadata.schema_version, 'authorship/3.0.0');
  assert.match(metadata.base_commit_sha, /^[0-9a-f]{40}$/);
  assert.deepEqual(metadata.prompts, {});
  const files: Record<string, Record<string, string>> = {};
  let current: string | undefined;
  for (const line of attestation.split('\n').filter(Boolean)) {
    if (!line.startsWith(' ')) {
      current = line;
      files[current] = {};
      continue;
    }
    const m = /^ {2}(s_[0-9a-f]{14}::t_[0-9a-f]{14}|h_[0-9a-f]{14}) (\d+(-\d+)?(,\d+(-\d+)?)*)$/.exec(line);
    assert.ok(m, `entry line "${line}" follows the key/ranges format`);
    assert.ok(current);
    const [, key, ranges] = m as unknown as [string, string, string];
    const starts = ranges.split(',').map((r) => Number(r.split('-')[0]));
    assert.deepEqual(
      starts,
      [...starts].sort((a, b) => a - b),
      'ranges are sorted',
    );
    if (key.startsWith('s_'))
      assert.ok(metadata.sessions[key.split('::')[0]!], `${key} resolves in sessions`);
    else assert.ok(metadata.humans[key], `${key} resolves in humans`);
    files[current]![key] = ranges;
  }
  for (const s of Object.values(metadata.sessions)) {
    assert.ok(s.agent_id.tool && s.agent_id.id && s.agent_id.model);
  }
  return { files, metadata };
}

describe('trail export', () => {
  let repo: TempRepo;
  let agent: ScriptedClaude;

  before(() => {
    repo = tempRepo();
    assert.equal(trailProcess(repo.dir, ['init', '--yes']).code, 0);
    repo.commit('trust');
    agent = new ScriptedClaude(repo.dir).start('claude-opus-4-1').prompt('write the exporter');
    agent.write('src/x.ts', 'export const a = 1;\nexport const b = 2;\n');
    agent.stop();
    writeFileSync(
      join(repo.dir, 'src/x.ts'),
      'export const a = 1;\nexport const b = 2;\nexport const mine = 3;\n',
    );
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'exporter');
  });
  after(() => repo.cleanup());

  test('Agent Trace records validate against the published JSON Schema', async () => {
    const result = await trail(repo.dir, 'export', '--format', 'agent-trace');
    assert.equal(result.code, 0, result.stderr);
    const records = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(records.length, 1);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (a: Ajv2020) => void)(ajv);
    const validate = ajv.compile<Record<string, unknown>>(schema);
    const valid = validate(structuredClone(records[0]));
    assert.ok(valid, JSON.stringify(validate.errors));
    const file = records[0]!.files.find((f: { path: string }) => f.path === 'src/x.ts');
    const ai = file.conversations.find((c: { contributor: { type: string } }) => c.contributor.type === 'ai');
    assert.equal(ai.contributor.model_id, 'anthropic/claude-opus-4-1');
    assert.deepEqual(ai.ranges, [{ start_line: 1, end_line: 2 }]);
    // A broken record is rejected by the same validator: the check can fail.
    assert.equal(validate({ ...records[0], version: '0.1.0' }), false);
  });

  test('git-ai notes follow authorship/3.0.0 and can be written to refs/notes/ai', async () => {
    const result = await trail(repo.dir, 'export', '--format', 'git-ai');
    assert.equal(result.code, 0, result.stderr);
    const note = result.stdout.replace(/^commit [0-9a-f]{40}\n/, '').trim();
    const { files, metadata } = checkGitAiNote(`${note}\n`);
    const keys = Object.entries(files['src/x.ts']!);
    assert.deepEqual(
      keys.map(([k, r]) => [k.slice(0, 2), r]),
      [
        ['h_', '3'],
        ['s_', '1-2'],
      ],
    );
    assert.equal(metadata.base_commit_sha, repo.git('rev-parse', 'HEAD'));
    // The session key git-ai's own Claude preset would give the same conversation: its tool
    // name is "claude" (presets/claude.rs), and the key hashes "<tool>:<conversation id>".
    const [sessionKey, session] = Object.entries(metadata.sessions)[0]!;
    assert.equal(session.agent_id.tool, 'claude');
    assert.equal(
      sessionKey,
      `s_${createHash('sha256').update(`claude:${session.agent_id.id}`).digest('hex').slice(0, 14)}`,
    );
    const write = await trail(repo.dir, 'export', '--format', 'git-ai', '--write-notes');
    assert.equal(write.code, 0, write.stderr);
    checkGitAiNote(`${repo.git('notes', '--ref=ai', 'show', 'HEAD')}\n`);
  });

  test('in-toto statements are DSSE-signed by this clone and name the commit', async () => {
    const result = await trail(repo.dir, 'export', '--format', 'intoto');
    assert.equal(result.code, 0, result.stderr);
    const envelope = JSON.parse(result.stdout.trim().split('\n')[0]!);
    const keys = new Map(
      (
        JSON.parse((await trail(repo.dir, 'keys', 'list', '--json')).stdout).trusted as Array<{
          keyId: string;
          publicKey: string;
        }>
      ).map((k) => [k.keyId, k.publicKey]),
    );
    const verified = verifyEnvelope(envelope, keys);
    assert.equal(verified.payloadType, 'application/vnd.in-toto+json');
    const statement = JSON.parse(verified.payload.toString('utf8'));
    assert.equal(statement._type, 'https://in-toto.io/Statement/v1');
    assert.equal(statement.subject[0].digest.gitCommit, repo.git('rev-parse', 'HEAD'));
    assert.deepEqual(statement.predicate.lines, { ai: 2, human: 1, unknown: 0, added: 3, removed: 0 });
    // Named as trail report slsa names it: origin's ORG/NAME where there is an origin.
    repo.git('remote', 'add', 'origin', 'git@github.com:acme/shop.git');
    try {
      const named = await trail(repo.dir, 'export', '--format', 'intoto', '--json');
      assert.equal(named.code, 0, named.stderr);
      const [signed] = JSON.parse(named.stdout) as Array<{ payload: string }>;
      const { subject } = JSON.parse(Buffer.from(signed!.payload, 'base64').toString('utf8')) as {
        subject: Array<{ name: string; uri?: string }>;
      };
      const head = repo.git('rev-parse', 'HEAD');
      assert.equal(subject[0]!.name, `acme/shop@${head}`);
      assert.equal(subject[0]!.uri, `git+https://github.com/acme/shop@${head}`, "origin's host address");
    } finally {
      repo.git('remote', 'remove', 'origin');
    }
    const tampered = {
      ...envelope,
      payload: Buffer.from(verified.payload.toString().replace('"ai":2', '"ai":3')).toString('base64'),
    };
    assert.throws(() => verifyEnvelope(tampered, keys), /no signature/);
  });

  test('--json prints one JSON document for every format; --write-notes applies to git-ai only', async () => {
    const head = repo.git('rev-parse', 'HEAD');
    const lines = await trail(repo.dir, 'export', '--format', 'agent-trace');
    const trace = await trail(repo.dir, 'export', '--format', 'agent-trace', '--json');
    assert.equal(trace.code, 0, trace.stderr);
    assert.deepEqual(
      JSON.parse(trace.stdout),
      lines.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
      'the same records as the JSON Lines form, as one array',
    );

    const notes = await trail(repo.dir, 'export', '--format', 'git-ai', '--json');
    assert.equal(notes.code, 0, notes.stderr);
    const [only, ...rest] = JSON.parse(notes.stdout) as Array<{ commit: string; note: string }>;
    assert.equal(rest.length, 0);
    assert.equal(only!.commit, head);
    assert.equal(checkGitAiNote(only!.note).metadata.base_commit_sha, head);

    // An earlier test wrote this note already, as it would be written now: nothing to write.
    const written = await trail(repo.dir, 'export', '--format', 'git-ai', '--write-notes', '--json');
    assert.equal(written.code, 0, written.stderr);
    assert.deepEqual(JSON.parse(written.stdout), { ref: 'refs/notes/ai', commits: [] });

    const statements = await trail(repo.dir, 'export', '--format', 'intoto', '--json');
    assert.equal(statements.code, 0, statements.stderr);
    const envelopes = JSON.parse(statements.stdout) as Array<{ payloadType: string }>;
    assert.equal(envelopes.length, 1);
    assert.equal(envelopes[0]!.payloadType, 'application/vnd.in-toto+json');

    const misuse = await trail(repo.dir, 'export', '--format', 'intoto', '--write-notes');
    assert.equal(misuse.code, 2);
    assert.equal(misuse.stdout, '');
    assert.match(misuse.stderr, /^trail: --write-notes applies to --format git-ai only\n$/);
  });
});
