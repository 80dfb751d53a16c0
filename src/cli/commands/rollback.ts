/** `trail rollback`: not built yet (see the open issues). */
import type { Command } from 'commander';
import { TrailError } from '../../core/errors.js';
import type { CommandContext } from '../context.js';

export function register(program: Command, _context: () => CommandContext): void {
  program
    .command('rollback')
    .description('(not available yet)')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(() => {
      throw new TrailError('USAGE', 'trail rollback is not available in this version yet');
    });
}
