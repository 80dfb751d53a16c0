#!/usr/bin/env node
// Bundles the hook entry points into dist/hook/. Hooks run on every tool call and every
// commit; resolving, reading and compiling dozens of modules would cost more than their work.
//
// Agent hooks (agent-hook.cjs) and git hooks (git-hook.cjs) are each one CommonJS file that
// bin/trail runs through a V8 code cache (src/capture/code-cache.ts), warmed here by running
// them once (scripts/warm-hook-cache.mjs): Node 20 caches no compiled code of its own. What
// a hook needs only sometimes (the record schemas, for sealing) stays lazily initialised
// inside its file: esbuild turns those import() calls into functions run on first use.
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { warmHookCaches } from './warm-hook-cache.mjs';

// Caches are named after their bundle's build: old ones would pile up.
rmSync('dist/hook', { recursive: true, force: true });
mkdirSync('dist/hook', { recursive: true });

const bundles = await build({
  entryPoints: {
    'agent-hook': 'src/capture/hook-main.ts',
    'git-hook': 'src/capture/git-hook-main.ts',
    // The loader itself, which bin/trail requires as it is.
    'code-cache': 'src/capture/code-cache.ts',
  },
  outdir: 'dist/hook',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: false,
  logLevel: 'warning',
  write: false,
});
// Each file's first line names its build, so a hook's code cache is never offered to another.
for (const file of bundles.outputFiles) {
  const id = createHash('sha256').update(file.contents).digest('hex').slice(0, 16);
  writeFileSync(file.path, `// trail-bundle ${id}\n${file.text}`);
}

warmHookCaches();
