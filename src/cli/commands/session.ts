/**
 * `trail session start|end|current`: a session for an agent Trail has no hooks for. The
 * session's request (tickets, requester, approval, acceptance criteria) goes into the spool
 * with its first line, and the session becomes this clone's current one: `trail exec`, the
 * MCP tool and the SDK record into it until `trail session end` (TRAIL_SESSION_ID overrides).
 * `trail session list` shows every session waiting in the spool, an agent's too, and what it
 * waits for; `trail session end --session ID` ends and seals one no commit will carry.
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
import type { PendingSession } from '../../capture/pending-sessions.js';
import { pendingSessions } from '../../capture/pending-sessions.js';
import { sealEndedSessions, sealSessionAlone, sealSessionIfIdle } from '../../capture/seal.js';
import { countLabel } from '../../core/count-label.js';
import { TrailError } from '../../core/errors.js';
import { shellQuote } from '../../git/hooks.js';
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
      'start and end a session for an agent without Trail hooks; list the sessions waiting for a commit (trail session start|end|current|list)',
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
    .option(
      '--seal-now',
      'seal it now, with no checkpoint, even if files changed since it started (none of them is its work)',
    )
    .option('--json', 'machine output on stdout')
    .action(async (options: { session?: string; reason?: string; sealNow?: boolean; json?: boolean }) => {
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
      const isCurrent = current?.key === handle.key;
      const pending = pendingSessions(repo).find((p) => p.key === handle.key);
      // Ended from here, the files it changed there would not wait for their commit.
      if (pending?.currentIn !== undefined && !options.sealNow) {
        throw new TrailError(
          'USAGE',
          `session ${handle.sessionId} is current in the worktree ${pending.currentIn}: end it there (cd ${shellQuote(pending.currentIn)} && trail session end), where the files it changed wait for their commit; --seal-now ends and seals it from here if none of them is its work`,
        );
      }
      // Its edits belong to the commit that holds them: sealed alone, they would lose that link.
      if (options.sealNow && pending && pending.edited.length > 0) {
        throw new TrailError(
          'USAGE',
          `session ${handle.sessionId} edited ${countLabel(pending.edited.length, 'file')} no commit has carried yet (${listed(pending.edited)}): it goes with the commit that holds them, so --seal-now does not apply`,
        );
      }
      // An agent's session that ended already (its hook wrote the end) is not ended twice.
      if (isCurrent || !pending?.ended) endSession({ ...handle, repo }, options.reason);
      // A session already carried by a commit gets its end into the ledger now; one with
      // edits no commit carries yet waits for that commit, so its events stay linked to it.
      const { closed = [] } = await sealEndedSessions(repo);
      const sealed = closed.includes(handle.key);
      const edited = sealed ? [] : (pending?.edited ?? []);
      // Never carried: an agent without hooks whose work is committed after the session. The
      // files changed since it started wait for the commit that holds them.
      const awaiting =
        !sealed && isCurrent && !options.sealNow && current
          ? awaitCommit(repo, handle, current.startedAt)
          : [];
      // Nor will any commit carry a session that changed nothing: it is sealed now, alone. Another
      // session (an agent's, ended or gone) is sealed so when its worktree shows no file changed
      // since it started either, as its own end hook would have.
      const mayCloseAlone = !sealed && edited.length === 0 && awaiting.length === 0;
      let alone = false;
      // What keeps another session waiting, when nothing it recorded does: files changed since.
      let changedSince: string[] = [];
      if (mayCloseAlone && (isCurrent || options.sealNow)) {
        alone = ((await sealSessionAlone(repo, handle.key)).closed ?? []).includes(handle.key);
      } else if (mayCloseAlone) {
        const idle = await sealSessionIfIdle(repo, handle.key);
        alone = (idle.closed ?? []).includes(handle.key);
        changedSince = idle.changedSinceStart;
      }
      if (options.json) {
        printJson(ctx.io, {
          sessionId: handle.sessionId,
          agent: handle.agent,
          ended: true,
          sealed: sealed || alone,
          awaitingCommit: awaiting,
          edited,
          changedSinceStart: changedSince,
        });
        return;
      }
      const files = countLabel(awaiting.length, 'file');
      say(
        ctx.io,
        sealed
          ? `ended session ${handle.sessionId}; its end is sealed in the ledger`
          : awaiting.length > 0
            ? `ended session ${handle.sessionId}; it goes with the next commit that holds one of the ${files} changed since it started (${listed(awaiting)})`
            : edited.length > 0
              ? `ended session ${handle.sessionId}; it goes with the next commit that holds what it edited (${listed(edited)})`
              : alone
                ? `ended session ${handle.sessionId}; no commit carried it${options.sealNow ? '' : ' and no file changed since it started'}, so it is sealed in the ledger now, with no checkpoint`
                : changedSince.length > 0
                  ? `ended session ${handle.sessionId}; files changed here since it started (${listed(changedSince)}), so it waits for the commit that holds them in case a command it ran wrote them. If none is its work: trail session end --session ${handle.sessionId} --seal-now`
                  : `ended session ${handle.sessionId}; it waits for the next commit that carries it`,
      );
    });

  session
    .command('list')
    .description("the sessions waiting in this clone's spool, and what each waits for")
    .option('--json', 'machine output on stdout')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      requireInitialised(repo);
      const pending = pendingSessions(repo);
      if (options.json) {
        printJson(
          ctx.io,
          pending.map(({ key: _key, ...session }) => session),
        );
        return;
      }
      if (pending.length === 0) say(ctx.io, "no session is waiting in this clone's spool");
      for (const p of pending) {
        const when = `${(p.startedAt ?? p.lastActivity).slice(0, 16).replace('T', ' ')}`;
        say(ctx.io, `${p.sessionId}  ${p.agent}  ${when}  ${waitText(p)}`);
      }
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

/** The first few of `paths`, for a one-line message. */
function listed(paths: readonly string[]): string {
  return `${paths.slice(0, 3).join(', ')}${paths.length > 3 ? `, and ${countLabel(paths.length - 3, 'other')}` : ''}`;
}

/** What a pending session waits for, as `trail session list` says it. */
function waitText(p: PendingSession): string {
  switch (p.waits) {
    case 'current':
      return 'current in this worktree: a commit made now carries it (trail session end ends it)';
    case 'current-elsewhere':
      return `current in the worktree ${p.currentIn}: a commit made there carries it (trail session end, there, ends it)`;
    case 'awaiting-commit':
      return 'ended: the next commit of a file changed while it ran carries it';
    case 'edits':
      return `edited ${countLabel(p.edited.length, 'file')} (${listed(p.edited)}): the commit that holds them carries it`;
    case 'next-commit':
      return 'checks run here: the next commit in their worktree carries them';
    case 'end':
      return 'ended: the next commit here seals its end';
    case 'open':
      return `open since ${p.lastActivity.slice(0, 16).replace('T', ' ')}, no end seen: trail session end --session ${p.sessionId} ends it`;
    case 'nothing':
      return `ended having changed nothing, and no commit will carry it: trail session end --session ${p.sessionId} seals it`;
  }
}
