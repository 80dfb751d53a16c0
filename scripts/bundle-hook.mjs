#!/usr/bin/env node
// Bundles the hook entry points into dist/hook/. Hooks run on every tool call and every
// commit; resolving, reading and compiling dozens of modules would cost more than their work.
//
// - Agent hooks: one CommonJS file (agent-hook.cjs) that bin/trail runs through a V8 code
//   cache (src/capture/code-cache.ts), warmed here by running the hooks once
//   (scripts/warm-hook-cache.mjs). Node 20 caches no compiled code of its own.
// - Git hooks: an ES module with lazily loaded chunks, so post-commit starts asking git
//   before the record schemas load.
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { warmAgentHookCache } from './warm-hook-cache.mjs';

// Chunk names change with their content, and caches with their bundle: old ones would pile up.
rmSync('dist/hook', { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: false,
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: { 'git-hook-main': 'src/capture/git-hook-main.ts' },
  outdir: 'dist/hook',
  splitting: true,
  format: 'esm',
});

await build({
  ...common,
  entryPoints: { 'code-cache': 'src/capture/code-cache.ts' },
  outdir: 'dist/hook',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
});

// The agent hook's first line names its build, so its code cache is never offered to another.
const agentHook = await build({
  ...common,
  entryPoints: { 'agent-hook': 'src/capture/hook-main.ts' },
  outdir: 'dist/hook',
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  write: false,
});
for (const file of agentHook.outputFiles) {
  const id = createHash('sha256').update(file.contents).digest('hex').slice(0, 16);
  writeFileSync(file.path, `// trail-bundle ${id}\n${file.text}`);
}

warmAgentHookCache();
