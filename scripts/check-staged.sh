#!/usr/bin/env bash
# Runs CI's static checks (biome check ., tsc --noEmit) on exactly what is staged, in a
# checkout of the index, so files in progress in the work tree cannot hide a failure.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git checkout-index -a --prefix="$tmp/"
ln -s "$root/node_modules" "$tmp/node_modules"
cd "$tmp"
npx biome check . >/dev/null 2>"$tmp.biome" || { cat "$tmp.biome"; npx biome check . 2>&1 | tail -40; exit 1; }
npx tsc --noEmit -p tsconfig.json
echo "staged files: biome and tsc OK"
