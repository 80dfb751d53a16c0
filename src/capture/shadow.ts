/**
 * Per-file line tracking between commits. For each file an agent touches, Trail keeps a
 * shadow of the working-tree file: one digest and one origin per line (never the code).
 * Before an agent changes files, the shadow is brought up to date with what a person did
 * since (changed lines: human); after, the lines the agent changed take its session. At
 * commit, the staged content is compared with the shadow, so lines typed by a person after
 * the agent, or left unstaged, are told apart precisely.
 *
 * Lines the agent wrote that leave the file (stash, undo, a cut to paste elsewhere) are kept
 * in a bounded "graveyard"; if the same non-trivial line comes back through a change that
 * is not the agent's, it gets its AI origin back. Trivial lines (shorter than 8 non-space
 * characters, like `}`) never do, as equal short lines say nothing about where they came from.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../core/hash.js';
import type { Origin, TrackedLine } from '../core/line-origin.js';
import { carryOrigins, digestLines } from '../core/line-origin.js';
import type { Repo } from '../ledger/repo.js';
import { readState, writeState } from './spool.js';
import { linkedWorktree } from './worktree.js';

type EncodedOrigin = ['b'] | ['h'] | ['h', string] | ['a', string] | ['u'];

interface StoredShadow {
  path: string;
  lines: Array<[string, ...EncodedOrigin]>;
  /** digest -> session key of AI lines that left the file. */
  graveyard: Record<string, string>;
}

export interface Shadow {
  path: string;
  lines: TrackedLine[];
  graveyard: Map<string, string>;
}

const GRAVEYARD_LIMIT = 2000;

function encode(origin: Origin): EncodedOrigin {
  switch (origin.kind) {
    case 'base':
      return ['b'];
    case 'human':
      return origin.overrode ? ['h', origin.overrode] : ['h'];
    case 'ai':
      return ['a', origin.session];
    default:
      return ['u'];
  }
}

function decode(code: EncodedOrigin): Origin {
  switch (code[0]) {
    case 'b':
      return { kind: 'base' };
    case 'h':
      return code[1] ? { kind: 'human', overrode: code[1] } : { kind: 'human' };
    case 'a':
      return { kind: 'ai', session: code[1] };
    default:
      return { kind: 'unknown' };
  }
}

/**
 * Each linked worktree holds its own copy of every file, so a shadow is kept per worktree.
 * The main worktree's shadows keep their plain names, so those made before worktrees were
 * told apart are still found.
 */
function shadowName(repo: Repo, path: string): string {
  const tree = linkedWorktree(repo);
  return join('files', `${sha256Hex(tree === undefined ? path : `${tree}\n${path}`).slice(0, 24)}.json`);
}

export function loadShadow(repo: Repo, path: string): Shadow | undefined {
  const stored = readState<StoredShadow | undefined>(repo.stateDir, shadowName(repo, path), undefined);
  if (!stored || stored.path !== path) return undefined;
  return {
    path,
    lines: stored.lines.map(([digest, ...code]) => ({ digest, origin: decode(code as EncodedOrigin) })),
    graveyard: new Map(Object.entries(stored.graveyard ?? {})),
  };
}

export function saveShadow(repo: Repo, shadow: Shadow): void {
  const graveyard = [...shadow.graveyard].slice(-GRAVEYARD_LIMIT);
  const stored: StoredShadow = {
    path: shadow.path,
    lines: shadow.lines.map((l) => [l.digest, ...encode(l.origin)] as [string, ...EncodedOrigin]),
    graveyard: Object.fromEntries(graveyard),
  };
  writeState(repo.stateDir, shadowName(repo, shadow.path), stored);
}

export function readWorkingFile(repo: Repo, path: string): string | undefined {
  const full = join(repo.workTree, path);
  if (!existsSync(full)) return undefined;
  try {
    return readFileSync(full, 'utf8');
  } catch {
    return undefined;
  }
}

/** Content of paths at HEAD (one git process), undefined where the path is not in HEAD. */
export async function headContents(repo: Repo, paths: readonly string[]): Promise<Array<string | undefined>> {
  // Loaded only when a file is seen for the first time: git is not needed on most hooks.
  const { pathSpecs, readObjects } = await import('../git/cat-file.js');
  const objects = await pathSpecs(repo.workTree, 'HEAD', paths)
    .then((specs) => readObjects(repo.workTree, specs))
    .catch(() => paths.map(() => undefined));
  return objects.map((o) => (o && o.type === 'blob' ? o.content.toString('utf8') : undefined));
}

/**
 * Brings the shadow to `digests` with `changedBy` as the author of the change, moving AI
 * lines that disappear to the graveyard and reviving non-trivial ones that come back.
 */
export function advanceShadow(
  shadow: Shadow,
  digests: string[],
  changedBy: Origin,
  trivial: Set<string>,
): TrackedLine[] {
  const next = carryOrigins(shadow.lines, digests, changedBy);
  const kept = new Set(next.map((l) => l.digest));
  for (const line of shadow.lines) {
    if (line.origin.kind === 'ai' && !kept.has(line.digest) && !trivial.has(line.digest)) {
      shadow.graveyard.set(line.digest, line.origin.session);
    }
  }
  if (changedBy.kind !== 'ai') {
    const before = new Set(shadow.lines.map((l) => l.digest));
    for (let i = 0; i < next.length; i++) {
      const line = next[i]!;
      const session = shadow.graveyard.get(line.digest);
      if (session && !before.has(line.digest) && line.origin.kind !== 'ai') {
        next[i] = { digest: line.digest, origin: { kind: 'ai', session } };
        shadow.graveyard.delete(line.digest);
      }
    }
  }
  shadow.lines = next;
  return next;
}

/** Digests of a text, and the set of digests of its trivial lines. */
export function digestText(text: string | undefined): { digests: string[]; trivial: Set<string> } {
  if (text === undefined) return { digests: [], trivial: new Set() };
  const digests = digestLines(text);
  const trivial = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (i < digests.length && line.replace(/\s+/g, '').length < 8) trivial.add(digests[i]!);
  });
  return { digests, trivial };
}

/** The shadow for each path, created from HEAD (origin `base`) for files seen the first time. */
export async function shadowsFor(repo: Repo, paths: readonly string[]): Promise<Shadow[]> {
  const shadows = paths.map((p) => loadShadow(repo, p));
  const missing = paths.filter((_, i) => !shadows[i]);
  if (missing.length > 0) {
    const contents = await headContents(repo, missing);
    let m = 0;
    paths.forEach((path, i) => {
      if (shadows[i]) return;
      const digests = digestText(contents[m++]).digests;
      shadows[i] = {
        path,
        lines: digests.map((digest) => ({ digest, origin: { kind: 'base' } })),
        graveyard: new Map(),
      };
    });
  }
  return shadows as Shadow[];
}
