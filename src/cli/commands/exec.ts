/**
 * `trail exec [--check NAME] [--session ID] -- CMD...`: runs a check with its output shown
 * live, records the command and its validation (passed or failed, which attempt) in the
 * session, and exits with the command's own status. Recording never stands between the
 * person and their command: if Trail cannot record, the command still runs, the reason is
 * noted as a capture gap, and the exit status is still the command's.
 */
import type { Command } from 'commander';
import { recordRun, runCommand } from '../../capture/exec.js';
import { recordGap } from '../../capture/gaps.js';
import type { ResolvedSession } from '../../capture/manual-session.js';
import { captureReady, resolveSession } from '../../capture/manual-session.js';
import { findRepoFast } from '../../capture/repo-fast.js';
import { TrailError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';
import { ExitCode, printJson, say } from '../output.js';

interface ExecOptions {
  check?: string;
  session?: string;
  json?: boolean;
}

// Outside any session, checks go to the day session (day-session.ts): say where they end up.
const AUTO_SESSION_HINT = ' (no session is current here: the next commit made in this worktree carries it)';

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('exec')
    .description('run a check and record it: trail exec [--check NAME] [--session ID] -- CMD...')
    .argument('<command...>', 'the command and its arguments, after --')
    .option(
      '--check <name>',
      'the check this command is (default: from the check patterns, else the program)',
    )
    .option(
      '--session <id>',
      'record into this session (default: $TRAIL_SESSION_ID, the current one, or exec-<date>)',
    )
    .option('--json', 'machine output on stdout (the command’s own stdout then goes to stderr)')
    .action(async (argv: string[], options: ExecOptions) => {
      const ctx = context();
      if (argv.length === 0) throw new TrailError('USAGE', 'name a command to run after --');
      const repo = findRepoFast(ctx.cwd);
      let session: ResolvedSession | undefined;
      let notRecorded: string | undefined;
      if (!repo) notRecorded = 'not inside a git repository';
      else if (!captureReady(repo)) notRecorded = 'Trail is not set up in this repository (trail init)';
      else {
        try {
          session = resolveSession(repo, {
            ...(options.session ? { explicit: options.session } : {}),
            env: ctx.env,
            autoPrefix: 'exec',
            hook: 'exec',
          });
        } catch (error) {
          notRecorded = (error as Error).message;
        }
      }

      const result = await runCommand(argv, {
        cwd: ctx.cwd,
        env: ctx.env,
        stdout: options.json ? ctx.io.stderr : ctx.io.stdout,
        stderr: ctx.io.stderr,
        inheritStdin: true,
      });

      let recorded: ReturnType<typeof recordRun> | undefined;
      if (session) {
        try {
          recorded = recordRun(session, {
            argv,
            result,
            ...(options.check ? { check: options.check } : {}),
          });
        } catch (error) {
          notRecorded = (error as Error).message;
          recordGap(session.repo, {
            what: 'trail exec',
            why: notRecorded,
            agent: session.agent,
            hook: 'exec',
            sessionId: session.sessionId,
          });
        }
      }

      if (options.json) {
        printJson(ctx.io, {
          exitCode: result.exitCode,
          durationMs: result.durationMs,
          ...(result.signal ? { signal: result.signal } : {}),
          recorded: recorded !== undefined,
          ...(recorded && session
            ? {
                sessionId: session.sessionId,
                agent: session.agent,
                check: recorded.check,
                status: recorded.status,
                attempt: recorded.attempt,
              }
            : { reason: notRecorded }),
        });
      } else if (recorded && session) {
        say(
          ctx.io,
          `trail: check ${recorded.check} ${recorded.status} (attempt ${recorded.attempt}, exit ${result.exitCode}); recorded in session ${session.sessionId}${session.via === 'auto' ? AUTO_SESSION_HINT : ''}`,
        );
      } else {
        say(ctx.io, `trail: not recorded: ${notRecorded}`);
      }
      if (result.exitCode !== 0) throw new ExitCode(result.exitCode);
    });
}
