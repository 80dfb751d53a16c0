/** `trail record <kind>`: the generic way to append a record, from flags or a JSON file. */

import type { Command } from 'commander';
import { parseJson } from '../../core/canonical-json.js';
import { TrailError } from '../../core/errors.js';
import { provenanceSchema, RECORD_KINDS } from '../../core/records.js';
import { findRepo } from '../../ledger/repo.js';
import { appendAsThisClone, humanActor, withHeader } from '../../ledger/writer.js';
import type { CommandContext } from '../context.js';
import { parseFieldArgs } from '../field-args.js';
import { readInput } from '../files.js';
import { printJson, say } from '../output.js';

function readRecordsFile(path: string, cwd: string): unknown[] {
  const text = readInput(path, cwd).toString('utf8');
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return parseJson(trimmed, path) as unknown[];
  if (trimmed.startsWith('{') && !trimmed.includes('\n{')) return [parseJson(trimmed, path)];
  return trimmed
    .split('\n')
    .filter((l) => l.trim())
    .map((line, i) => parseJson(line, `${path} line ${i + 1}`));
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('record')
    .description(
      `append a record: trail record <kind> [--field value]... | --file F (kinds: ${RECORD_KINDS.join(', ')})`,
    )
    .argument('[kind]', 'record kind')
    .option('-f, --file <path>', 'JSON record, array or JSON Lines file ("-" for stdin)')
    .option(
      '--provenance <p>',
      'where the statements come from: observed|transcript|agent-reported|human',
      'human',
    )
    .option('--json', 'machine output on stdout')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .helpOption('-h, --help')
    .action(
      async (
        kind: string | undefined,
        options: { file?: string; provenance: string; json?: boolean },
        cmd: Command,
      ) => {
        const ctx = context();
        const repo = await findRepo(ctx.cwd);
        const provenance = provenanceSchema.safeParse(options.provenance);
        if (!provenance.success)
          throw new TrailError('USAGE', `--provenance must be one of ${provenanceSchema.options.join(', ')}`);
        const actor = await humanActor(repo);
        let inputs: unknown[];
        if (options.file) {
          const flags = stripKnown(cmd.args.slice(1));
          // Fields given beside a file would be dropped without a word: refuse instead.
          if (flags.length > 0) {
            throw new TrailError(
              'USAGE',
              `give the fields in --file or as flags, not both (${flags.filter((a) => a.startsWith('--')).join(' ')})`,
            );
          }
          inputs = readRecordsFile(options.file, ctx.cwd).map((r) =>
            r && typeof r === 'object' && !Array.isArray(r)
              ? withHeader(
                  { ...(kind ? { kind } : {}), ...(r as Record<string, unknown>) },
                  { actor, provenance: provenance.data },
                )
              : r,
          );
        } else {
          if (!kind) throw new TrailError('USAGE', 'name a record kind, or give --file');
          const fields = parseFieldArgs(stripKnown(cmd.args.slice(1)));
          inputs = [withHeader({ kind, ...fields }, { actor, provenance: provenance.data })];
        }
        const result = await appendAsThisClone(repo, inputs).catch((error: unknown) => {
          // A flag's value that reads as a number is parsed as one (parseFieldArgs); say how
          // to keep it text, since the schema's message alone does not.
          if (
            !options.file &&
            error instanceof TrailError &&
            /expected string, received (number|boolean)/.test(error.message)
          ) {
            throw new TrailError(
              error.code,
              `${error.message} (a flag's value that reads as a number or boolean is parsed as one; to keep it text, quote it as JSON: --field '"123"')`,
            );
          }
          throw error;
        });
        if (options.json)
          return printJson(ctx.io, {
            writerId: result.writerId,
            firstSeq: result.firstSeq,
            ids: result.ids,
            redactions: result.redactions,
          });
        for (const r of result.redactions) {
          const which = result.ids.length === 1 ? '' : `record ${r.record + 1}, `;
          say(
            ctx.io,
            `redacted ${r.count} secret${r.count === 1 ? '' : 's'} (${r.rule}) in ${which}${r.field}`,
          );
        }
        say(
          ctx.io,
          `recorded ${result.ids.length} record${result.ids.length === 1 ? '' : 's'}: ${result.ids.map((id) => id.slice(0, 12)).join(', ')}`,
        );
      },
    );
}

/** Commander leaves the unknown --field pairs in args; drop the options it already handled. */
function stripKnown(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') continue;
    if (a === '--provenance' || a === '--file' || a === '-f') {
      i++;
      continue;
    }
    if (a.startsWith('--provenance=') || a.startsWith('--file=')) continue;
    out.push(a);
  }
  return out;
}
