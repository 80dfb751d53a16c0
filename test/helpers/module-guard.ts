/**
 * Proves what a command does not load: NODE_OPTIONS for a `trail` process in which importing
 * any of `packages` throws, so a command that loads one fails with "<package> was loaded".
 * The module hook travels as data: URLs, so nothing is written to disk.
 */
const dataUrl = (source: string) => `data:text/javascript,${encodeURIComponent(source)}`;

export function forbidPackages(packages: readonly string[]): NodeJS.ProcessEnv {
  const resolveHook = `const forbidden = ${JSON.stringify(packages)};
export async function resolve(specifier, context, next) {
  const hit = forbidden.find((p) => specifier === p || specifier.startsWith(p + '/'));
  if (hit) throw new Error(hit + ' was loaded');
  return next(specifier, context);
}`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(dataUrl(resolveHook))});`;
  return { NODE_OPTIONS: `--import=${dataUrl(register)}` };
}
