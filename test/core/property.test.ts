/**
 * Property-based tests of the pure core: canonical JSON, Merkle proofs and the log verifier.
 * Runs are bounded so the file stays within a few seconds; a failure prints the seed and
 * the shrunk counterexample, which `fc.assert(..., { seed, path })` replays.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { canonicalize } from '../../src/core/canonical-json.js';
import { preAuthEncoding } from '../../src/core/dsse.js';
import { EntryList } from '../../src/core/entry-list.js';
import { sha256Hex } from '../../src/core/hash.js';
import type { SignedTreeHead } from '../../src/core/log-entry.js';
import {
  encodeEntry,
  encodeTombstone,
  entryLeafHash,
  GENESIS_PREV,
  signTreeHead,
  TREE_HEAD_TYPE,
  treeHeadMessage,
} from '../../src/core/log-entry.js';
import type { ProblemKind, TrustedKey } from '../../src/core/log-verifier.js';
import { checkHeadSignatures, LogVerifier, verifyLog } from '../../src/core/log-verifier.js';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  MerkleFrontier,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from '../../src/core/merkle.js';
import type { TrailRecord } from '../../src/core/records.js';
import { generateKeyPair } from '../../src/core/signature.js';

/** Full-Unicode strings (never a lone surrogate) and bounded depth. */
const jsonValues = fc.jsonValue({ stringUnit: 'binary', maxDepth: 4 });

/** Order by UTF-16 code units, written out rather than relying on the default sort. */
function compareUtf16(a: string, b: string): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** A small model of RFC 8785 for plain JSON data, to check the implementation against. */
function model(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(model).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort(compareUtf16);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${model(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Deep copy whose objects get their members inserted in a seeded random order. */
function shuffled(value: unknown, seed: number): unknown {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [keys[i], keys[j]] = [keys[j]!, keys[i]!];
    }
    // A null-prototype target so a "__proto__" member stays a member.
    const out = Object.create(null) as Record<string, unknown>;
    for (const k of keys) out[k] = walk((v as Record<string, unknown>)[k]);
    return out;
  };
  return walk(value);
}

describe('canonical JSON properties', () => {
  test('a tree head message written directly equals DSSE PAE over its canonical JSON', () => {
    const text = fc.oneof(
      fc.stringMatching(/^[0-9a-f]{32,64}$/),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.constant('a"b\\c'),
    );
    const anything = fc.oneof(text, fc.integer(), fc.double(), fc.constant(null), fc.boolean());
    fc.assert(
      fc.property(
        fc.record({
          log: anything,
          size: fc.oneof(fc.nat(), anything),
          root: anything,
          last: anything,
          time: anything,
        }),
        (body) => {
          const head = body as unknown as Parameters<typeof treeHeadMessage>[0];
          let expected: Buffer | undefined;
          try {
            const { last, log, root, size, time } = head;
            expected = preAuthEncoding(
              TREE_HEAD_TYPE,
              Buffer.from(canonicalize({ last, log, root, size, time })),
            );
          } catch {
            expected = undefined;
          }
          if (expected === undefined) assert.throws(() => treeHeadMessage(head));
          else assert.ok(treeHeadMessage(head).equals(expected));
        },
      ),
      { numRuns: 500 },
    );
  });

  test('canonicalize is idempotent through JSON.parse', () => {
    fc.assert(
      fc.property(jsonValues, (value) => {
        const text = canonicalize(value);
        assert.equal(canonicalize(JSON.parse(text)), text);
      }),
      { numRuns: 300 },
    );
  });

  test('canonicalize does not depend on member insertion order', () => {
    fc.assert(
      fc.property(jsonValues, fc.integer(), (value, seed) => {
        assert.equal(canonicalize(shuffled(value, seed)), canonicalize(value));
      }),
      { numRuns: 300 },
    );
  });

  test('canonicalize agrees with a model of RFC 8785 and with any JSON.stringify of the same data', () => {
    fc.assert(
      fc.property(jsonValues, (value) => {
        const text = canonicalize(value);
        assert.equal(text, model(value));
        assert.equal(canonicalize(JSON.parse(JSON.stringify(value))), text);
      }),
      { numRuns: 300 },
    );
  });
});

const leafLists = fc.array(fc.uint8Array({ maxLength: 12 }), { minLength: 1, maxLength: 70, size: 'max' });
const flip = fc.record({ element: fc.nat(), byte: fc.nat({ max: 31 }), bit: fc.nat({ max: 7 }) });

function flipped(proof: readonly Buffer[], at: { element: number; byte: number; bit: number }): Buffer[] {
  const copy = proof.map((p) => Buffer.from(p));
  copy[at.element % copy.length]![at.byte]! ^= 1 << at.bit;
  return copy;
}

describe('Merkle proof properties', () => {
  test('the frontier root equals the recursive root', () => {
    fc.assert(
      fc.property(leafLists, (data) => {
        const leaves = data.map((d) => leafHash(d));
        const frontier = new MerkleFrontier();
        for (const leaf of leaves) frontier.append(leaf);
        assert.deepEqual(frontier.root(), rootFromLeafHashes(leaves));
        assert.deepEqual(MerkleFrontier.from(frontier.toJSON()).root(), frontier.root());
      }),
      { numRuns: 100 },
    );
  });

  test('every inclusion proof verifies; one flipped bit makes it fail', () => {
    fc.assert(
      fc.property(leafLists, fc.nat(), flip, (data, pick, at) => {
        const leaves = data.map((d) => leafHash(d));
        const n = leaves.length;
        const root = rootFromLeafHashes(leaves);
        for (let index = 0; index < n; index++) {
          assert.ok(
            verifyInclusion(index, n, leaves[index]!, inclusionProof(index, leaves), root),
            `leaf ${index}`,
          );
        }
        const index = pick % n;
        const proof = inclusionProof(index, leaves);
        if (proof.length > 0)
          assert.equal(verifyInclusion(index, n, leaves[index]!, flipped(proof, at), root), false);
      }),
      { numRuns: 100 },
    );
  });

  test('consistency proofs between random sizes verify; one flipped bit makes them fail', () => {
    fc.assert(
      fc.property(leafLists, fc.nat(), fc.nat(), flip, (data, a, b, at) => {
        const leaves = data.map((d) => leafHash(d));
        const n = leaves.length;
        const newSize = 1 + (a % n);
        const oldSize = b % (newSize + 1);
        const oldRoot = rootFromLeafHashes(leaves.slice(0, oldSize));
        const newRoot = rootFromLeafHashes(leaves.slice(0, newSize));
        const proof = consistencyProof(oldSize, leaves.slice(0, newSize));
        assert.ok(verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof), `${oldSize} -> ${newSize}`);
        if (proof.length > 0) {
          assert.equal(verifyConsistency(oldSize, newSize, oldRoot, newRoot, flipped(proof, at)), false);
        }
      }),
      { numRuns: 200 },
    );
  });
});

const key = generateKeyPair();
const trustedKeys = new Map<string, TrustedKey>([
  [key.keyId, { keyId: key.keyId, publicKey: key.publicKey }],
]);

const records = fc.record({
  kind: fc.constantFrom('session', 'note', 'commit'),
  text: fc.string({ unit: 'binary', maxLength: 24 }),
  n: fc.integer(),
});

/**
 * Builds one writer's log as the ledger does: each entry chains to the leaf hash of the one
 * before, and a signed tree head follows each batch. `headAfter[i]` says whether a batch ends
 * at entry i; the last entry always ends one, so every entry is covered.
 */
function buildLog(items: readonly object[], headAfter: readonly boolean[]) {
  const frontier = new MerkleFrontier();
  const lines: string[] = [];
  const heads: SignedTreeHead[] = [];
  let prev = GENESIS_PREV;
  items.forEach((item, seq) => {
    const line = encodeEntry({ prev, record: item as unknown as TrailRecord, seq });
    const leaf = entryLeafHash(line);
    lines.push(line);
    frontier.append(leaf);
    prev = leaf.toString('hex');
    if (headAfter[seq] || seq === items.length - 1) {
      const time = new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString();
      heads.push(
        signTreeHead(
          { log: key.keyId, size: seq + 1, root: frontier.root().toString('hex'), last: prev, time },
          key,
        ),
      );
    }
  });
  return { lines, heads, root: frontier.root().toString('hex') };
}

const RECORD_OFFSET = '{"prev":"'.length + 64 + '","record":'.length;

type Mutation =
  | { kind: 'flip'; line: number; at: number }
  | { kind: 'delete'; line: number }
  | { kind: 'swap'; a: number; b: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'duplicate'; line: number; at: number };

const mutations: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), line: fc.nat(), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), line: fc.nat(), at: fc.nat() }),
);

/** Applies the mutation to a copy of the lines; returns the problem kinds that must show up. */
function mutate(lines: readonly string[], m: Mutation): { lines: string[]; expect: ProblemKind[] } {
  const out = [...lines];
  const n = out.length;
  switch (m.kind) {
    case 'flip': {
      const i = m.line % n;
      const line = out[i]!;
      const end = line.lastIndexOf(',"seq":');
      const p = RECORD_OFFSET + (m.at % (end - RECORD_OFFSET));
      const replacement = line[p] === 'a' ? 'b' : 'a';
      out[i] = line.slice(0, p) + replacement + line.slice(p + 1);
      return { lines: out, expect: ['modified'] };
    }
    case 'delete': {
      const i = m.line % n;
      out.splice(i, 1);
      return { lines: out, expect: [i === n - 1 ? 'truncated' : 'deleted'] };
    }
    case 'swap': {
      const i = m.a % n;
      const j = (i + 1 + (m.b % (n - 1))) % n;
      [out[i], out[j]] = [out[j]!, out[i]!];
      return { lines: out, expect: ['reordered'] };
    }
    case 'truncate':
      return { lines: out.slice(0, m.keep % n), expect: ['truncated'] };
    case 'duplicate': {
      const i = m.line % n;
      out.splice(m.at % (n + 1), 0, out[i]!);
      return { lines: out, expect: ['inserted'] };
    }
  }
}

describe('log verifier properties', () => {
  test('an untouched log verifies with no problems', () => {
    fc.assert(
      fc.property(
        fc.array(records, { maxLength: 12 }),
        fc.array(fc.boolean(), { maxLength: 12 }),
        (items, headAfter) => {
          const log = buildLog(items, headAfter);
          const result = verifyLog({ writerId: key.keyId, lines: log.lines, heads: log.heads, trustedKeys });
          assert.deepEqual(result.problems, []);
          assert.equal(result.size, items.length);
          assert.equal(result.root, log.root);
          assert.equal(result.latestHead, log.heads.at(-1));
        },
      ),
      { numRuns: 100 },
    );
  });

  test('one random edit, deletion, swap, truncation or duplication is always reported', () => {
    fc.assert(
      fc.property(
        fc.array(records, { minLength: 2, maxLength: 12 }),
        fc.array(fc.boolean(), { maxLength: 12 }),
        mutations,
        (items, headAfter, mutation) => {
          const log = buildLog(items, headAfter);
          const { lines, expect } = mutate(log.lines, mutation);
          const result = verifyLog({ writerId: key.keyId, lines, heads: log.heads, trustedKeys });
          assert.ok(result.problems.length > 0, `${mutation.kind} went unnoticed`);
          const kinds = new Set(result.problems.map((p) => p.kind));
          for (const kind of expect)
            assert.ok(kinds.has(kind), `${mutation.kind}: expected ${kind}, got ${[...kinds]}`);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('streamed in pieces of any size, the verifier reaches the verdict it reaches on the whole log', () => {
    fc.assert(
      fc.property(
        fc.array(records, { minLength: 2, maxLength: 12 }),
        fc.array(fc.boolean(), { maxLength: 12 }),
        fc.option(mutations, { nil: undefined }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 30 }),
        (items, headAfter, mutation, pieceSizes) => {
          const log = buildLog(items, headAfter);
          const lines = mutation ? mutate(log.lines, mutation).lines : log.lines;
          const whole = verifyLog({ writerId: key.keyId, lines, heads: log.heads, trustedKeys });
          // Stored as git holds it: one chunk per batch, arriving in pipe-sized pieces, with
          // the single pass run after every piece.
          const chunks: Buffer[] = [];
          lines.forEach((line, i) => {
            if (i === 0 || headAfter[i - 1]) chunks.push(Buffer.alloc(0));
            chunks[chunks.length - 1] = Buffer.concat([chunks.at(-1)!, Buffer.from(`${line}\n`)]);
          });
          const entries = new EntryList();
          const verifier = new LogVerifier({ writerId: key.keyId, heads: log.heads, trustedKeys });
          let piece = 0;
          for (const chunk of chunks) {
            entries.beginChunk(chunk.length);
            for (let at = 0; at < chunk.length; ) {
              const size = pieceSizes[piece++ % pieceSizes.length]!;
              entries.write(chunk.subarray(at, at + size));
              verifier.advance(entries);
              at += size;
            }
            entries.endChunk();
          }
          // As UTF-8 bytes: a lone surrogate in a record becomes U+FFFD either way.
          assert.deepEqual(entries.lines(), EntryList.fromLines(lines).lines());
          const streamed = verifier.finish(entries);
          assert.deepEqual(streamed.problems, whole.problems);
          assert.equal(streamed.root, whole.root);
          assert.equal(streamed.size, whole.size);
          assert.ok(streamed.leafHashes.equals(whole.leafHashes));
        },
      ),
      { numRuns: 150 },
    );
  });

  test('holdsTombstones says whether a tombstone was passed: verify searches for purges only then', () => {
    const items = [0, 1, 2].map((n) => ({ kind: 'note', text: `note ${n}`, n }));
    const log = buildLog(items, []);
    const verifierOf = (lines: readonly string[]) => {
      const verifier = new LogVerifier({ writerId: key.keyId, heads: log.heads, trustedKeys });
      verifier.advance(EntryList.fromLines(lines));
      return verifier;
    };
    assert.equal(verifierOf(log.lines).holdsTombstones, false);
    const middle = log.lines[1]!;
    const recordText = middle.slice(middle.indexOf('"record":') + 9, middle.lastIndexOf(',"seq":'));
    const purged = [...log.lines];
    purged[1] = encodeTombstone({
      prev: entryLeafHash(log.lines[0]!).toString('hex'),
      seq: 1,
      leaf: entryLeafHash(middle).toString('hex'),
      recordId: sha256Hex(recordText),
      time: '2025-01-01T00:00:00.000Z',
    });
    const verifier = verifierOf(purged);
    assert.equal(verifier.holdsTombstones, true);
    // The tombstone keeps the chain and the roots: only the missing purge is a problem.
    const unauthorised = verifier.finish(EntryList.fromLines(purged));
    assert.deepEqual(
      unauthorised.problems.map((p) => p.kind),
      ['deleted'],
    );
    const authorised = verifierOf(purged).finish(
      EntryList.fromLines(purged),
      new Map([[sha256Hex(recordText), '2026-01-01T00:00:00.000Z']]),
    );
    assert.deepEqual(authorised.problems, []);
  });

  test('head signatures checked ahead on the thread pool give the verdict checked inline gives', async () => {
    const other = generateKeyPair();
    await fc.assert(
      fc.asyncProperty(
        fc.array(records, { minLength: 1, maxLength: 10 }),
        fc.array(fc.boolean(), { maxLength: 10 }),
        fc.array(fc.constantFrom('keep', 'flip-bit', 'other-key', 'unsigned'), { maxLength: 10 }),
        async (items, headAfter, fates) => {
          const log = buildLog(items, headAfter);
          const heads = log.heads.map((head, i) => {
            const fate = fates[i] ?? 'keep';
            if (fate === 'flip-bit') {
              const sig = Buffer.from(head.sig!, 'base64');
              sig[i % sig.length]! ^= 1;
              return { ...head, sig: sig.toString('base64') };
            }
            if (fate === 'other-key') return { ...signTreeHead(head, other), keyId: key.keyId };
            if (fate === 'unsigned') return { ...head, sig: '' };
            return head;
          });
          const inline = verifyLog({ writerId: key.keyId, lines: log.lines, heads, trustedKeys });
          const entries = EntryList.fromLines(log.lines);
          const verifier = new LogVerifier({ writerId: key.keyId, heads, trustedKeys });
          const ahead = await checkHeadSignatures(key.keyId, heads, trustedKeys);
          const checked = verifier.finish(entries, undefined, ahead);
          assert.deepEqual(checked.problems, inline.problems);
          const bad = fates.slice(0, heads.length).filter((f) => f === 'flip-bit' || f === 'other-key');
          assert.equal(checked.problems.filter((p) => p.kind === 'bad-signature').length, bad.length);
        },
      ),
      { numRuns: 60 },
    );
  });
});
