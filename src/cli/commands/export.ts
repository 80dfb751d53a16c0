/**
 * `trail export --format git-ai|agent-trace|intoto`: Trail's checkpoints in other tools'
 * formats. git-ai notes print to stdout, or with `--write-notes` go to refs/notes/ai (one
 * fast-import for all commits); Agent Trace records and signed in-toto envelopes print as
 * JSON Lines. `--json` prints one JSON document instead, as every command's --json does.
 */

import type { Command } from 'commander';
import { countLabel } from '../../core/count-label.js';
import type { DsseEnvelope } from '../../core/dsse.js';
import { TrailError } from '../../core/errors.js';
import type { RecordOf } from '../../core/records.js';
import type { StoredRecord, TrailIndex } from '../../core/trail-index.js';
import { agentTraceRecord } from '../../export/agent-trace.js';
import { gitAiNote, isTrailNote } from '../../export/git-ai.js';
import { checkpointStatement, signStatement } from '../../export/intoto.js';
import { readObjects } from '../../git/cat-file.js';
import { repositoryIdentity } from '../../git/commit-range.js';
import { runGit } from '../../git/run.js';
import { loadSigningKey } from '../../ledger/keys.js';
import { loadIndex } from '../../ledger/read.js';
import type { Repo } from '../../ledger/repo.js';
import { findRepo } from '../../ledger/repo.js';
import { readSignable } from '../../ledger/signable.js';
import { buildCheckpointView } from '../../read/checkpoint-view.js';
import type { CommandContext } from '../context.js';
import type { Io } from '../output.js';
import { printJson, say } from '../output.js';
import { VERSION } from '../version.js';

const FORMATS = ['git-ai', 'agent-trace', 'intoto'] as const;
const NOTES_REF = 'refs/notes/ai';

/** The newest checkpoint of each commit, oldest first. */
function checkpointsOldestFirst(index: TrailIndex): Array<StoredRecord<RecordOf<'checkpoint'>>> {
  return [...index.checkpointByCommit.values()].sort((a, b) => (a.record.time < b.record.time ? -1 : 1));
}

interface ExportOptions {
  format: string;
  writeNotes?: boolean;
  force?: boolean;
  allowUnverified?: boolean;
  repo?: string;
  json?: boolean;
}

/**
 * The notes refs/notes/ai holds for these commits, by commit: one `git notes list` and one
 * `git cat-file --batch` for them all, however many there are.
 */
async function existingNotes(workTree: string, commits: ReadonlySet<string>): Promise<Map<string, string>> {
  const listed = (await runGit(workTree, ['notes', `--ref=${NOTES_REF}`, 'list'])).stdout
    .toString()
    .split('\n')
    .map((line) => line.split(' ') as [string, string])
    .filter(([, commit]) => commits.has(commit));
  const blobs = await readObjects(
    workTree,
    listed.map(([blob]) => blob),
  );
  return new Map(listed.map(([, commit], i) => [commit, blobs[i]?.content.toString('utf8') ?? '']));
}

async function writeNotes(workTree: string, notes: Array<{ commit: string; text: string }>): Promise<void> {
  const chunks: Buffer[] = [];
  const push = (t: string) => chunks.push(Buffer.from(t, 'utf8'));
  const seconds = Math.floor(Date.now() / 1000);
  const message = 'trail export --format git-ai';
  const parent = (
    await runGit(workTree, ['rev-parse', '--verify', '--quiet', NOTES_REF], { allow: [1] })
  ).stdout
    .toString()
    .trim();
  push(
    `commit ${NOTES_REF}\ncommitter trail <trail@localhost> ${seconds} +0000\ndata ${Buffer.byteLength(message)}\n${message}\n`,
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

async function exportGitAi(repo: Repo, io: Io, options: ExportOptions): Promise<void> {
  // git-ai notes are made from checkpoints alone.
  const checkpoints = checkpointsOldestFirst(await loadIndex(repo, { onlyKinds: ['checkpoint'] }));
  const made = checkpoints.map((c) => ({ commit: c.record.commit, ...gitAiNote(c, VERSION) }));
  const leftOut = made.reduce((n, note) => n + note.leftOut.length, 0);
  if (leftOut > 0) {
    say(
      io,
      `left ${countLabel(leftOut, 'file path')} out of the git-ai notes: the format cannot carry a path holding a double quote or a newline`,
    );
  }
  const notes = made.map(({ commit, text }) => ({ commit, text }));
  if (!options.writeNotes) {
    if (options.json)
      printJson(
        io,
        notes.map((n) => ({ commit: n.commit, note: n.text })),
      );
    else for (const n of notes) io.stdout(`commit ${n.commit}\n${n.text}\n`);
    return;
  }
  // A note someone else wrote (git-ai's own, above all) is their record: replaced only on --force.
  const existing =
    notes.length === 0
      ? new Map<string, string>()
      : await existingNotes(repo.workTree, new Set(notes.map((n) => n.commit)));
  // A note already as Trail would write it is left alone: running the export again moves nothing.
  const unchanged = new Set(notes.filter((n) => existing.get(n.commit) === n.text).map((n) => n.commit));
  const kept = options.force
    ? []
    : notes.filter((n) => {
        const note = existing.get(n.commit);
        return note !== undefined && !unchanged.has(n.commit) && !isTrailNote(note);
      });
  const keptCommits = new Set(kept.map((n) => n.commit));
  const written = notes.filter((n) => !keptCommits.has(n.commit) && !unchanged.has(n.commit));
  // Nothing to write makes no notes commit: an empty one would only move the ref.
  if (written.length > 0) await writeNotes(repo.workTree, written);
  say(
    io,
    `wrote ${countLabel(written.length, 'git-ai note')} to ${NOTES_REF}${unchanged.size > 0 ? ` (${unchanged.size} already as written)` : ''}`,
  );
  if (kept.length > 0) {
    say(
      io,
      `kept ${countLabel(kept.length, 'note')} on ${NOTES_REF} that Trail did not write, and wrote none for their commits (--force replaces them)`,
    );
  }
  if (options.json) {
    printJson(io, {
      ref: NOTES_REF,
      commits: written.map((n) => n.commit),
      ...(kept.length > 0 ? { kept: kept.map((n) => n.commit) } : {}),
    });
  }
}

/**
 * One signed statement per checkpoint, from a ledger that verifies: the statement leaves with
 * this clone's signature and nothing to say the ledger failed (ledger/signable.ts). With
 * --allow-unverified, only the checkpoints of writers whose logs verify are signed.
 */
async function signedStatements(repo: Repo, io: Io, options: ExportOptions): Promise<DsseEnvelope[]> {
  // Before the ledger is read: a revoked key signs nothing, however long verifying takes.
  const key = loadSigningKey(repo);
  const ledger = await readSignable(repo, { allowUnverified: options.allowUnverified });
  const checkpoints = checkpointsOldestFirst(ledger.index);
  if (!ledger.verification.ok) {
    const leftOut = ledger.records.filter(
      (r) => r.record.kind === 'checkpoint' && !ledger.signable(r.writerId),
    ).length;
    say(
      io,
      `the ledger does not verify: signed ${countLabel(checkpoints.length, 'checkpoint')} from logs that verify, left out ${leftOut} from logs that fail trail verify or writers not trusted here (--allow-unverified)`,
    );
  }
  // As trail report slsa names it (origin's ORG/NAME and address, else the folder), so both
  // exports name a commit alike. A --repo that is not origin's name names another repository,
  // which origin's address would contradict: the subjects then carry the name alone.
  const origin = await repositoryIdentity(repo.workTree);
  const repository =
    options.repo === undefined || options.repo === origin.name ? origin : { name: options.repo };
  // The index counts reviews as trail show does: the statement's `review` never says
  // approved on one nothing here vouches for (review-trust.ts).
  return checkpoints.map((c) =>
    signStatement(
      checkpointStatement(buildCheckpointView(ledger.index, c, ledger.setAside), repository),
      key,
    ),
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
    .option('--force', 'git-ai --write-notes: replace notes on refs/notes/ai that Trail did not write')
    .option(
      '--repo <name>',
      "intoto: the repository name in subjects (default: origin's ORG/NAME, else the folder name)",
    )
    .option(
      '--allow-unverified',
      'intoto: sign even though the ledger fails trail verify, leaving out the checkpoints of logs that fail',
    )
    .option('--json', 'one JSON document on stdout: the exported items as an array, or what was written')
    .action(async (options: ExportOptions) => {
      const ctx = context();
      if (!(FORMATS as readonly string[]).includes(options.format)) {
        throw new TrailError('USAGE', `--format must be one of ${FORMATS.join(', ')}`);
      }
      if (options.writeNotes && options.format !== 'git-ai') {
        throw new TrailError('USAGE', '--write-notes applies to --format git-ai only');
      }
      if (options.force && !options.writeNotes) {
        throw new TrailError('USAGE', '--force applies to --format git-ai --write-notes only');
      }
      if (options.allowUnverified && options.format !== 'intoto') {
        throw new TrailError('USAGE', '--allow-unverified applies to --format intoto only');
      }
      const repo = await findRepo(ctx.cwd);
      if (options.format === 'git-ai') return exportGitAi(repo, ctx.io, options);
      let items: unknown[];
      if (options.format === 'agent-trace') {
        // Agent Trace records are made from checkpoints alone.
        const index = await loadIndex(repo, { onlyKinds: ['checkpoint'] });
        items = checkpointsOldestFirst(index).map((c) => agentTraceRecord(c, VERSION));
      } else {
        items = await signedStatements(repo, ctx.io, options);
      }
      // Without --json, JSON Lines: one item per line, for tools that stream.
      if (options.json) printJson(ctx.io, items);
      else for (const item of items) ctx.io.stdout(`${JSON.stringify(item)}\n`);
    });
}
