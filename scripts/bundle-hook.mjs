#!/usr/bin/env node
// Bundles the hook entry points into dist/hook/ (a file each plus shared, lazily loaded
// chunks): agent hooks run on every tool call and git's post-commit on every commit, and
// resolving and reading dozens of modules would cost more than the work itself.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names change with their content: old ones would pile up.
rmSync('dist/hook', { recursive: true, force: true });

await build({
  entryPoints: {
    'hook-main': 'src/capture/hook-main.ts',
    'git-hook-main': 'src/capture/git-hook-main.ts',
  },
  outdir: 'dist/hook',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: false,
  logLevel: 'warning',
});
