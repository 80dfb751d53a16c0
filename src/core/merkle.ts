/**
 * Merkle tree hashing and proofs of RFC 6962 §2.1 as restated in RFC 9162 §2.1.
 * Hashes are SHA-256; leaves and interior nodes are domain-separated by a one-byte prefix
 * so a leaf can never be passed off as a node (second-preimage resistance, RFC 9162 §2.1.1).
 * Everything here is a pure function over byte arrays.
 */
import { sha256, sha256Latin1 } from './hash.js';

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** MTH({}) = HASH() (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Buffer = sha256(Buffer.alloc(0));

/** MTH({d}) = HASH(0x00 || d). */
export function leafHash(data: Uint8Array): Buffer {
  return sha256(Buffer.concat([LEAF_PREFIX, data]));
}

/** Reused for interior nodes of SHA-256 trees: verify computes one per leaf. */
const nodeScratch = Buffer.alloc(65);

/** HASH(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length === 32 && right.length === 32) {
    nodeScratch[0] = 0x01;
    nodeScratch.set(left, 1);
    nodeScratch.set(right, 33);
    return sha256(nodeScratch);
  }
  return sha256(Buffer.concat([NODE_PREFIX, left, right]));
}

/** Largest power of two strictly smaller than n (n > 1): the split point k of §2.1.1. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[start:end]) over precomputed leaf hashes. */
export function subtreeRoot(leafHashes: readonly Uint8Array[], start = 0, end = leafHashes.length): Buffer {
  const n = end - start;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return Buffer.from(leafHashes[start]!);
  const k = splitPoint(n);
  return nodeHash(subtreeRoot(leafHashes, start, start + k), subtreeRoot(leafHashes, start + k, end));
}

/** The tree head root over all leaf hashes. */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Buffer {
  return subtreeRoot(leafHashes);
}

/** Scratch for node hashes over latin1-string digests: `0x01 || left || right`. */
const nodeInput = Buffer.alloc(65);

/** HASH(0x01 || left || right) over digests held as 32-char latin1 strings. */
function nodeHashLatin1(left: string, right: string): string {
  nodeInput[0] = 0x01;
  for (let k = 0; k < 32; k++) {
    nodeInput[1 + k] = left.charCodeAt(k);
    nodeInput[33 + k] = right.charCodeAt(k);
  }
  return sha256Latin1(nodeInput);
}

/**
 * Compact representation of a tree being appended to: the roots of the perfect subtrees
 * that make up the current size, largest first (one per set bit of the size). Appending is
 * O(log n) amortised and the root is O(log n), so a writer or verifier never needs to keep
 * every leaf hash to produce or check tree heads.
 *
 * Digests are held as 32-char latin1 strings, the form node:crypto hands out cheapest: a
 * verifier appends one leaf per record and pays one node hash per record on average.
 */
export class MerkleFrontier {
  /** Perfect-subtree roots, left to right; sizes[i] is the leaf count of roots[i]. */
  private readonly roots: string[] = [];
  private readonly sizes: number[] = [];
  private count = 0;

  static from(state: { size: number; roots: readonly string[] }): MerkleFrontier {
    // The state is read back from storage, so a damaged one must fail here rather than
    // yield a wrong root that then gets signed.
    if (!Number.isSafeInteger(state.size) || state.size < 0) {
      throw new Error('frontier size is not a tree size');
    }
    if (!state.roots.every((r) => /^[0-9a-f]{64}$/.test(r))) {
      throw new Error('frontier roots are not SHA-256 hex');
    }
    const frontier = new MerkleFrontier();
    let remaining = state.size;
    const sizes: number[] = [];
    for (let bit = 2 ** 52; bit >= 1; bit /= 2) {
      if (remaining >= bit) {
        sizes.push(bit);
        remaining -= bit;
      }
    }
    if (sizes.length !== state.roots.length) throw new Error('frontier roots do not match its size');
    frontier.roots.push(...state.roots.map((r) => Buffer.from(r, 'hex').toString('latin1')));
    frontier.sizes.push(...sizes);
    frontier.count = state.size;
    return frontier;
  }

  get size(): number {
    return this.count;
  }

  append(leaf: Uint8Array): void {
    this.appendLatin1(Buffer.from(leaf.buffer, leaf.byteOffset, leaf.byteLength).toString('latin1'));
  }

  /** Appends a leaf hash given as a 32-char latin1 string (see sha256Latin1). */
  appendLatin1(leaf: string): void {
    let hash = leaf;
    let size = 1;
    // Merge equal-sized neighbours, as a binary counter carries.
    while (this.sizes.length > 0 && this.sizes[this.sizes.length - 1] === size) {
      this.sizes.pop();
      hash = nodeHashLatin1(this.roots.pop()!, hash);
      size *= 2;
    }
    this.roots.push(hash);
    this.sizes.push(size);
    this.count++;
  }

  /** MTH of everything appended so far: the right-to-left fold of the subtree roots. */
  root(): Buffer {
    if (this.roots.length === 0) return EMPTY_ROOT;
    let hash = this.roots[this.roots.length - 1]!;
    for (let i = this.roots.length - 2; i >= 0; i--) hash = nodeHashLatin1(this.roots[i]!, hash);
    return Buffer.from(hash, 'latin1');
  }

  toJSON(): { size: number; roots: string[] } {
    return { size: this.count, roots: this.roots.map((r) => Buffer.from(r, 'latin1').toString('hex')) };
  }
}

/** PATH(m, D[n]), the audit path of RFC 9162 §2.1.3.1. */
export function inclusionProof(index: number, leafHashes: readonly Uint8Array[]): Buffer[] {
  if (index < 0 || index >= leafHashes.length) throw new RangeError(`leaf ${index} is outside the tree`);
  return path(index, leafHashes, 0, leafHashes.length);
}

function path(m: number, leaves: readonly Uint8Array[], start: number, end: number): Buffer[] {
  const n = end - start;
  if (n <= 1) return [];
  const k = splitPoint(n);
  if (m < k) return [...path(m, leaves, start, start + k), subtreeRoot(leaves, start + k, end)];
  return [...path(m - k, leaves, start + k, end), subtreeRoot(leaves, start, start + k)];
}

/** PROOF(m, D[n]) = SUBPROOF(m, D[n], true), RFC 9162 §2.1.4.1. */
export function consistencyProof(oldSize: number, leafHashes: readonly Uint8Array[]): Buffer[] {
  const n = leafHashes.length;
  if (oldSize < 0 || oldSize > n) throw new RangeError(`size ${oldSize} is outside the tree of ${n}`);
  if (oldSize === 0 || oldSize === n) return [];
  return subproof(oldSize, leafHashes, 0, n, true);
}

function subproof(
  m: number,
  leaves: readonly Uint8Array[],
  start: number,
  end: number,
  b: boolean,
): Buffer[] {
  const n = end - start;
  if (m === n) return b ? [] : [subtreeRoot(leaves, start, end)];
  const k = splitPoint(n);
  if (m <= k) return [...subproof(m, leaves, start, start + k, b), subtreeRoot(leaves, start + k, end)];
  return [...subproof(m - k, leaves, start + k, end, false), subtreeRoot(leaves, start, start + k)];
}

/** Exact for every safe integer; `n & (n - 1)` would truncate to 32 bits and misjudge e.g. 2^32 + 1. */
function isPowerOfTwo(n: number): boolean {
  while (n > 1 && n % 2 === 0) n /= 2;
  return n === 1;
}

/** A proof holds SHA-256 outputs only; anything else is malformed, not merely wrong. */
function isHash(value: Uint8Array): boolean {
  return value.length === 32;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** Verifies an inclusion proof, RFC 9162 §2.1.3.2. */
export function verifyInclusion(
  index: number,
  treeSize: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (index < 0 || index >= treeSize) return false;
  if (!isHash(leaf) || !isHash(root) || !proof.every(isHash)) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}

/** Verifies a consistency proof between two tree heads, RFC 9162 §2.1.4.2. */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (oldSize < 0 || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && equal(oldRoot, newRoot);
  if (oldSize === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  if (!isHash(oldRoot) || !isHash(newRoot) || !proof.every(isHash)) return false;
  const nodes = [...proof];
  // Step 2: a power-of-two old tree is itself a node of the new one, so its root starts the path.
  if (isPowerOfTwo(oldSize)) nodes.unshift(oldRoot);
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Buffer = Buffer.from(nodes[0]!);
  let sr: Buffer = Buffer.from(nodes[0]!);
  for (const c of nodes.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(fr, oldRoot) && equal(sr, newRoot);
}
