/**
 * Proves what a command does not load: NODE_OPTIONS for a `trail` process in which importing
 * any of `packages` throws, so a command that loads one fails with "<package> was loaded".
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp-repo.js';

export function forbidPackages(packages: readonly string[]): NodeJS.ProcessEnv {
  const resolveHook = `const forbidden = ${JSON.stringify(packages)};
export async function resolve(specifier, context, next) {
  const hit = forbidden.find((p) => specifier === p || specifier.startsWith(p + '/'));
  if (hit) throw new Error(hit + ' was loaded');
  return next(specifier, context);
}`;
  const guard = join(tempDir('trail-guard-'), 'guard.mjs');
  writeFileSync(
    guard,
    `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(resolveHook)}`)});\n`,
  );
  return { NODE_OPTIONS: `--import=${guard}` };
}
