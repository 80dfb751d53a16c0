/**
 * The `trail` CLI. This is the only place that prints errors and sets the exit status:
 * commands throw (TrailError for what a person can fix, ExitCode for a result such as a
 * failed verify) and `run` turns that into one line on stderr and a status.
 */
import { Command, CommanderError } from 'commander';
import { isTrailError } from '../core/errors.js';
import type { CommandContext } from './context.js';
import { contextFrom } from './context.js';
import type { Io } from './output.js';
import { ExitCode, processIo } from './output.js';
import type { Register } from './registry.js';
import { commandsFor } from './registry.js';
import { VERSION } from './version.js';

export { VERSION };

export function buildProgram(
  context: () => CommandContext,
  commands: readonly Register[],
  io: Io = processIo,
): Command {
  const program = new Command('trail')
    .description('Trail: a tamper-evident audit trail for AI-written code')
    .version(VERSION)
    .option('-C, --cwd <dir>', 'run as if started in <dir>')
    .exitOverride()
    // A command's help lists -C too: it is how report and verify-report take a repository's
    // path (--repo names a repository elsewhere).
    .configureHelp({ showGlobalOptions: true })
    // Commander's own errors (unknown option, missing argument) become one `trail:` line too;
    // set before the commands are added, so every subcommand inherits it.
    .configureOutput({
      writeOut: (s) => io.stderr(s),
      writeErr: (s) => io.stderr(s.startsWith('error: ') ? commanderErrorLine(s) : s),
    });
  for (const register of commands) register(program, context);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/**
 * Commander's error as one line: its suggestion for a mistyped option or command comes on a
 * second line ("(Did you mean --json?)"), which is joined to the first.
 */
function commanderErrorLine(message: string): string {
  const [first = '', ...rest] = message.slice('error: '.length).trim().split('\n');
  const suggestion = rest
    .join(' ')
    .trim()
    .replace(/^\(Did you mean/, '(did you mean');
  return `trail: ${[first.trim(), suggestion, '(see trail --help)'].filter(Boolean).join(' ')}\n`;
}

/** Runs the CLI in-process and returns the exit status; tests call this directly. */
export async function run(argv: readonly string[], io: Io = processIo, env = process.env): Promise<number> {
  let cwdOption: string | undefined;
  const program = buildProgram(() => contextFrom(cwdOption, io, env), await commandsFor(argv), io);
  program.hook('preAction', () => {
    cwdOption = program.opts<{ cwd?: string }>().cwd;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof ExitCode) return error.code;
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander; the message is already printed.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (isTrailError(error)) {
      // One line, whatever a message quotes (a path, a git or database message).
      io.stderr(`trail: ${error.message.replace(/\s*\n\s*/g, ' ')}\n`);
      return error.exitCode;
    }
    io.stderr(`trail: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    return 70;
  }
}

export async function main(argv: readonly string[]): Promise<void> {
  // A reader that stops early (`trail export … | head`) closes the pipe: what is left to print
  // has nowhere to go, which is no error of the command's, nor a reason for a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  process.exitCode = await run(argv);
}
