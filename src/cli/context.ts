/** What every command receives: where it runs and where it prints. */
import { resolve } from 'node:path';
import type { Io } from './output.js';

export interface CommandContext {
  cwd: string;
  io: Io;
  env: NodeJS.ProcessEnv;
}

export function contextFrom(cwd: string | undefined, io: Io, env: NodeJS.ProcessEnv): CommandContext {
  return { cwd: resolve(cwd ?? process.cwd()), io, env };
}
