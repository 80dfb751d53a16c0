/** Every command, one module each. */
import type { Command } from 'commander';
import { register as hook } from './commands/hook.js';
import { register as init } from './commands/init.js';
import { register as keys } from './commands/keys.js';
import { register as record } from './commands/record.js';
import { register as status } from './commands/status.js';
import { register as uninstall } from './commands/uninstall.js';
import { register as verify } from './commands/verify.js';
import type { CommandContext } from './context.js';

export type Register = (program: Command, context: () => CommandContext) => void;

export const COMMANDS: Register[] = [init, status, keys, record, verify, hook, uninstall];
