/**
 * Every command, one module each, in the order `trail --help` lists them. Modules load on
 * demand: a run imports only the command it runs (a git hook must not pay for the PDF
 * renderer or the server), `--version` none, while `--help` and unknown commands load them all.
 * So a command whose implementation is heavy (the server, PDF rendering, the MCP SDK, XML
 * parsing) imports it inside its action: listing it costs only its options.
 */
import type { Command } from 'commander';
import type { CommandContext } from './context.js';

export type Register = (program: Command, context: () => CommandContext) => void;

type Loader = () => Promise<{ register: Register }>;

export const COMMAND_LOADERS: ReadonlyArray<readonly [string, Loader]> = [
  ['init', () => import('./commands/init.js')],
  ['status', () => import('./commands/status.js')],
  ['keys', () => import('./commands/keys.js')],
  ['record', () => import('./commands/record.js')],
  ['verify', () => import('./commands/verify.js')],
  ['timestamp', () => import('./commands/timestamp.js')],
  ['hook', () => import('./commands/hook.js')],
  ['uninstall', () => import('./commands/uninstall.js')],
  ['session', () => import('./commands/session.js')],
  ['exec', () => import('./commands/exec.js')],
  ['mcp', () => import('./commands/mcp.js')],
  ['import', () => import('./commands/import.js')],
  ['redact', () => import('./commands/redact.js')],
  ['show', () => import('./commands/show.js')],
  ['log', () => import('./commands/log.js')],
  ['blame', () => import('./commands/blame.js')],
  ['relink', () => import('./commands/relink.js')],
  ['stats', () => import('./commands/stats.js')],
  ['export', () => import('./commands/export.js')],
  ['pr-summary', () => import('./commands/pr-summary.js')],
  ['review', () => import('./commands/review.js')],
  ['tests', () => import('./commands/tests.js')],
  ['deploy', () => import('./commands/deploy.js')],
  ['rollback', () => import('./commands/rollback.js')],
  ['check', () => import('./commands/check.js')],
  ['report', () => import('./commands/report.js')],
  ['verify-report', () => import('./commands/verify-report.js')],
  ['retention', () => import('./commands/retention.js')],
  ['serve', () => import('./commands/serve.js')],
  ['push', () => import('./commands/push.js')],
  ['pull', () => import('./commands/pull.js')],
  ['admin', () => import('./commands/admin.js')],
];

/** The registrations needed to run `argv`: just its command when it names one. */
export async function commandsFor(argv: readonly string[]): Promise<Register[]> {
  let name: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-C' || arg === '--cwd') {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    name = arg;
    break;
  }
  // `trail --version` prints the version and needs no command at all.
  if (name === undefined && argv.some((a) => a === '--version' || a === '-V')) return [];
  const wanted = COMMAND_LOADERS.filter(([n]) => n === name);
  const chosen = wanted.length > 0 && name !== 'help' ? wanted : COMMAND_LOADERS;
  return Promise.all(chosen.map(async ([, load]) => (await load()).register));
}
