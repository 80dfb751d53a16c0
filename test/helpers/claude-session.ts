/**
 * Drives a Claude Code session through Trail's real hooks: each call runs `bin/trail hook
 * claude-code <Event>` as its own process with a payload shaped like Claude Code's (see
 * test/fixtures/claude-code/), and performs the file changes the agent would make.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { trailProcess } from './cli.js';

export class ScriptedClaude {
  readonly sessionId = randomUUID();
  private tool = 0;

  constructor(
    readonly dir: string,
    readonly transcriptPath?: string,
  ) {}

  private hook(event: string, fields: Record<string, unknown>): void {
    const payload = {
      session_id: this.sessionId,
      transcript_path: this.transcriptPath ?? join(this.dir, '.no-transcript.jsonl'),
      cwd: this.dir,
      permission_mode: 'acceptEdits',
      hook_event_name: event,
      ...fields,
    };
    const result = trailProcess(this.dir, ['hook', 'claude-code', event], JSON.stringify(payload));
    if (result.code !== 0) throw new Error(`hook ${event} exited ${result.code}: ${result.stderr}`);
  }

  start(model = 'claude-sonnet-4-6'): this {
    this.hook('SessionStart', { source: 'startup', model });
    return this;
  }

  /** The same session taken up again after it ended (`claude --resume`). */
  resume(model = 'claude-sonnet-4-6'): this {
    this.hook('SessionStart', { source: 'resume', model });
    return this;
  }

  prompt(text: string): this {
    this.hook('UserPromptSubmit', { prompt: text });
    return this;
  }

  /** The agent writes `content` to `path` with its Write tool. */
  write(path: string, content: string): this {
    const id = `toolu_${++this.tool}`;
    const file = join(this.dir, path);
    const input = { file_path: file, content };
    this.hook('PreToolUse', { tool_name: 'Write', tool_input: input, tool_use_id: id });
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    this.hook('PostToolUse', {
      tool_name: 'Write',
      tool_input: input,
      tool_response: { filePath: file, success: true },
      tool_use_id: id,
    });
    return this;
  }

  /** The agent runs a shell command; `effect` makes the command's changes to files. */
  bash(command: string, exitCode: number, output: string, effect?: () => void): this {
    const id = `toolu_${++this.tool}`;
    this.hook('PreToolUse', { tool_name: 'Bash', tool_input: { command }, tool_use_id: id });
    effect?.();
    if (exitCode === 0) {
      this.hook('PostToolUse', {
        tool_name: 'Bash',
        tool_input: { command },
        tool_response: { stdout: output, stderr: '', interrupted: false, isImage: false },
        tool_use_id: id,
        duration_ms: 1234,
      });
    } else {
      this.hook('PostToolUseFailure', {
        tool_name: 'Bash',
        tool_input: { command },
        tool_use_id: id,
        error: `Exit code ${exitCode}\n${output}`,
        is_interrupt: false,
        duration_ms: 987,
      });
    }
    return this;
  }

  stop(): this {
    this.hook('Stop', { stop_hook_active: false });
    return this;
  }

  end(): this {
    this.hook('SessionEnd', { reason: 'prompt_input_exit' });
    return this;
  }
}
