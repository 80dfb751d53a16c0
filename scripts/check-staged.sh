#!/usr/bin/env bash
# Lints exactly what is staged, as CI will see it: formatting, lint, and types in a clean checkout.
set -euo pipefail
files=$(git diff --cached --name-only --diff-filter=ACM | grep -E '\.(ts|mjs|js|json)$' | grep -v '^test/fixtures/' || true)
[ -z "$files" ] || npx biome check $files
tmp=$(mktemp -d)
git checkout-index -a --prefix="$tmp/"
ln -s "$PWD/node_modules" "$tmp/node_modules"
(cd "$tmp" && npx tsc --noEmit -p tsconfig.json)
rm -rf "$tmp"
echo "staged files: lint and types OK"
