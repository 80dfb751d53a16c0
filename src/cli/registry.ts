/** Every command, one module each, in the order `trail --help` lists them. */
import type { Command } from 'commander';
import { register as blame } from './commands/blame.js';
import { register as check } from './commands/check.js';
import { register as deploy } from './commands/deploy.js';
import { register as exec } from './commands/exec.js';
import { register as exportCommand } from './commands/export.js';
import { register as hook } from './commands/hook.js';
import { register as importCommand } from './commands/import.js';
import { register as init } from './commands/init.js';
import { register as keys } from './commands/keys.js';
import { register as log } from './commands/log.js';
import { register as mcp } from './commands/mcp.js';
import { register as prSummary } from './commands/pr-summary.js';
import { register as pull } from './commands/pull.js';
import { register as push } from './commands/push.js';
import { register as record } from './commands/record.js';
import { register as redact } from './commands/redact.js';
import { register as relink } from './commands/relink.js';
import { register as report } from './commands/report.js';
import { register as retention } from './commands/retention.js';
import { register as review } from './commands/review.js';
import { register as rollback } from './commands/rollback.js';
import { register as serve } from './commands/serve.js';
import { register as session } from './commands/session.js';
import { register as show } from './commands/show.js';
import { register as stats } from './commands/stats.js';
import { register as status } from './commands/status.js';
import { register as tests } from './commands/tests.js';
import { register as uninstall } from './commands/uninstall.js';
import { register as verify } from './commands/verify.js';
import { register as verifyReport } from './commands/verify-report.js';
import type { CommandContext } from './context.js';

export type Register = (program: Command, context: () => CommandContext) => void;

export const COMMANDS: Register[] = [
  init,
  status,
  keys,
  record,
  verify,
  hook,
  uninstall,
  session,
  exec,
  mcp,
  importCommand,
  redact,
  show,
  log,
  blame,
  relink,
  stats,
  exportCommand,
  prSummary,
  review,
  tests,
  deploy,
  rollback,
  check,
  report,
  verifyReport,
  retention,
  serve,
  push,
  pull,
];
