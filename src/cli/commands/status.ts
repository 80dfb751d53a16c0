/** `trail status`: is Trail set up here, what has it recorded, what is missing. */

import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Command } from 'commander';
import { gapsFile, readGaps } from '../../capture/gaps.js';
import { perUserCaptureGone } from '../../capture/install-agents.js';
import { pendingSessions } from '../../capture/pending-sessions.js';
import { loadSealState } from '../../capture/seal-state.js';
import { currentSession, hasSpool, sessionAwaitingCommit, spoolDir } from '../../capture/spool.js';
import { configuredAuthority } from '../../capture/stamp-on-push.js';
import { countLabel } from '../../core/count-label.js';
import { fileError } from '../../core/errors.js';
import { GIT_HOOKS, hooksDir, isTrailHook } from '../../git/hooks.js';
import { hasTrailRefspec, listRemotes } from '../../git/remote-config.js';
import { trailAliasState } from '../../git/trail-alias.js';
import { listTrustedKeys, loadWriterKey } from '../../ledger/keys.js';
import { listLogRefs, ownHeads } from '../../ledger/log-store.js';
import type { Repo } from '../../ledger/repo.js';
import { findRepo, isInitialised } from '../../ledger/repo.js';
import { configPath } from '../../ledger/repo-paths.js';
import { authoritiesDir, listAuthorities } from '../../ledger/timestamp-authorities.js';
import type { CommandContext } from '../context.js';
import { printJson, say } from '../output.js';
import { trailCommand } from '../trail-command.js';

interface TimestampStatus {
  /** The authority git push asks (`timestamp.url`), if one is set. */
  url: string | null;
  /** Authorities trusted in `.trail/timestamping/`. */
  authorities: number;
  /** This writer's newest signed head, and the newest head a token sits beside. */
  newestHead: number;
  newestStamped: number | null;
}

/** Undefined where timestamps are not in use: no authority set, none trusted. */
async function timestampStatus(
  repo: Repo,
  writerId: string | undefined,
  read: <T>(path: string, fallback: T, reading: () => T) => T,
): Promise<TimestampStatus | undefined> {
  const url = read(configPath(repo), undefined, () => configuredAuthority(repo)) ?? null;
  const authorities = read(authoritiesDir(repo), [], () => listAuthorities(repo)).length;
  if (url === null && authorities === 0) return undefined;
  const own = writerId ? await ownHeads(repo, writerId) : undefined;
  return { url, authorities, newestHead: own?.newestHead ?? 0, newestStamped: own?.newestStamped ?? null };
}

function timestampLine(t: TimestampStatus): string {
  const how = t.url ? `git push has ${t.url} stamp it` : 'trail timestamp --url URL stamps it';
  const trust = t.authorities === 0 ? '; no authority is trusted yet (trail timestamp trust FILE)' : '';
  if (t.newestHead === 0) return `timestamps: this clone has signed no head yet${trust}`;
  if (t.newestStamped === t.newestHead)
    return `timestamps: the newest head (size ${t.newestHead}) has a token${trust}`;
  const last =
    t.newestStamped === null ? 'no head has one yet' : `the newest with one is size ${t.newestStamped}`;
  return `timestamps: the newest head (size ${t.newestHead}) has no token (${last}): ${how}${trust}`;
}

/** How long an open session may record nothing before status points it out. */
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('status')
    .description('show whether Trail is set up, its logs, hooks and capture gaps')
    .option('--json', 'machine output on stdout')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      const initialised = isInitialised(repo);
      /** What could not be read: status is where a broken set-up should show, not crash. */
      const problems: string[] = [];
      const read = <T>(path: string, fallback: T, reading: () => T): T =>
        readOrNote(repo.workTree, problems, path, fallback, reading);
      const dir = await hooksDir(repo.workTree);
      const hooks = Object.fromEntries(
        GIT_HOOKS.map((h) => [h, read(join(dir, h), false, () => isTrailHook(join(dir, h)))]),
      );
      const remotes = await listRemotes(repo.workTree);
      const refspecs = Object.fromEntries(
        await Promise.all(remotes.map(async (r) => [r, await hasTrailRefspec(repo.workTree, r)] as const)),
      );
      const logs = await listLogRefs(repo);
      const alias = await trailAliasState(repo.workTree, trailCommand());
      const gaps = read(gapsFile(repo.stateDir), [], () => readGaps(repo.stateDir));
      const sealState = initialised ? loadSealState(repo) : undefined;
      // Those since the last seal reach the ledger with the next seal; the rest are in it.
      const waitingGaps = sealState
        ? read(gapsFile(repo.stateDir), [], () => readGaps(repo.stateDir, sealState.gapsOffset)).length
        : 0;
      const captureGone = read(join(repo.stateDir, 'backup', 'manifest.json'), [], () =>
        perUserCaptureGone(repo),
      );
      const current = currentSession(repo);
      // An ended session waiting for the commit of its work: gone from the spool once carried.
      const awaiting = sessionAwaitingCommit(repo);
      const awaitingCommit = awaiting && hasSpool(repo.stateDir, awaiting.key) ? awaiting : undefined;
      const pending = sealState
        ? read(join(spoolDir(repo.stateDir), 'sessions'), [], () => pendingSessions(repo, sealState))
        : [];
      const unsealed = pending.length;
      // Ended having changed nothing, never carried: no commit will take these to the ledger.
      const idle = pending.filter((p) => p.waits === 'nothing').length;
      // Open, with nothing recorded for a day: most likely an agent that went away without
      // ending (a closed terminal, a crash), whose session no end hook will ever close.
      const dayAgo = new Date(Date.now() - STALE_AFTER_MS).toISOString();
      const stale = pending.filter((p) => p.waits === 'open' && p.lastActivity < dayAgo).length;
      const writerId = initialised
        ? read(join(repo.stateDir, 'keys', 'writer.pem'), undefined, () => loadWriterKey(repo).keyId)
        : undefined;
      const timestamps = await timestampStatus(repo, writerId, read);
      const status = {
        initialised,
        writerId,
        trustedKeys: read(join(repo.configDir, 'keys'), [], () => listTrustedKeys(repo)).length,
        logs: logs.map((l) => ({ writerId: l.writerId, ref: l.ref, remote: l.remote })),
        hooks,
        /** `git trail`, which committed agent settings and Husky's scripts run. */
        alias,
        remotes: refspecs,
        pushPending: existsSync(join(repo.stateDir, 'push-pending')),
        // This worktree's: commits made here while it is current are sealed with it.
        currentSession: current
          ? { sessionId: current.sessionId, agent: current.agent, startedAt: current.startedAt }
          : null,
        /** An ended session the next commit of one of `paths` carries (trail session end). */
        awaitingCommit: awaitingCommit
          ? { sessionId: awaitingCommit.sessionId, agent: awaitingCommit.agent, paths: awaitingCommit.paths }
          : null,
        /** Sessions with captured work no commit has sealed yet. */
        unsealedSessions: unsealed,
        /** Of those, sessions that ended having changed nothing: no commit carries them. */
        idleSessions: idle,
        /** Of those, sessions still open with nothing recorded for a day. */
        staleSessions: stale,
        gaps,
        /** How many of `gaps` no checkpoint has carried into the ledger yet. */
        unsealedGaps: waitingGaps,
        /** Files of this clone's set-up that could not be read, one line each. */
        problems,
        /** Per-user agent settings Trail installed for this clone that no longer call it. */
        captureGone,
        /** RFC 3161 timestamps of this writer's log, where an authority is set or trusted. */
        timestamps,
      };
      if (options.json) return printJson(ctx.io, status);
      for (const problem of [...problems, ...captureGone]) say(ctx.io, `problem: ${problem}`);
      if (!initialised) {
        say(ctx.io, 'Trail is not set up in this repository: run `trail init`');
        return;
      }
      say(
        ctx.io,
        `writer key ${status.writerId}; ${countLabel(status.trustedKeys, 'trusted key')}; ${countLabel(logs.length, 'log')}`,
      );
      const missing = GIT_HOOKS.filter((h) => !hooks[h]);
      say(
        ctx.io,
        missing.length === 0 ? 'git hooks: all installed' : `git hooks missing: ${missing.join(', ')}`,
      );
      if (alias === 'missing')
        say(
          ctx.io,
          '`git trail` is not defined in this clone: agent hooks committed here fail until `trail init`',
        );
      if (alias === 'other')
        say(
          ctx.io,
          '`git trail` runs another Node or Trail checkout than this one: `trail init` points it here',
        );
      for (const [remote, ok] of Object.entries(refspecs)) {
        say(
          ctx.io,
          `remote ${remote}: ${ok ? 'fetch carries Trail refs' : 'Trail refs not configured (run trail init)'}`,
        );
      }
      if (status.pushPending) say(ctx.io, 'Trail refs are waiting to be pushed (the next git push retries)');
      if (timestamps) say(ctx.io, timestampLine(timestamps));
      if (current) {
        say(
          ctx.io,
          `current session: ${current.sessionId} (${current.agent}, since ${current.startedAt}): commits made here go with it until trail session end`,
        );
      }
      if (awaitingCommit) {
        const paths = awaitingCommit.paths;
        say(
          ctx.io,
          `ended session ${awaitingCommit.sessionId} (${awaitingCommit.agent}) goes with the next commit of ${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ` or ${countLabel(paths.length - 3, 'other file')}` : ''}`,
        );
      }
      if (unsealed > 0) {
        say(
          ctx.io,
          `unsealed work: ${unsealed} session${unsealed === 1 ? '' : 's'} (sealed with the next commit that carries ${unsealed === 1 ? 'it' : 'them'})`,
        );
      }
      if (idle > 0) {
        say(
          ctx.io,
          `  ${idle} of them ended having changed nothing, so no commit will: trail session list names them, trail session end --session ID seals one`,
        );
      }
      if (stale > 0) {
        say(
          ctx.io,
          `  ${stale} of them never ended and recorded nothing for a day: trail session list names them, trail session end --session ID ends one`,
        );
      }
      if (gaps.length === 0) say(ctx.io, 'capture gaps: none');
      else {
        say(
          ctx.io,
          `capture gaps: ${gaps.length}${waitingGaps > 0 ? ` (${waitingGaps} not yet in the ledger: the next commit made in this clone carries them)` : ', all in the ledger'}`,
        );
        for (const g of gaps.slice(-10))
          say(ctx.io, `  ${g.at} ${g.agent ?? ''} ${g.hook ?? ''}: ${g.what}: ${g.why}`);
      }
    });
}

/**
 * `reading()`, or `fallback` with a line in `problems` when a file it reads cannot be read (a
 * folder that is a file, a file that is a folder, no permission): named by the error's path,
 * or else by `path`, what `reading` reads. Any other error is thrown.
 */
function readOrNote<T>(workTree: string, problems: string[], path: string, fallback: T, reading: () => T): T {
  try {
    return reading();
  } catch (error) {
    const { code, syscall, path: failed = path } = error as NodeJS.ErrnoException;
    // Only the file system's errors: they carry the call that failed.
    if (typeof code !== 'string' || typeof syscall !== 'string') throw error;
    const shown = failed.startsWith(`${workTree}${sep}`) ? relative(workTree, failed) : failed;
    // readdir of a file: the file is the path itself, not a part of it (fileError's wording).
    const problem =
      code === 'ENOTDIR' && syscall === 'scandir'
        ? `cannot read ${shown}: it is a file, not a folder`
        : fileError('read', shown, error).message;
    // The same file may be read twice (the gaps, for all and for those not yet sealed).
    if (!problems.includes(problem)) problems.push(problem);
    return fallback;
  }
}
