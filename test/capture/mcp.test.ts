/**
 * `trail mcp` through the official SDK client over stdio, as an agent would run it: the tools
 * are listed with their schemas, each call lands in the right session's spool (redacted,
 * agent-reported), and the commit that takes that session's lines seals them into the ledger.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { readSpool, sessionKey } from '../../src/capture/spool.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { TRAIL_BIN, trail } from '../helpers/cli.js';
import { spoolEvents } from '../helpers/spool.js';
import { gitEnv, tempRepo } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

const TOKEN = `ghp_${'Mm4Nn5Bb6V'.repeat(3)}135790`;

const setup = initialisedRepo;

/** Starts `trail mcp` as an agent does: by default this bin/trail, or the command given. */
async function connect(
  dir: string,
  env: Record<string, string> = {},
  server: { command: string; args: string[] } = { command: process.execPath, args: [TRAIL_BIN, 'mcp'] },
): Promise<Client> {
  const base = Object.fromEntries(
    Object.entries(gitEnv).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
  delete base.TRAIL_SESSION_ID;
  const transport = new StdioClientTransport({
    ...server,
    cwd: dir,
    env: { ...base, ...env },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'test-agent', version: '9.9.9' });
  await client.connect(transport);
  return client;
}

function text(result: Awaited<ReturnType<Client['callTool']>>): string {
  const content = result.content as Array<{ type: string; text?: string }>;
  return content.map((c) => c.text ?? '').join('');
}

describe('trail mcp', () => {
  test('lists the tools; each call lands in the session and is sealed with its commit', async () => {
    const repo = setup();
    const agent = new ScriptedClaude(repo.dir).start().prompt('add a cache to the user lookup');
    const client = await connect(repo.dir, { TRAIL_SESSION_ID: agent.sessionId });
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), [
        'record_alternative',
        'record_constraint',
        'record_context',
        'record_decision',
        'record_risk',
      ]);
      const context = tools.find((t) => t.name === 'record_context')!;
      assert.deepEqual(context.inputSchema.required, ['source', 'ref']);

      const calls: Array<[string, Record<string, unknown>]> = [
        ['record_decision', { decision: 'An LRU cache in front of the lookup', why: 'reads dominate 50:1' }],
        ['record_constraint', { constraint: 'Entries expire within 60 s', source: 'SEC-12' }],
        ['record_alternative', { approach: 'Redis', rejected_because: `needs a server; creds ${TOKEN}` }],
        ['record_risk', { risk: 'Stale reads after a permission change', severity: 'high' }],
        ['record_context', { source: 'ticket', ref: 'PROJ-31', note: 'the cache request' }],
        ['record_context', { source: 'file', ref: 'src/users.ts' }],
      ];
      for (const [name, args] of calls) {
        const result = await client.callTool({ name, arguments: args });
        assert.ok(!result.isError, text(result));
        assert.match(text(result), new RegExp(`^recorded .+ in Trail session ${agent.sessionId}$`));
      }
      const invalid = await client.callTool({
        name: 'record_risk',
        arguments: { risk: 'x', severity: 'huge' },
      });
      assert.equal(invalid.isError, true);
      // Blank text states nothing: refused, not recorded as an empty decision.
      const blank = await client.callTool({ name: 'record_decision', arguments: { decision: '   ' } });
      assert.equal(blank.isError, true);

      const spooled = await spoolEvents(repo.dir, 'claude-code', agent.sessionId);
      const reported = spooled.filter((l) => l.hook === 'mcp');
      assert.ok(reported.every((l) => l.provenance === 'agent-reported'));
      assert.deepEqual(
        reported.map((l) => l.event),
        [
          { type: 'decision', text: 'An LRU cache in front of the lookup\nWhy: reads dominate 50:1' },
          { type: 'constraint', text: 'Entries expire within 60 s\nSource: SEC-12' },
          {
            type: 'alternative',
            approach: 'Redis',
            rejectedBecause: 'needs a server; creds [REDACTED:github-token]',
          },
          { type: 'risk', text: 'Stale reads after a permission change', severity: 'high' },
          { type: 'context', source: 'other', ref: 'PROJ-31', note: 'ticket: the cache request' },
          { type: 'context', source: 'file-read', ref: 'src/users.ts' },
        ],
      );
      assert.deepEqual(reported[2]!.redactions, [
        { field: 'rejectedBecause', rule: 'github-token', count: 1 },
      ]);
    } finally {
      await client.close();
    }

    try {
      // Without TRAIL_SESSION_ID the most recently active session is the one.
      const other = await connect(repo.dir);
      try {
        const result = await other.callTool({
          name: 'record_decision',
          arguments: { decision: 'Key by user id' },
        });
        assert.match(text(result), new RegExp(`in Trail session ${agent.sessionId}$`));
      } finally {
        await other.close();
      }

      agent.write('src/cache.ts', 'export const cache = new Map<string, unknown>();\n');
      agent.stop();
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'cache');
      const index = await loadIndex(await findRepo(repo.dir));
      const checkpoint = index.checkpointByCommit.get(repo.git('rev-parse', 'HEAD'))!.record;
      assert.deepEqual(
        checkpoint.sessions.map((s) => s.sessionId),
        [agent.sessionId],
      );
      const sealed = (index.eventsBySession.get(agent.sessionId) ?? []).map((s) => s.record);
      const agentReported = sealed.filter((r) => r.provenance === 'agent-reported').map((r) => r.event.type);
      assert.deepEqual(agentReported, [
        'decision',
        'constraint',
        'alternative',
        'risk',
        'context',
        'context',
        'decision',
      ]);
      assert.ok(sealed.some((r) => r.event.type === 'file-edit' && r.provenance === 'observed'));
      assert.doesNotMatch(JSON.stringify(sealed), /ghp_/);
      // trail show puts a decision and its why on one line as two sentences.
      const shown = await trail(repo.dir, 'show', 'HEAD', '--md');
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(
        shown.stdout,
        /\n- An LRU cache in front of the lookup\. Why: reads dominate 50:1 _\(agent-reported\)_\n/,
      );
      assert.match(shown.stdout, /\n- Entries expire within 60 s\. Source: SEC-12 _\(agent-reported\)_\n/);
    } finally {
      repo.cleanup();
    }
  });

  test('as .mcp.json starts it (`git trail mcp`, through the clone’s alias) it serves the tools', async () => {
    const repo = tempRepo();
    try {
      repo.commit('base');
      const init = await trail(repo.dir, 'init', '--yes', '--agents', 'claude-code');
      assert.equal(init.code, 0, init.stderr);
      const server = JSON.parse(readFileSync(join(repo.dir, '.mcp.json'), 'utf8')).mcpServers.trail;
      assert.deepEqual(server, { command: 'git', args: ['trail', 'mcp'] });
      const client = await connect(repo.dir, {}, server);
      try {
        const tools = (await client.listTools()).tools.map((t) => t.name);
        assert.ok(tools.includes('record_decision'), tools.join(', '));
        const result = await client.callTool({ name: 'record_risk', arguments: { risk: 'No retry limit' } });
        assert.match(text(result), /^recorded the risk in Trail session mcp-/);
      } finally {
        await client.close();
      }
    } finally {
      repo.cleanup();
    }
  });

  test('with no session anywhere it opens mcp-<date>, which the next commit carries; without Trail it says so', async () => {
    const repo = setup();
    try {
      const client = await connect(repo.dir);
      try {
        const result = await client.callTool({
          name: 'record_risk',
          arguments: { risk: 'No tests for the cache' },
        });
        const sessionId = `mcp-${new Date().toISOString().slice(0, 10)}`;
        assert.equal(text(result), `recorded the risk in Trail session ${sessionId}`);
        const repoState = await findRepo(repo.dir);
        const lines = readSpool(repoState.stateDir, sessionKey('test-agent', sessionId)).lines;
        const session = lines[0]!;
        assert.ok(session.type === 'session');
        assert.equal(session.type === 'session' && session.info.agentVersion, '9.9.9');
        assert.deepEqual(
          lines.filter((l) => l.type === 'event').map((l) => l.type === 'event' && l.event),
          [{ type: 'risk', text: 'No tests for the cache' }],
        );

        // The next commit carries the day session. Its agent has no hooks, so the lines no
        // edit explains may be its own: unknown, not a person's.
        repo.write('src/cache.js', 'export const cache = new Map();\n');
        const commit = repo.commit('add a cache');
        const index = await loadIndex(repoState);
        const checkpoint = index.checkpointByCommit.get(commit)?.record;
        assert.ok(checkpoint);
        assert.deepEqual(
          checkpoint.sessions.map((s) => s.sessionId),
          [sessionId],
        );
        assert.equal(checkpoint.files[0]?.unknownLines, 1);
        assert.equal(checkpoint.files[0]?.humanLines, 0);
        const sealed = (index.eventsBySession.get(sessionId) ?? []).map((e) => e.record.event);
        assert.deepEqual(sealed, [{ type: 'risk', text: 'No tests for the cache' }]);
      } finally {
        await client.close();
      }
    } finally {
      repo.cleanup();
    }

    const plain = tempRepo();
    try {
      const client = await connect(plain.dir);
      try {
        const result = await client.callTool({ name: 'record_decision', arguments: { decision: 'x' } });
        assert.equal(result.isError, true);
        assert.match(text(result), /not set up in this repository/);
      } finally {
        await client.close();
      }
    } finally {
      plain.cleanup();
    }
  });
});
