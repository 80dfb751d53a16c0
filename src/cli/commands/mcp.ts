/**
 * `trail mcp`: serves Trail's MCP tools on stdin/stdout for an agent to report decisions,
 * constraints, alternatives, risks and context (src/capture/mcp-server.ts). Register it with
 * the agent as a stdio server whose command is `trail mcp`, started in the repository.
 */
import type { Command } from 'commander';
import { findRepo } from '../../ledger/repo.js';
import type { CommandContext } from '../context.js';
import { VERSION } from '../version.js';

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('mcp')
    .description(
      'serve the MCP tools record_decision, record_constraint, record_alternative, record_risk, record_context (stdio)',
    )
    .action(async () => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      // Loaded here: the MCP SDK must not slow `trail --help` down.
      const { serveStdio } = await import('../../capture/mcp-server.js');
      // stdout carries the protocol: nothing else may be printed there.
      await serveStdio(repo, { env: ctx.env, version: VERSION });
    });
}
