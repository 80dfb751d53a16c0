/**
 * `trail export --format git-ai|agent-trace|intoto`: Trail's checkpoints in other tools'
 * formats. git-ai notes print to stdout, or with `--write-notes` go to refs/notes/ai (one
 * fast-import for all commits); Agent Trace records and signed in-toto envelopes print as
 * JSON Lines.
 */

import { basename } from 'node:path';
import type { Command } from 'commander';
import { TrailError } from '../../core/errors.js';
import { agentTraceRecord } from '../../export/agent-trace.js';
import { gitAiNote } from '../../export/git-ai.js';
import { checkpointStatement, signStatement } from '../../export/intoto.js';
import { runGit } from '../../git/run.js';
import { loadWriterKey } from '../../ledger/keys.js';
import { loadIndex } from '../../ledger/read.js';
import { findRepo } from '../../ledger/repo.js';
import { buildCheckpointView } from '../../read/checkpoint-view.js';
import type { CommandContext } from '../context.js';
import { say } from '../output.js';
import { VERSION } from '../version.js';

const FORMATS = ['git-ai', 'agent-trace', 'intoto'] as const;

async function writeNotes(workTree: string, notes: Array<{ commit: string; text: string }>): Promise<void> {
  const chunks: Buffer[] = [];
  const push = (t: string) => chunks.push(Buffer.from(t, 'utf8'));
  const seconds = Math.floor(Date.now() / 1000);
  const message = 'trail export --format git-ai';
  const parent = (
    await runGit(workTree, ['rev-parse', '--verify', '--quiet', 'refs/notes/ai'], { allow: [1] })
  ).stdout
    .toString()
    .trim();
  push(
    `commit refs/notes/ai\ncommitter trail <trail@localhost> ${seconds} +0000\ndata ${Buffer.byteLength(message)}\n${message}\n`,
  );
  if (parent) push(`from ${parent}\n`);
  for (const n of notes) {
    const body = Buffer.from(n.text, 'utf8');
    push(`N inline ${n.commit}\ndata ${body.length}\n`);
    chunks.push(body);
    push('\n');
  }
  push('done\n');
  await runGit(workTree, ['fast-import', '--quiet', '--done'], { input: Buffer.concat(chunks) });
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('export')
    .description(
      'checkpoints as git-ai notes (authorship/3.0.0), Agent Trace records or signed in-toto statements',
    )
    .requiredOption('--format <format>', FORMATS.join('|'))
    .option('--write-notes', 'git-ai: write the notes to refs/notes/ai instead of printing them')
    .option('--repo <name>', 'intoto: the repository name in subjects (default: the folder name)')
    .action(async (options: { format: string; writeNotes?: boolean; repo?: string }) => {
      const ctx = context();
      if (!(FORMATS as readonly string[]).includes(options.format)) {
        throw new TrailError('USAGE', `--format must be one of ${FORMATS.join(', ')}`);
      }
      const repo = await findRepo(ctx.cwd);
      const index = await loadIndex(repo);
      const checkpoints = [...index.checkpointByCommit.values()].sort((a, b) =>
        a.record.time < b.record.time ? -1 : 1,
      );
      if (options.format === 'git-ai') {
        const notes = checkpoints.map((c) => ({ commit: c.record.commit, text: gitAiNote(c, VERSION) }));
        if (options.writeNotes) {
          await writeNotes(repo.workTree, notes);
          say(ctx.io, `wrote ${notes.length} git-ai note(s) to refs/notes/ai`);
        } else {
          for (const n of notes) ctx.io.stdout(`commit ${n.commit}\n${n.text}\n`);
        }
        return;
      }
      if (options.format === 'agent-trace') {
        for (const c of checkpoints) ctx.io.stdout(`${JSON.stringify(agentTraceRecord(c, VERSION))}\n`);
        return;
      }
      const key = loadWriterKey(repo);
      const name = options.repo ?? basename(repo.workTree);
      for (const c of checkpoints) {
        ctx.io.stdout(
          `${JSON.stringify(signStatement(checkpointStatement(buildCheckpointView(index, c), name), key))}\n`,
        );
      }
    });
}
