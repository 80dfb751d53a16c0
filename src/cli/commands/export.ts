/**
 * `trail export --format git-ai|agent-trace|intoto`: Trail's checkpoints in other tools'
 * formats. git-ai notes print to stdout, or with `--write-notes` go to refs/notes/ai (one
 * fast-import for all commits); Agent Trace records and signed in-toto envelopes print as
 * JSON Lines. `--json` prints one JSON document instead, as every command's --json does.
 */

import { basename } from 'node:path';
import type { Command } from 'commander';
import { TrailError } from '../../core/errors.js';
import type { RecordOf } from '../../core/records.js';
import type { KeyPair } from '../../core/signature.js';
import type { StoredRecord, TrailIndex } from '../../core/trail-index.js';
import { agentTraceRecord } from '../../export/agent-trace.js';
import { gitAiNote } from '../../export/git-ai.js';
import { checkpointStatement, signStatement } from '../../export/intoto.js';
import { runGit } from '../../git/run.js';
import { loadWriterKey } from '../../ledger/keys.js';
import { loadIndex } from '../../ledger/read.js';
import { findRepo } from '../../ledger/repo.js';
import { buildCheckpointView } from '../../read/checkpoint-view.js';
import type { CommandContext } from '../context.js';
import { printJson, say } from '../output.js';
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

function signedStatements(
  index: TrailIndex,
  checkpoints: ReadonlyArray<StoredRecord<RecordOf<'checkpoint'>>>,
  key: KeyPair,
  repoName: string,
) {
  return checkpoints.map((c) =>
    signStatement(checkpointStatement(buildCheckpointView(index, c), repoName), key),
  );
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
    .option('--json', 'one JSON document on stdout: the exported items as an array, or what was written')
    .action(async (options: { format: string; writeNotes?: boolean; repo?: string; json?: boolean }) => {
      const ctx = context();
      if (!(FORMATS as readonly string[]).includes(options.format)) {
        throw new TrailError('USAGE', `--format must be one of ${FORMATS.join(', ')}`);
      }
      if (options.writeNotes && options.format !== 'git-ai') {
        throw new TrailError('USAGE', '--write-notes applies to --format git-ai only');
      }
      const repo = await findRepo(ctx.cwd);
      // git-ai notes and Agent Trace records are made from checkpoints alone; only an in-toto
      // statement holds a checkpoint's whole view (its sessions, events, reviews, tests).
      const index = await loadIndex(repo, options.format === 'intoto' ? {} : { onlyKinds: ['checkpoint'] });
      const checkpoints = [...index.checkpointByCommit.values()].sort((a, b) =>
        a.record.time < b.record.time ? -1 : 1,
      );
      if (options.format === 'git-ai') {
        const notes = checkpoints.map((c) => ({ commit: c.record.commit, text: gitAiNote(c, VERSION) }));
        if (options.writeNotes) {
          await writeNotes(repo.workTree, notes);
          say(ctx.io, `wrote ${notes.length} git-ai note(s) to refs/notes/ai`);
          if (options.json) printJson(ctx.io, { ref: 'refs/notes/ai', commits: notes.map((n) => n.commit) });
        } else if (options.json) {
          printJson(
            ctx.io,
            notes.map((n) => ({ commit: n.commit, note: n.text })),
          );
        } else {
          for (const n of notes) ctx.io.stdout(`commit ${n.commit}\n${n.text}\n`);
        }
        return;
      }
      const items =
        options.format === 'agent-trace'
          ? checkpoints.map((c) => agentTraceRecord(c, VERSION))
          : signedStatements(
              index,
              checkpoints,
              loadWriterKey(repo),
              options.repo ?? basename(repo.workTree),
            );
      // Without --json, JSON Lines: one item per line, for tools that stream.
      if (options.json) printJson(ctx.io, items);
      else for (const item of items) ctx.io.stdout(`${JSON.stringify(item)}\n`);
    });
}
