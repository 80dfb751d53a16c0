/**
 * `trail pull`: fetches from a Trail server what others pushed for this repository, as
 * log copies under refs/trail/remotes/<server>/logs/<writer>, after checking with a
 * consistency proof that the server's logs extend the copies pulled before.
 */
import type { Command } from 'commander';
import { TrailError } from '../../core/errors.js';
import { loadConfig } from '../../ledger/config.js';
import type { Repo } from '../../ledger/repo.js';
import { findRepo } from '../../ledger/repo.js';
import { ServerClient } from '../../server/client.js';
import { pullRepository, remoteNameFor, repoNameFor } from '../../server/sync.js';
import type { CommandContext } from '../context.js';
import { ExitCode, printJson, say } from '../output.js';

/** The server URL and token from flags, the environment, then `.trail/config.json`. */
export function serverFor(
  repo: Repo | undefined,
  options: { server?: string; token?: string },
  env: NodeJS.ProcessEnv,
): { url: string; token: string | undefined } {
  const url = options.server ?? env.TRAIL_SERVER ?? (repo ? loadConfig(repo).server.url : undefined);
  if (!url) {
    throw new TrailError(
      'USAGE',
      'no Trail server given: pass --server URL, set TRAIL_SERVER, or set server.url in .trail/config.json',
    );
  }
  return { url, token: options.token ?? env.TRAIL_TOKEN };
}

interface PullOptions {
  server?: string;
  token?: string;
  repo?: string;
  name?: string;
  json?: boolean;
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('pull')
    .description('fetch the logs others pushed to a Trail server for this repository')
    .option('--server <url>', 'server URL (default: TRAIL_SERVER, then server.url in .trail/config.json)')
    .option('--token <token>', 'API token (ingest, auditor or admin; default: TRAIL_TOKEN)')
    .option('--repo <name>', "the repository's name on the server (default: from the origin URL)")
    .option('--name <remote>', 'name for refs/trail/remotes/<name>/ (default: from the server address)')
    .option('--json', 'machine output on stdout')
    .action(async (options: PullOptions) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      const { url, token } = serverFor(repo, options, ctx.env);
      const client = new ServerClient(url, token);
      const name = await repoNameFor(repo, options.repo, ctx.env);
      const report = await pullRepository(repo, client, name, options.name ?? remoteNameFor(client.baseUrl));
      if (options.json) printJson(ctx.io, report);
      else {
        for (const w of report.writers) {
          if (w.stamps) {
            say(
              ctx.io,
              `${w.writerId}: ${w.stamps} timestamp token${w.stamps === 1 ? '' : 's'} into ${w.ref} (trail verify checks them against .trail/timestamping/)`,
            );
          }
          if (w.status === 'up-to-date') continue;
          say(
            ctx.io,
            w.status === 'pulled'
              ? `${w.writerId}: pulled ${w.fetched} entr${w.fetched === 1 ? 'y' : 'ies'} into ${w.ref}${w.message ? ` (${w.message})` : ''}${w.untrustedKey ? ' (key not trusted here: trail keys trust)' : ''}`
              : `${w.writerId}: ${w.message}`,
          );
        }
        const fetched = report.writers.reduce((n, w) => n + w.fetched, 0);
        say(
          ctx.io,
          `pulled ${fetched} entr${fetched === 1 ? 'y' : 'ies'} from ${report.server} (${report.repo}); run trail verify`,
        );
      }
      if (!report.ok) throw new ExitCode(1);
    });
}
