#!/usr/bin/env node
// Bundles the agent-hook entry point into dist/hook/ (one file plus lazily loaded chunks):
// hooks run on every tool call, and resolving and reading dozens of modules would cost more
// than the work itself.
import { build } from 'esbuild';

await build({
  entryPoints: { 'hook-main': 'src/capture/hook-main.ts' },
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
