/**
 * `trail import <kind> PATH`: records what happened elsewhere, after the fact.
 * - `claude|codex|gemini PATH`: a past session from the agent's own log (a Claude Code
 *   transcript, a Codex rollout, a Gemini CLI session file), for work done before
 *   `trail init` (src/capture/import-transcript.ts);
 * - `github-review|gitlab-approval FILE`: a code host's review webhook payload, as reviews of
 *   the pull or merge request's commits (src/capture/import-code-host.ts).
 * Importing the same file again adds nothing.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { importTranscript } from '../../capture/import-transcript.js';
import { countLabel } from '../../core/count-label.js';
import { findRepo, requireInitialised } from '../../ledger/repo.js';
import type { CommandContext } from '../context.js';
import { printJson, say } from '../output.js';

const CODE_HOST_KINDS = new Set(['github-review', 'gitlab-approval']);

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('import')
    .description(
      'record past work: a session from a Claude Code transcript, Codex rollout or Gemini CLI session file ' +
        '(claude|codex|gemini PATH), or a code host review payload (github-review|gitlab-approval FILE)',
    )
    .argument('<kind>', 'claude, codex, gemini, github-review or gitlab-approval')
    .argument('<path>', 'the file to import')
    .option('--json', 'machine output on stdout')
    .action(async (kind: string, path: string, options: { json?: boolean }) => {
      const ctx = context();
      if (CODE_HOST_KINDS.has(kind)) {
        const codeHost = await import('../../capture/import-code-host.js');
        if (codeHost.isCodeHostImportKind(kind)) return codeHost.runCodeHostImport(ctx, kind, path, options);
      }
      const repo = await findRepo(ctx.cwd);
      requireInitialised(repo);
      const result = await importTranscript(repo, kind, resolve(ctx.cwd, path));
      if (options.json) {
        printJson(ctx.io, { ...result, added: result.added.length, ids: result.added });
        return;
      }
      if (result.added.length === 0) {
        say(ctx.io, `nothing new in ${path}: session ${result.sessionId} is already recorded`);
        return;
      }
      say(
        ctx.io,
        `imported session ${result.sessionId} (${result.agent}) from ${path}: ${result.added.length} of ${result.built} records added` +
          (result.skippedLines > 0 ? `; ${countLabel(result.skippedLines, 'unreadable line')} skipped` : ''),
      );
    });
}
