/**
 * Secrets at rest: every fake secret of test/fixtures/secrets/secrets.jsonl goes through real
 * hooks of two agents (Claude Code and Gemini CLI) in prompts, shell commands, command output,
 * transcript reasoning and file edits; the edited files holding secrets are never committed.
 * Then every byte git and Trail keep for the repository (every file under .git, every object
 * decompressed, .trail/) must hold no secret value, before and after the commit. Ordinary code
 * sent the same way must come through unchanged.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { RecordOf } from '../../src/core/records.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import type { HookAgent } from '../helpers/agent-hooks.js';
import { everythingStored, installedCommand, runShellHook, trailWithEnv } from '../helpers/agent-hooks.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempDir, tempRepo } from '../helpers/temp-repo.js';

const FIXTURES = new URL('../fixtures/secrets/', import.meta.url).pathname;

interface Secret {
  id: string;
  format: string;
  text: string;
  secret: string;
}

const SECRETS: Secret[] = readFileSync(join(FIXTURES, 'secrets.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Secret);

const BENIGN = readdirSync(join(FIXTURES, 'benign'))
  .sort()
  .map((name) => ({ name, text: readFileSync(join(FIXTURES, 'benign', name), 'utf8') }));

const CHANNELS = [
  'claude-prompt',
  'claude-command',
  'claude-output',
  'claude-edit',
  'claude-reasoning',
  'gemini-prompt',
  'gemini-command',
  'gemini-output',
  'gemini-edit',
] as const;
type Channel = (typeof CHANNELS)[number];

/**
 * What must not be found: the secret, each long line of a multi-line one, and their JSON forms.
 * A short secret (a password such as `hunter2`) could turn up by chance inside a digest, so it
 * is searched for with the text just before it (`SSWORD="hunter2`), which redaction replaces.
 */
function needles({ secret, text }: Secret): string[] {
  const pieces = [secret, ...secret.split(/\n|\\n/).map((p) => p.trim())].filter(
    (p) => p.length >= 16 && !/^-----(BEGIN|END) /.test(p),
  );
  if (secret.length < 16) {
    const at = text.indexOf(secret);
    pieces.push(text.slice(Math.max(0, at - 8), at + secret.length));
  }
  return [...new Set(pieces.flatMap((p) => [p, JSON.stringify(p).slice(1, -1)]))];
}

function leaked(stored: string, secrets: Secret[]): string[] {
  return secrets.filter((s) => needles(s).some((n) => stored.includes(n))).map((s) => s.id);
}

const cleanups: Array<() => void> = [];
after(() => {
  for (const c of cleanups) c();
});

class Agent {
  private tool = 0;
  constructor(
    readonly repo: TempRepo,
    readonly agent: HookAgent,
    readonly sessionId: string,
    readonly base: Record<string, unknown>,
  ) {}

  send(event: string, fields: Record<string, unknown>, tool?: string): void {
    const command = installedCommand(this.repo.dir, this.agent, event, tool);
    assert.ok(command, `${this.agent} ${event} is installed`);
    const payload = {
      session_id: this.sessionId,
      cwd: this.repo.dir,
      hook_event_name: event,
      ...this.base,
      ...fields,
    };
    const run = runShellHook(command, JSON.stringify(payload), { cwd: this.repo.dir });
    assert.equal(run.code, 0, run.stderr);
  }

  nextId(): string {
    return `toolu_${++this.tool}`;
  }
}

describe('no secret reaches disk through capture', () => {
  test(`${SECRETS.length} fake secrets of ${new Set(SECRETS.map((s) => s.format)).size} formats through two agents: none stored; ordinary code unchanged`, async (t) => {
    assert.ok(SECRETS.length >= 40);
    const repo = tempRepo();
    const outside = tempDir('trail-secrets-home-');
    cleanups.push(repo.cleanup, () => rmSync(outside, { recursive: true, force: true }));
    repo.write('.gitignore', 'scratch/\n');
    repo.write('README.md', '# demo\n');
    repo.commit('base');
    const init = await trailWithEnv(repo.dir, {}, 'init', '--yes', '--agents', 'claude-code,gemini-cli');
    assert.equal(init.code, 0, init.stderr);
    repo.commit('Trail set up');

    const byChannel = new Map<Channel, Secret[]>(CHANNELS.map((c) => [c, []]));
    SECRETS.forEach((s, i) => {
      let channel = CHANNELS[i % CHANNELS.length]!;
      // Command output keeps its last 2000 characters: a longer text goes in as a prompt, so
      // redaction, not truncation, is what keeps it out.
      if (channel.endsWith('output') && s.text.length > 1500)
        channel = channel.replace('output', 'prompt') as Channel;
      byChannel.get(channel)!.push(s);
    });

    // --- Claude Code -------------------------------------------------------------------------
    const claudeId = randomUUID();
    const transcript = join(outside, `${claudeId}.jsonl`);
    const claude = new Agent(repo, 'claude-code', claudeId, {
      transcript_path: transcript,
      permission_mode: 'acceptEdits',
    });
    claude.send('SessionStart', { source: 'startup', model: 'claude-sonnet-4-6' });
    const prompts = byChannel.get('claude-prompt')!;
    for (let i = 0; i < prompts.length; i += 3) {
      claude.send('UserPromptSubmit', {
        prompt: `Please fix these:\n${prompts
          .slice(i, i + 3)
          .map((s) => s.text)
          .join('\n')}`,
      });
    }
    for (const benign of BENIGN) claude.send('UserPromptSubmit', { prompt: benign.text });
    const bash = (command: string, stdout: string) => {
      const id = claude.nextId();
      claude.send('PreToolUse', { tool_name: 'Bash', tool_input: { command }, tool_use_id: id }, 'Bash');
      claude.send(
        'PostToolUse',
        {
          tool_name: 'Bash',
          tool_input: { command },
          tool_use_id: id,
          tool_response: { stdout, stderr: '', interrupted: false, isImage: false },
        },
        'Bash',
      );
    };
    for (const s of byChannel.get('claude-command')!) bash(s.text, 'done');
    for (const s of byChannel.get('claude-output')!) bash('cat config/local.env', s.text);
    const write = (path: string, content: string) => {
      const id = claude.nextId();
      const input = { file_path: join(repo.dir, path), content };
      claude.send('PreToolUse', { tool_name: 'Write', tool_input: input, tool_use_id: id }, 'Write');
      repo.write(path, content);
      claude.send(
        'PostToolUse',
        { tool_name: 'Write', tool_input: input, tool_use_id: id, tool_response: {} },
        'Write',
      );
    };
    for (const [i, s] of byChannel.get('claude-edit')!.entries())
      write(`scratch/claude-${i}.env`, `${s.text}\n`);
    write('src/app.ts', 'export function limit(n: number): number {\n  return Math.min(n, 5);\n}\n');
    // The transcript, where the agent's reasoning repeats secrets it saw.
    const reasoning = byChannel.get('claude-reasoning')!;
    writeFileSync(
      transcript,
      reasoning
        .map((s, i) =>
          JSON.stringify({
            type: 'assistant',
            sessionId: claudeId,
            uuid: randomUUID(),
            timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
            message: {
              id: `msg_${i}`,
              role: 'assistant',
              model: 'claude-sonnet-4-6',
              content: [{ type: 'thinking', thinking: `The user pasted ${s.text} so I must not echo it.` }],
              usage: { input_tokens: 10, output_tokens: 5 },
            },
          }),
        )
        .join('\n'),
    );
    claude.send('Stop', { stop_hook_active: false });

    // --- Gemini CLI --------------------------------------------------------------------------
    const geminiId = randomUUID();
    const gemini = new Agent(repo, 'gemini-cli', geminiId, { transcript_path: join(outside, 'gemini.json') });
    gemini.send('SessionStart', { source: 'startup' });
    for (const s of byChannel.get('gemini-prompt')!) gemini.send('BeforeAgent', { prompt: s.text });
    const shell = (command: string, output: string) => {
      gemini.send(
        'BeforeTool',
        { tool_name: 'run_shell_command', tool_input: { command } },
        'run_shell_command',
      );
      gemini.send(
        'AfterTool',
        {
          tool_name: 'run_shell_command',
          tool_input: { command },
          tool_response: { llmContent: `Output: ${output}\nProcess Group PGID: 4242`, returnDisplay: output },
        },
        'run_shell_command',
      );
    };
    for (const s of byChannel.get('gemini-command')!) shell(s.text, 'ok');
    for (const s of byChannel.get('gemini-output')!) shell('cat .env.production', s.text);
    const geminiWrite = (path: string, content: string) => {
      const input = { file_path: join(repo.dir, path), content };
      gemini.send('BeforeTool', { tool_name: 'write_file', tool_input: input }, 'write_file');
      repo.write(path, content);
      gemini.send(
        'AfterTool',
        {
          tool_name: 'write_file',
          tool_input: input,
          tool_response: { llmContent: 'ok', returnDisplay: 'ok' },
        },
        'write_file',
      );
    };
    for (const [i, s] of byChannel.get('gemini-edit')!.entries())
      geminiWrite(`scratch/gemini-${i}.yaml`, `${s.text}\n`);
    geminiWrite('src/gemini.ts', 'export const discount = (total: number) => Math.max(0, total - 5);\n');

    // The search works: the secrets are in the (ignored, uncommitted) files the agents wrote.
    assert.equal(
      leaked(everythingStored(repo.dir, [join(repo.dir, 'scratch')]), byChannel.get('claude-edit')!).length,
      byChannel.get('claude-edit')!.length,
    );
    // Before the commit, everything is in the spool.
    assert.deepEqual(leaked(everythingStored(repo.dir), SECRETS), [], 'a secret in the spool');

    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'agent work');
    assert.equal(
      repo.git('show', '--name-only', '--format=', 'HEAD').split('\n').sort().join(','),
      'src/app.ts,src/gemini.ts',
    );
    const stored = everythingStored(repo.dir);
    assert.deepEqual(leaked(stored, SECRETS), [], 'a secret under .git or .trail');

    // What was captured holds the redaction markers, so the secrets went through capture.
    const index = await loadIndex(await findRepo(repo.dir));
    const events = (id: string) => (index.eventsBySession.get(id) ?? []).map((e) => e.record);
    const claudeEvents = events(claudeId);
    const geminiEvents = events(geminiId);
    assert.ok(claudeEvents.length > 0 && geminiEvents.length > 0, 'both sessions sealed');
    const all = [...claudeEvents, ...geminiEvents];
    const redactedEvents = all.filter((e) => e.redactions && e.redactions.length > 0);
    const findings = redactedEvents.reduce((n, e) => n + e.redactions!.reduce((m, r) => m + r.count, 0), 0);
    assert.ok(
      findings >=
        SECRETS.length - byChannel.get('claude-edit')!.length - byChannel.get('gemini-edit')!.length,
    );
    assert.ok(JSON.stringify(all).includes('[REDACTED:'));
    const ofType = <T extends string>(records: RecordOf<'event'>[], type: T) =>
      records.filter((e) => e.event.type === type);
    assert.equal(
      ofType(claudeEvents, 'command').length,
      byChannel.get('claude-command')!.length + byChannel.get('claude-output')!.length,
    );
    assert.equal(ofType(claudeEvents, 'reasoning').length, reasoning.length);

    // Ordinary code comes through exactly, with no redaction recorded.
    const promptsSeen = ofType(claudeEvents, 'prompt').map((e) => e.event as { text: string });
    let lines = 0;
    let changed = 0;
    for (const benign of BENIGN) {
      const match = claudeEvents.find(
        (e) => e.event.type === 'prompt' && (e.event as { text: string }).text === benign.text,
      );
      lines += benign.text.split('\n').filter(Boolean).length;
      if (!match) {
        changed += 1;
        continue;
      }
      assert.equal(match.redactions, undefined, `${benign.name}: no redaction`);
    }
    assert.equal(changed, 0, `${changed} ordinary files were changed on the way in`);
    assert.ok(promptsSeen.length >= BENIGN.length);
    t.diagnostic(
      `secrets: ${SECRETS.length} of ${new Set(SECRETS.map((s) => s.format)).size} formats, ${leaked(stored, SECRETS).length} found at rest; ` +
        `${findings} redactions recorded; benign: ${BENIGN.length} files, ${lines} lines, ${changed} changed`,
    );
  });
});
