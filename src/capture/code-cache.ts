/**
 * Runs a CommonJS bundle with a V8 code cache beside it, so a short-lived process does not
 * compile the same functions on every start. Node 20 has no compile cache for user code
 * (module.enableCompileCache came with Node 22), and an agent hook spent more of its time
 * loading and compiling its modules than doing its work (docs/benchmarks.md, agent hooks).
 *
 * The cache is named after the bundle's build id, the Node version and the process's options:
 * V8 checks a cached script only by its source's length, so a cache must never be offered to
 * another build; and V8 refuses a cache made under other flags (`--max-old-space-size` in
 * NODE_OPTIONS, say), which would otherwise be rewritten back and forth by processes started
 * with and without them. A cache V8 refuses, or none at all, is written again after the run,
 * where the folder is writable; a read-only install just runs uncached.
 */
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** The first line of a bundle built by scripts/bundle-hook.mjs: `// trail-bundle <id>`. */
const BUILD_ID_LINE = /^\/\/ trail-bundle ([0-9a-f]{16,64})\n/;

/** Set by the build's warm-up: write the cache after every run, so it gathers what each ran. */
export const REFRESH_ENV = 'TRAIL_CODE_CACHE_REFRESH';

export interface CachedBundle {
  /** The bundle's `module.exports`. */
  exports: Record<string, unknown>;
  /** Whether V8 took the cached code (false when there was none or it was refused). */
  cacheUsed: boolean;
  /**
   * Writes the cache when there was none, V8 refused it, or a refresh was asked for. Call it
   * after the work, so the functions the run compiled are in it. Never throws.
   */
  saveIfStale(): void;
}

/**
 * Where the cache of a bundle with this build id lives, for a process started with these
 * options; undefined without an id.
 */
export function codeCachePath(
  bundlePath: string,
  source: string,
  options: { execArgv: readonly string[]; nodeOptions: string | undefined } = {
    execArgv: [],
    nodeOptions: undefined,
  },
): string | undefined {
  const id = BUILD_ID_LINE.exec(source)?.[1];
  if (id === undefined) return undefined;
  const name = basename(bundlePath).replace(/\.c?js$/, '');
  const flags = [...options.execArgv, options.nodeOptions ?? ''].join('\0');
  const withFlags = flags === '' ? '' : `-${fnv1a(flags)}`;
  return join(
    dirname(bundlePath),
    `${name}.${id}.node-${process.version}-${process.arch}${withFlags}.v8cache`,
  );
}

/**
 * How many caches of one bundle its folder keeps. Each set of Node options in use has its
 * own (codeCachePath), and nothing else would ever remove one: an option set seen once, a
 * debugger's, say, would stay until the next build.
 */
export const CACHES_KEPT = 8;

/**
 * Leaves the CACHES_KEPT most recently written caches of the bundle `cachePath` belongs to.
 * Runs only after a cache is written, which a hit never does: a cache in use but written long
 * ago may go, and is written again by the next process that misses it.
 */
function pruneCaches(cachePath: string): void {
  const dir = dirname(cachePath);
  const prefix = `${basename(cachePath).split('.')[0]}.`;
  const written = readdirSync(dir)
    .filter((name) => name.startsWith(prefix) && name.endsWith('.v8cache'))
    .map((name) => ({ path: join(dir, name), at: statSync(join(dir, name)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const { path } of written.slice(CACHES_KEPT)) rmSync(path, { force: true });
}

/** FNV-1a, 32 bits, as hex: tells option sets apart in a file name (node:crypto costs a hook 5 ms). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** The same wrapper Node's CommonJS loader puts around a module. */
export function wrapped(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
}

export function loadWithCodeCache(bundlePath: string, env: NodeJS.ProcessEnv = process.env): CachedBundle {
  const source = readFileSync(bundlePath, 'utf8');
  const cachePath = codeCachePath(bundlePath, source, {
    execArgv: process.execArgv,
    nodeOptions: env.NODE_OPTIONS,
  });
  let cachedData: Buffer | undefined;
  if (cachePath !== undefined) {
    try {
      cachedData = readFileSync(cachePath);
    } catch {
      // None yet: this run writes it.
    }
  }
  const script = new Script(
    wrapped(source),
    cachedData === undefined ? { filename: bundlePath } : { filename: bundlePath, cachedData },
  );
  const cacheUsed = cachedData !== undefined && !script.cachedDataRejected;
  const module = { exports: {} as Record<string, unknown> };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(module.exports, createRequire(bundlePath), module, bundlePath, dirname(bundlePath));
  return {
    exports: module.exports,
    cacheUsed,
    saveIfStale() {
      if (cachePath === undefined || (cacheUsed && env[REFRESH_ENV] !== '1')) return;
      const temporary = `${cachePath}.${process.pid}.tmp`;
      try {
        writeFileSync(temporary, script.createCachedData());
        renameSync(temporary, cachePath);
        pruneCaches(cachePath);
      } catch {
        // A read-only install: the hook runs uncached, which is only slower.
        try {
          rmSync(temporary, { force: true });
        } catch {
          // Nothing was written.
        }
      }
    },
  };
}
