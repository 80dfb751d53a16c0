/**
 * RFC 6962 / RFC 9162 Merkle trees against published test vectors.
 *
 * The leaves, per-size roots, inclusion paths and consistency proofs below are the classic
 * Certificate Transparency set, as published in transparency-dev/merkle, file
 * proof/verify_test.go (variables `leaves`, `roots`, `inclusionProofs`, `consistencyProofs`);
 * the same data has lived in google/certificate-transparency and google/trillian. That file
 * numbers inclusion leaves from 1; the indexes here are 0-based. The corrupted-proof probes
 * follow its `corruptInclusionProof` and `corruptConsistencyProof`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  MerkleFrontier,
  nodeHash,
  rootFromLeafHashes,
  subtreeRoot,
  verifyConsistency,
  verifyInclusion,
} from '../../src/core/merkle.js';

const hex = (text: string): Buffer => Buffer.from(text, 'hex');
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

const LEAF_DATA = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hex);
const LEAVES = LEAF_DATA.map((d) => leafHash(d));

const EMPTY_TREE = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** ROOTS[n - 1] is the root of the tree over the first n leaves. */
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const rootOf = (size: number): Buffer => hex(ROOTS[size - 1]!);

const INCLUSION: { index: number; size: number; path: string[] }[] = [
  { index: 0, size: 1, path: [] },
  {
    index: 0,
    size: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    path: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, path: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    path: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

const CONSISTENCY: { size1: number; size2: number; proof: string[] }[] = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

const SOME_HASH = hex('abacaba000000000000000000000000000000000000000000060061e00123456');

function flipBit(proof: readonly Buffer[], i: number, mask: number): Buffer[] {
  const copy = proof.map((p) => Buffer.from(p));
  copy[i]![0]! ^= mask;
  return copy;
}

function flipLast(p: Buffer): Buffer {
  const copy = Buffer.from(p);
  copy[copy.length - 1]! ^= 1;
  return copy;
}

/** Leaf hashes of an arbitrary tree, for checks that need more leaves than the vectors. */
function syntheticLeaves(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
}

describe('Merkle tree hashing (RFC 9162 §2.1.1)', () => {
  test('the empty tree root is SHA-256 of nothing', () => {
    assert.equal(toHex(EMPTY_ROOT), EMPTY_TREE);
    assert.equal(toHex(rootFromLeafHashes([])), EMPTY_TREE);
  });

  test('a leaf hash is SHA-256(0x00 || data)', () => {
    assert.equal(toHex(leafHash(Buffer.alloc(0))), ROOTS[0]);
  });

  test('an interior node is SHA-256(0x01 || left || right)', () => {
    assert.equal(toHex(nodeHash(LEAVES[0]!, LEAVES[1]!)), ROOTS[1]);
  });

  test('rootFromLeafHashes matches the published root of every size 1..8', () => {
    for (let size = 1; size <= 8; size++) {
      assert.equal(toHex(rootFromLeafHashes(LEAVES.slice(0, size))), ROOTS[size - 1], `size ${size}`);
    }
  });

  test('subtreeRoot over a range equals the root of that slice', () => {
    assert.equal(toHex(subtreeRoot(LEAVES, 0, 5)), ROOTS[4]);
    assert.equal(toHex(subtreeRoot(LEAVES, 4, 4)), EMPTY_TREE);
    assert.deepEqual(subtreeRoot(LEAVES, 2, 7), rootFromLeafHashes(LEAVES.slice(2, 7)));
  });
});

describe('MerkleFrontier', () => {
  const leaves = syntheticLeaves(64);

  test('its root equals rootFromLeafHashes at every size 0..64', () => {
    const frontier = new MerkleFrontier();
    for (let size = 0; size <= 64; size++) {
      if (size > 0) frontier.append(leaves[size - 1]!);
      assert.equal(frontier.size, size);
      assert.deepEqual(frontier.root(), rootFromLeafHashes(leaves.slice(0, size)), `size ${size}`);
    }
  });

  test('reproduces the published roots', () => {
    const frontier = new MerkleFrontier();
    assert.equal(toHex(frontier.root()), EMPTY_TREE);
    LEAVES.forEach((leaf, i) => {
      frontier.append(leaf);
      assert.equal(toHex(frontier.root()), ROOTS[i]);
    });
  });

  test('holds one subtree root per set bit of its size', () => {
    const frontier = new MerkleFrontier();
    for (let size = 1; size <= 64; size++) {
      frontier.append(leaves[size - 1]!);
      const bits = size.toString(2).replace(/0/g, '').length;
      assert.equal(frontier.toJSON().roots.length, bits, `size ${size}`);
    }
  });

  test('from(toJSON()) round-trips at every size and keeps appending correctly', () => {
    const frontier = new MerkleFrontier();
    for (let size = 0; size <= 64; size++) {
      if (size > 0) frontier.append(leaves[size - 1]!);
      const state = JSON.parse(JSON.stringify(frontier.toJSON())) as { size: number; roots: string[] };
      const restored = MerkleFrontier.from(state);
      assert.equal(restored.size, size);
      assert.deepEqual(restored.toJSON(), frontier.toJSON());
      assert.deepEqual(restored.root(), frontier.root());
      for (let extra = size; extra < Math.min(size + 5, 64); extra++) restored.append(leaves[extra]!);
      const end = Math.min(size + 5, 64);
      assert.deepEqual(restored.root(), rootFromLeafHashes(leaves.slice(0, end)), `resumed at ${size}`);
    }
  });

  test('from() refuses a state whose roots do not fit its size', () => {
    const state = (() => {
      const f = new MerkleFrontier();
      for (const leaf of leaves.slice(0, 5)) f.append(leaf);
      return f.toJSON();
    })();
    assert.throws(() => MerkleFrontier.from({ size: 4, roots: state.roots }));
    assert.throws(() => MerkleFrontier.from({ size: 5, roots: state.roots.slice(1) }));
    assert.throws(() => MerkleFrontier.from({ size: 0, roots: state.roots }));
  });

  test('from() refuses a damaged state', () => {
    const root = toHex(LEAVES[0]!);
    assert.throws(() => MerkleFrontier.from({ size: -1, roots: [] }));
    assert.throws(() => MerkleFrontier.from({ size: 1.5, roots: [root] }));
    assert.throws(() => MerkleFrontier.from({ size: 1, roots: ['zz'] }));
    assert.throws(() => MerkleFrontier.from({ size: 1, roots: [root.slice(2)] }));
    assert.throws(() => MerkleFrontier.from({ size: 1, roots: [root.toUpperCase()] }));
  });
});

describe('inclusion proofs (RFC 9162 §2.1.3)', () => {
  for (const { index, size, path } of INCLUSION) {
    test(`leaf ${index} in a tree of ${size}: produces the published audit path`, () => {
      assert.deepEqual(inclusionProof(index, LEAVES.slice(0, size)).map(toHex), path);
    });

    test(`leaf ${index} in a tree of ${size}: the published path verifies`, () => {
      assert.equal(verifyInclusion(index, size, LEAVES[index]!, path.map(hex), rootOf(size)), true);
    });
  }

  for (const { index, size, path: pathHex } of INCLUSION.filter((v) => v.path.length > 0)) {
    test(`leaf ${index} in a tree of ${size}: corrupted proofs are rejected`, () => {
      const path = pathHex.map(hex);
      const leaf = LEAVES[index]!;
      const root = rootOf(size);
      // No `size + 1` probe: a path can fit two sizes with the same shape (a leaf hash standing in
      // for a node), so the size is bound by the signed tree head over the root, not by the path.
      const probes: [string, number, number, Uint8Array, Uint8Array[], Uint8Array][] = [
        ['index - 1', index - 1, size, leaf, path, root],
        ['index + 1', index + 1, size, leaf, path, root],
        ['index ^ 2', index ^ 2, size, leaf, path, root],
        ['size * 2', index, size * 2, leaf, path, root],
        ['size / 2', index, Math.floor(size / 2), leaf, path, root],
        ['wrong leaf', index, size, Buffer.from('WrongLeaf'), path, root],
        ['another leaf', index, size, LEAVES[(index + 1) % 8]!, path, root],
        ['empty root', index, size, leaf, path, EMPTY_ROOT],
        ['random root', index, size, leaf, path, SOME_HASH],
        ['trailing garbage', index, size, leaf, [...path, Buffer.alloc(0)], root],
        ['trailing root', index, size, leaf, [...path, root], root],
        ['preceding garbage', index, size, leaf, [Buffer.alloc(0), ...path], root],
        ['preceding root', index, size, leaf, [root, ...path], root],
        ['removed component', index, size, leaf, path.slice(0, -1), root],
        ['empty proof', index, size, leaf, [], root],
        ['reversed proof', index, size, leaf, [...path].reverse(), root],
      ];
      if (path.length > 1) {
        probes.push(['inserted component', index, size, leaf, [path[0]!, SOME_HASH, ...path.slice(1)], root]);
      }
      for (let i = 0; i < path.length; i++) {
        probes.push([`proof[${i}] bit 3 flipped`, index, size, leaf, flipBit(path, i, 8), root]);
        probes.push([
          `proof[${i}] last byte flipped`,
          index,
          size,
          leaf,
          path.map((p, j) => (j === i ? flipLast(p) : p)),
          root,
        ]);
      }
      for (const [name, i, n, l, p, r] of probes) {
        if (name === 'reversed proof' && path.length === 1) continue;
        assert.equal(verifyInclusion(i, n, l, p, r), false, name);
      }
    });
  }

  test('a one-leaf tree: the leaf hash is the root and the proof is empty', () => {
    const hash = leafHash(Buffer.from('data'));
    assert.equal(verifyInclusion(0, 1, hash, [], hash), true);
    assert.equal(verifyInclusion(0, 1, Buffer.alloc(0), [], hash), false);
    assert.equal(verifyInclusion(0, 1, hash, [], Buffer.alloc(0)), false);
    assert.equal(verifyInclusion(0, 1, Buffer.alloc(0), [], Buffer.alloc(0)), false);
  });

  test('an index outside the tree never verifies', () => {
    for (const [index, size] of [
      [0, 0],
      [1, 0],
      [1, 1],
      [2, 1],
      [-1, 1],
    ] as const) {
      assert.equal(verifyInclusion(index, size, SOME_HASH, [], EMPTY_ROOT), false, `${index}/${size}`);
      assert.equal(verifyInclusion(index, size, SOME_HASH, [], SOME_HASH), false, `${index}/${size}`);
    }
  });

  test('inclusionProof refuses an index outside the tree', () => {
    assert.throws(() => inclusionProof(8, LEAVES), RangeError);
    assert.throws(() => inclusionProof(-1, LEAVES), RangeError);
    assert.throws(() => inclusionProof(0, []), RangeError);
  });

  test('every leaf of every tree up to 33 leaves has a verifying proof', () => {
    const leaves = syntheticLeaves(33);
    for (let size = 1; size <= leaves.length; size++) {
      const tree = leaves.slice(0, size);
      const root = rootFromLeafHashes(tree);
      for (let index = 0; index < size; index++) {
        const proof = inclusionProof(index, tree);
        assert.equal(verifyInclusion(index, size, tree[index]!, proof, root), true, `${index}/${size}`);
      }
    }
  });

  test('verification arithmetic holds beyond 32-bit tree sizes', () => {
    // A tree of 2^32 + 2 leaves is MTH(A, MTH(L, L')), where A stands for the root of the first
    // 2^32 leaves; the path of leaf 2^32 is [L', A] (RFC 9162 §2.1.3.1).
    const a = SOME_HASH;
    const l = LEAVES[1]!;
    const l2 = LEAVES[2]!;
    const root = nodeHash(a, nodeHash(l, l2));
    assert.equal(verifyInclusion(2 ** 32, 2 ** 32 + 2, l, [l2, a], root), true);
    assert.equal(verifyInclusion(2 ** 32 + 1, 2 ** 32 + 2, l2, [l, a], root), true);
    assert.equal(verifyInclusion(2 ** 32, 2 ** 32 + 3, l, [l2, a], root), false);
  });
});

describe('consistency proofs (RFC 9162 §2.1.4)', () => {
  for (const { size1, size2, proof } of CONSISTENCY) {
    test(`${size1} -> ${size2}: produces the published proof`, () => {
      assert.deepEqual(consistencyProof(size1, LEAVES.slice(0, size2)).map(toHex), proof);
    });

    test(`${size1} -> ${size2}: the published proof verifies`, () => {
      assert.equal(verifyConsistency(size1, size2, rootOf(size1), rootOf(size2), proof.map(hex)), true);
    });
  }

  for (const { size1, size2, proof: proofHex } of CONSISTENCY.filter((v) => v.proof.length > 0)) {
    test(`${size1} -> ${size2}: corrupted proofs are rejected`, () => {
      const proof = proofHex.map(hex);
      const root1 = rootOf(size1);
      const root2 = rootOf(size2);
      const wrong = Buffer.from('WrongRoot');
      // As for inclusion, `size2 + 1` is not probed: the signed tree head binds size2 to root2.
      const probes: [string, number, number, Uint8Array, Uint8Array, Uint8Array[]][] = [
        ['size1 - 1', size1 - 1, size2, root1, root2, proof],
        ['size1 + 1', size1 + 1, size2, root1, root2, proof],
        ['size1 ^ 2', size1 ^ 2, size2, root1, root2, proof],
        ['size2 * 2', size1, size2 * 2, root1, root2, proof],
        ['size2 / 2', size1, Math.floor(size2 / 2), root1, root2, proof],
        ['wrong root1', size1, size2, wrong, root2, proof],
        ['wrong root2', size1, size2, root1, wrong, proof],
        ['swapped roots', size1, size2, root2, root1, proof],
        ['empty proof', size1, size2, root1, root2, []],
        ['trailing garbage', size1, size2, root1, root2, [...proof, Buffer.alloc(0)]],
        ['trailing root1', size1, size2, root1, root2, [...proof, root1]],
        ['trailing root2', size1, size2, root1, root2, [...proof, root2]],
        ['preceding garbage', size1, size2, root1, root2, [Buffer.alloc(0), ...proof]],
        ['preceding root1', size1, size2, root1, root2, [root1, ...proof]],
        ['preceding root2', size1, size2, root1, root2, [root2, ...proof]],
        ['preceding proof[0]', size1, size2, root1, root2, [proof[0]!, ...proof]],
        ['truncated proof', size1, size2, root1, root2, proof.slice(0, -1)],
      ];
      for (let i = 0; i < proof.length; i++) {
        probes.push([`proof[${i}] bit 4 flipped`, size1, size2, root1, root2, flipBit(proof, i, 16)]);
        probes.push([
          `proof[${i}] last byte flipped`,
          size1,
          size2,
          root1,
          root2,
          proof.map((p, j) => (j === i ? flipLast(p) : p)),
        ]);
      }
      for (const [name, m, n, r1, r2, p] of probes) {
        assert.equal(verifyConsistency(m, n, r1, r2, p), false, name);
      }
    });
  }

  test('trivial and impossible size pairs', () => {
    const root1 = Buffer.from("don't care 1");
    const root2 = Buffer.from("don't care 2");
    const cases: [number, number, Uint8Array, Uint8Array, Uint8Array[], boolean][] = [
      [0, 0, root1, root2, [], false],
      [1, 1, root1, root2, [], false],
      // Always consistent: the empty tree with anything, and a tree with itself.
      [0, 0, root1, root1, [], true],
      [0, 1, root1, root2, [], true],
      [1, 1, root2, root2, [], true],
      // A tree cannot shrink.
      [1, 0, root1, root2, [], false],
      [2, 1, root1, root2, [], false],
      // A real extension needs a proof.
      [1, 2, root1, root2, [], false],
      [0, 0, EMPTY_ROOT, root2, [], false],
      [1, 1, EMPTY_ROOT, root2, [], false],
      // Matching roots with a proof that should have been empty.
      [0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], false],
      [0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], false],
      [1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], false],
    ];
    for (const [m, n, r1, r2, p, want] of cases) {
      assert.equal(verifyConsistency(m, n, r1, r2, p), want, `${m} -> ${n}`);
    }
  });

  test('consistencyProof is empty for the trivial cases and refuses impossible sizes', () => {
    assert.deepEqual(consistencyProof(0, LEAVES), []);
    assert.deepEqual(consistencyProof(8, LEAVES), []);
    assert.throws(() => consistencyProof(9, LEAVES), RangeError);
    assert.throws(() => consistencyProof(-1, LEAVES), RangeError);
  });

  test('every pair of sizes up to 33 leaves has a verifying proof', () => {
    const leaves = syntheticLeaves(33);
    const roots = Array.from({ length: leaves.length + 1 }, (_, n) => rootFromLeafHashes(leaves.slice(0, n)));
    for (let n = 1; n <= leaves.length; n++) {
      for (let m = 0; m <= n; m++) {
        const proof = consistencyProof(m, leaves.slice(0, n));
        assert.equal(verifyConsistency(m, n, roots[m]!, roots[n]!, proof), true, `${m} -> ${n}`);
        if (m > 0 && m < n) {
          assert.equal(
            verifyConsistency(m, n, roots[m]!, roots[n - 1]!, proof),
            false,
            `${m} -> ${n} old head`,
          );
        }
      }
    }
  });

  test('a power-of-two check that is exact beyond 32 bits', () => {
    // Old tree 2^32 + 1 = MTH(A, L), new tree 2^32 + 2 = MTH(A, MTH(L, L')), so
    // PROOF(2^32 + 1, D[2^32 + 2]) = [L, L', A] (RFC 9162 §2.1.4.1). 2^32 + 1 is not a power of
    // two; a 32-bit `n & (n - 1)` test would think it was and prepend the old root.
    const a = SOME_HASH;
    const l = LEAVES[1]!;
    const l2 = LEAVES[2]!;
    const oldRoot = nodeHash(a, l);
    const newRoot = nodeHash(a, nodeHash(l, l2));
    assert.equal(verifyConsistency(2 ** 32 + 1, 2 ** 32 + 2, oldRoot, newRoot, [l, l2, a]), true);
    // And 2^32 is one: its root is the first node of the path, so the proof omits it.
    const root32 = a;
    const root33 = nodeHash(a, l);
    assert.equal(verifyConsistency(2 ** 32, 2 ** 32 + 1, root32, root33, [l]), true);
  });
});
