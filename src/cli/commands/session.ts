/**
 * `trail session start|end|current`: a session for an agent Trail has no hooks for. The
 * session's request (tickets, requester, approval, acceptance criteria) goes into the spool
 * with its first line, and the session becomes this clone's current one: `trail exec`, the
 * MCP tool and the SDK record into it until `trail session end` (TRAIL_SESSION_ID overrides).
 */
import type { Command } from 'commander';
import type { ApprovalState } from '../../capture/manual-session.js';
import {
  APPROVAL_STATES,
  awaitCommit,
  currentSession,
  endSession,
  findSession,
  startSession,
  ticketRef,
} from '../../capture/manual-session.js';
import { sealEndedSessions, sealSessionAlone } from '../../capture/seal.js';
import { TrailError } from '../../core/errors.js';
import { findRepo, requireInitialised } from '../../ledger/repo.js';
import type { CommandContext } from '../context.js';
import { collect } from '../option-values.js';
import { ExitCode, printJson, say } from '../output.js';

interface StartOptions {
  agent?: string;
  model?: string;
  ticket?: string[];
  requester?: string;
  approval?: string;
  criteria?: string[];
  prompt?: string;
  json?: boolean;
}

export function register(program: Command, context: () => CommandContext): void {
  const session = program
    .command('session')
    .description(
      'start and end a session for an agent without Trail hooks (trail session start|end|current)',
    );

  session
    .command('start')
    .description('start a session and make it current for this clone; prints its id')
    .option('--agent <name>', 'the agent doing the work (default: $TRAIL_AGENT or "generic")')
    .option('--model <model>', 'the model it runs')
    .option('--ticket <id|url>', 'ticket the work is for (repeat for several)', collect)
    .option('--requester <email>', 'who asked for the work')
    .option('--approval <state>', `approval state of the request: ${APPROVAL_STATES.join('|')}`)
    .option('--criteria <text>', 'an acceptance criterion (repeat for several)', collect)
    .option('--prompt <text>', 'the request as given to the agent')
    .option('--json', 'machine output on stdout')
    .action(async (options: StartOptions) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      requireInitialised(repo);
      if (options.approval !== undefined && !APPROVAL_STATES.includes(options.approval as ApprovalState)) {
        throw new TrailError('USAGE', `--approval must be one of ${APPROVAL_STATES.join(', ')}`);
      }
      const previous = currentSession(repo);
      const handle = startSession(repo, {
        ...(options.agent ? { agent: options.agent } : {}),
        ...(options.model ? { model: options.model } : {}),
        request: {
          tickets: (options.ticket ?? []).map(ticketRef),
          ...(options.requester ? { requester: options.requester } : {}),
          ...(options.approval ? { approvalState: options.approval as ApprovalState } : {}),
          acceptanceCriteria: options.criteria ?? [],
        },
        ...(options.prompt ? { prompt: options.prompt } : {}),
        cwd: ctx.cwd,
        makeCurrent: true,
        env: ctx.env,
      });
      if (options.json) {
        printJson(ctx.io, {
          sessionId: handle.sessionId,
          agent: handle.agent,
          ...(previous ? { replaced: previous.sessionId } : {}),
        });
        return;
      }
      ctx.io.stdout(`${handle.sessionId}\n`);
      if (previous && previous.sessionId !== handle.sessionId) {
        say(
          ctx.io,
          `session ${previous.sessionId} is no longer current (still open: trail session end --session ${previous.sessionId})`,
        );
      }
      say(
        ctx.io,
        `started session ${handle.sessionId} (${handle.agent}); trail exec, trail mcp and the SDK record into it until trail session end`,
      );
    });

  session
    .command('end')
    .description('end the current session (or the one named by --session / TRAIL_SESSION_ID)')
    .option('--session <id>', 'the session to end')
    .option('--reason <text>', 'why it ended')
    .option('--json', 'machine output on stdout')
    .action(async (options: { session?: string; reason?: string; json?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      requireInitialised(repo);
      const wanted = options.session?.trim() || ctx.env.TRAIL_SESSION_ID?.trim() || undefined;
      const handle = wanted ? findSession(repo, wanted) : currentSession(repo);
      if (!handle) {
        throw new TrailError(
          'NOT_FOUND',
          wanted
            ? `no session ${wanted} in this clone's spool`
            : 'no current session: start one with trail session start',
        );
      }
      const current = currentSession(repo);
      endSession({ ...handle, repo }, options.reason);
      // A session already carried by a commit gets its end into the ledger now; one with
      // edits no commit carries yet waits for that commit, so its events stay linked to it.
      const { closed = [] } = await sealEndedSessions(repo);
      const sealed = closed.includes(handle.key);
      // Never carried: an agent without hooks whose work is committed after the session. The
      // files changed since it started wait for the commit that holds them.
      const awaiting =
        !sealed && current?.key === handle.key ? awaitCommit(repo, handle, current.startedAt) : [];
      // Nor will any commit carry a session that changed nothing: it is sealed now, alone.
      const alone =
        !sealed && current?.key === handle.key && awaiting.length === 0
          ? ((await sealSessionAlone(repo, handle.key)).closed ?? []).includes(handle.key)
          : false;
      if (options.json) {
        printJson(ctx.io, {
          sessionId: handle.sessionId,
          agent: handle.agent,
          ended: true,
          sealed: sealed || alone,
          awaitingCommit: awaiting,
        });
        return;
      }
      const files = `${awaiting.length} file${awaiting.length === 1 ? '' : 's'}`;
      say(
        ctx.io,
        sealed
          ? `ended session ${handle.sessionId}; its end is sealed in the ledger`
          : awaiting.length > 0
            ? `ended session ${handle.sessionId}; it goes with the next commit that holds one of the ${files} changed since it started (${awaiting.slice(0, 3).join(', ')}${awaiting.length > 3 ? ', …' : ''})`
            : alone
              ? `ended session ${handle.sessionId}; no commit carried it and no file changed since it started, so it is sealed in the ledger now, with no checkpoint`
              : `ended session ${handle.sessionId}; no commit carried it and no file changed since it started, so nothing will: a commit made while a session is current carries it`,
      );
    });

  session
    .command('current')
    .description('print the current session id (exit 1 when there is none)')
    .option('--json', 'machine output on stdout')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      const current = currentSession(repo);
      if (options.json) {
        printJson(ctx.io, current ? { sessionId: current.sessionId, agent: current.agent } : null);
      } else if (current) {
        ctx.io.stdout(`${current.sessionId}\n`);
      }
      if (!current) {
        if (!options.json) say(ctx.io, 'no current session (trail session start makes one)');
        throw new ExitCode(1);
      }
    });
}
