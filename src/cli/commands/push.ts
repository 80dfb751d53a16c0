/**
 * `trail push`: sends this repository's ledger (every writer's log it holds), trusted keys, the
 * commits of the default branch and its `.trail/policy.yml` to a Trail server. Idempotent:
 * only what the server lacks is sent, and re-sent entries are no-ops. A log whose history
 * differs from what the server witnessed is refused (exit 1).
 */

import type { Command } from 'commander';
import { countLabel } from '../../core/count-label.js';
import { findRepo } from '../../ledger/repo.js';
import { ServerClient } from '../../server/client.js';
import type { StampsPushed } from '../../server/sync.js';
import { pushRepository, repoNameFor } from '../../server/sync.js';
import type { CommandContext } from '../context.js';
import { ExitCode, printJson, say } from '../output.js';
import { serverFor } from './pull.js';

interface PushOptions {
  server?: string;
  token?: string;
  repo?: string;
  commitsFrom?: string;
  json?: boolean;
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('push')
    .description(
      "send this repository's ledger, trusted keys, the default branch's commits and its policy to a Trail server",
    )
    .option('--server <url>', 'server URL (default: TRAIL_SERVER, then server.url in .trail/config.json)')
    .option('--token <token>', 'API token with the ingest role (default: TRAIL_TOKEN)')
    .option('--repo <name>', "the repository's name on the server (default: from the origin URL)")
    .option(
      '--commits-from <rev>',
      'the branch whose commits and policy go to the server (default: origin/HEAD, else main or master, else HEAD)',
    )
    .option('--json', 'machine output on stdout')
    .action(async (options: PushOptions) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      const { url, token } = serverFor(repo, options, ctx.env);
      const client = new ServerClient(url, token);
      const name = await repoNameFor(repo, options.repo, ctx.env);
      const report = await pushRepository(repo, client, name, undefined, options.commitsFrom);
      if (options.json) printJson(ctx.io, report);
      else {
        for (const w of report.writers) {
          const what =
            w.status === 'refused'
              ? `refused: ${w.error?.message}`
              : w.status === 'pushed'
                ? `pushed ${w.accepted} entr${w.accepted === 1 ? 'y' : 'ies'}${w.duplicates ? ` (${w.duplicates} already there)` : ''}`
                : w.status === 'behind'
                  ? `the server holds more (${w.server}); nothing to send`
                  : w.status === 'nothing-signed'
                    ? 'no signed entries to send'
                    : 'up to date';
          say(
            ctx.io,
            `${w.writerId}: ${what}${w.unsigned ? ` (${w.unsigned} unsigned entries not sent)` : ''}`,
          );
          if (w.stamps) say(ctx.io, `${w.writerId}: ${stampsLine(w.stamps)}`);
        }
        for (const keyId of report.keys.pending ?? []) {
          say(
            ctx.io,
            `key ${keyId}: registered, but ${report.repo}'s key set is locked on the server: an admin must approve it before logs it signs are accepted (trail admin approve-key ${keyId})`,
          );
        }
        const { history } = report;
        if (history.refused)
          say(ctx.io, `commits and policy of ${history.ref}: refused: ${history.refused.message}`);
        else if (history.head)
          say(
            ctx.io,
            `commits of ${history.ref}: ${history.commits.sent} sent (${history.commits.added} new to the server)${history.policyChanged ? '; .trail/policy.yml updated on the server' : ''}`,
          );
        if (history.shallow)
          say(
            ctx.io,
            'this clone is shallow: older commits of the branch could not be sent (fetch the whole history: git fetch --unshallow, or fetch-depth: 0 in CI)',
          );
        const pushed = report.writers.reduce((n, w) => n + w.accepted, 0);
        const refusedLogs = report.writers.filter((w) => w.status === 'refused').length;
        say(
          ctx.io,
          report.ok
            ? `pushed ${pushed} entr${pushed === 1 ? 'y' : 'ies'} of ${report.writers.length} log${report.writers.length === 1 ? '' : 's'} to ${report.server} as ${report.repo}`
            : refusedLogs > 0
              ? `push refused for ${countLabel(refusedLogs, 'log')}: the server flagged them (see GET /api/v1/alerts)`
              : 'push incomplete: the server did not take the commits and policy (see above)',
        );
      }
      if (!report.ok) throw new ExitCode(1);
    });
}

/** What became of the timestamp tokens a push sent for one log, in a line. */
function stampsLine(stamps: StampsPushed): string {
  if (stamps.unsupported) return `timestamp tokens not sent: ${stamps.unsupported}`;
  const parts = [`${stamps.stored} kept`];
  if (stamps.held > 0) parts.push(`${stamps.held} held already`);
  if (stamps.refused.length > 0) {
    const first = stamps.refused[0]!;
    parts.push(
      `${stamps.refused.length} refused (the head of size ${first.size}: ${first.why}${stamps.refused.length > 1 ? '; --json lists every one' : ''})`,
    );
  }
  return `${countLabel(stamps.sent, 'timestamp token')} sent: ${parts.join(', ')}`;
}
