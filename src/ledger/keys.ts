/**
 * Keys. Each clone signs with its own Ed25519 writer key, kept private under the git dir.
 * Public keys that verifiers trust live in `.trail/keys/<keyId>.json` in the working tree:
 * committed and reviewed like code, so a fresh clone can verify every writer, and adding
 * or revoking a key is itself a reviewed change with history.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { parseJson } from '../core/canonical-json.js';
import { TrailError } from '../core/errors.js';
import type { TrustedKey } from '../core/log-verifier.js';
import type { KeyPair } from '../core/signature.js';
import {
  generateKeyPair,
  keyIdOf,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyFromPem,
} from '../core/signature.js';
import { listTree, readObjects } from '../git/cat-file.js';
import type { Repo } from './repo.js';

export interface TrustedKeyFile extends TrustedKey {
  name: string;
  addedAt: string;
  revokedReason?: string;
}

function writerKeyPath(repo: Repo): string {
  return join(repo.stateDir, 'keys', 'writer.pem');
}

/** This clone's writer key, or undefined in a clone that has none (no `trail init` yet). */
export function writerKeyIfAny(repo: Repo): KeyPair | undefined {
  return existsSync(writerKeyPath(repo)) ? loadWriterKey(repo) : undefined;
}

export function loadWriterKey(repo: Repo): KeyPair {
  const path = writerKeyPath(repo);
  if (!existsSync(path)) {
    throw new TrailError(
      'KEY_MISSING',
      'this clone has no writer key: run `trail init` or `trail keys generate`',
    );
  }
  return privateKeyFromPem(readFileSync(path, 'utf8'));
}

/**
 * This clone's writer key, for appending: refused once `.trail/keys/` has revoked it, since
 * every tree head it signed from then on would fail `trail verify` (revoked-key) for good.
 * Revoking a key does not replace it; `trail keys generate` does, and the clone records again.
 */
export function loadAppendKey(repo: Repo): KeyPair {
  return loadKeyInForce(repo, { done: 'appended', again: 'record again' });
}

/**
 * This clone's writer key, for signing an export or a report: refused once revoked, as for
 * appends, since whoever checks the signature would find the key revoked (or, worse, not know
 * it is).
 */
export function loadSigningKey(repo: Repo): KeyPair {
  return loadKeyInForce(repo, { done: 'signed', again: 'sign again' });
}

/** The writer key unless it is revoked as of now; the refusal says what was not done. */
function loadKeyInForce(repo: Repo, words: { done: string; again: string }): KeyPair {
  const key = loadWriterKey(repo);
  const revoked = revocationOf(repo, key.keyId);
  if (revoked) {
    // The reason is free text from `trail keys revoke --reason`: kept to one short line.
    const reason = revoked.revokedReason?.replace(/\s+/g, ' ').trim().slice(0, 200);
    const why = reason ? ` (${reason})` : '';
    throw new TrailError(
      'KEY_INVALID',
      `this clone's writer key ${key.keyId} was revoked at ${revoked.revokedAt}${why}, so nothing was ${words.done}: run \`trail keys generate\` for a new key, then ${words.again}`,
    );
  }
  return key;
}

/**
 * The trusted-key file of `keyId` when it revokes the key as of now. Only that one file is
 * read: appends (the post-commit hook's among them) pay for no more. A revocation dated later
 * (`trail keys revoke --at`) leaves the key good until then, as verify judges it. A file that
 * cannot be read is not judged here: verify reports it, and this check only spares a clone
 * from writing what verify would refuse.
 */
function revocationOf(repo: Repo, keyId: string): TrustedKeyFile | undefined {
  const file = join(trustDir(repo), `${keyId}.json`);
  let key: TrustedKeyFile;
  try {
    key = parseTrustedKey(readFileSync(file, 'utf8'), file);
  } catch {
    return undefined;
  }
  // Compared as the verifier compares a tree head's time with it (log-verifier.ts).
  return typeof key.revokedAt === 'string' && new Date().toISOString() >= key.revokedAt ? key : undefined;
}

/** Creates this clone's writer key; an existing key is kept (moved aside) only when rotating. */
export function createWriterKey(repo: Repo, options: { rotate?: boolean } = {}): KeyPair {
  const path = writerKeyPath(repo);
  if (existsSync(path)) {
    if (!options.rotate) return loadWriterKey(repo);
    const old = loadWriterKey(repo);
    renameSync(path, join(repo.stateDir, 'keys', `retired-${old.keyId}.pem`));
  }
  mkdirSync(join(repo.stateDir, 'keys'), { recursive: true, mode: 0o700 });
  const key = generateKeyPair();
  writeFileSync(path, privateKeyToPem(key.privateKey), { mode: 0o600 });
  chmodSync(path, 0o600);
  return key;
}

function trustDir(repo: Repo): string {
  return join(repo.configDir, 'keys');
}

/** One file of `.trail/keys/`, checked: its keyId must be its public key's. */
function parseTrustedKey(text: string, file: string): TrustedKeyFile {
  const key = parseJson(text, file) as TrustedKeyFile;
  if (typeof key?.publicKey !== 'string' || keyIdOf(key.publicKey) !== key.keyId) {
    throw new TrailError('KEY_INVALID', `${file}: keyId does not match its publicKey`);
  }
  return key;
}

const BASE64_ED25519 = /^[A-Za-z0-9+/]{43}=$/;

/** Whether `text` is written as a base64 Ed25519 public key is: 43 characters and one `=`. */
export function isBase64PublicKey(text: string): boolean {
  return BASE64_ED25519.test(text);
}

/** Whether `text` decodes (as base64, leniently) to the 32 bytes of an Ed25519 public key. */
export function decodesToPublicKey(text: string): boolean {
  return Buffer.from(text, 'base64').length === 32;
}

/**
 * A public key handed over as a file, for a verifier outside any repository: a Trail key file
 * (one of `.trail/keys/`, whatever it is named, revocation included), a PEM public key
 * (`openssl pkey -pubout`), or the base64 key `trail keys list --json` prints. `file` names it
 * in errors.
 */
export function parsePublicKeyFile(text: string, file: string): TrustedKey {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) return parseTrustedKey(trimmed, file);
  if (isBase64PublicKey(trimmed)) return { keyId: keyIdOf(trimmed), publicKey: trimmed };
  if (trimmed.startsWith('-----BEGIN')) {
    try {
      return publicKeyFromPem(trimmed);
    } catch (error) {
      throw new TrailError('KEY_INVALID', `${file}: ${(error as Error).message}`);
    }
  }
  throw new TrailError(
    'KEY_INVALID',
    `${file} is not a public key: give a Trail key file (.trail/keys/<id>.json), a PEM public key (openssl pkey -pubout) or a base64 Ed25519 key`,
  );
}

export function listTrustedKeys(repo: Repo): TrustedKeyFile[] {
  const dir = trustDir(repo);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .filter((name) => name.endsWith('.json'))
    .map((name) => parseTrustedKey(readFileSync(join(dir, name), 'utf8'), join(dir, name)));
}

export function trustedKeyMap(repo: Repo): Map<string, TrustedKey> {
  return new Map(listTrustedKeys(repo).map((k) => [k.keyId, k]));
}

/**
 * The trusted keys committed at HEAD, for a repository without a working tree (a bare
 * mirror on a server): `.trail/keys/` as the default branch has it. None if HEAD has none.
 */
export async function trustedKeyMapAtHead(repo: Repo): Promise<Map<string, TrustedKey>> {
  const entries = await listTree(repo.workTree, 'HEAD:.trail/keys').catch(() => []);
  const files = entries
    .filter((e) => e.type === 'blob' && e.path.endsWith('.json'))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  const blobs = await readObjects(
    repo.workTree,
    files.map((f) => f.oid),
  );
  const keys = files.map((f, i) =>
    parseTrustedKey(blobs[i]?.content.toString('utf8') ?? '', `HEAD:.trail/keys/${f.path}`),
  );
  return new Map(keys.map((k) => [k.keyId, k]));
}

/** The keys this repository trusts: its `.trail/keys/`, or HEAD's in a bare repository. */
export async function trustedKeysOf(repo: Repo): Promise<Map<string, TrustedKey>> {
  return repo.bare ? trustedKeyMapAtHead(repo) : trustedKeyMap(repo);
}

/** The trusted key named by its id or a unique prefix of it. */
export function findTrustedKey(repo: Repo, keyId: string): TrustedKeyFile {
  const key = listTrustedKeys(repo).find((k) => k.keyId === keyId || k.keyId.startsWith(keyId));
  if (!key) throw new TrailError('NOT_FOUND', `no trusted key ${keyId} (see trail keys list)`);
  return key;
}

export function trustKey(repo: Repo, publicKey: string, name: string): TrustedKeyFile {
  if (!decodesToPublicKey(publicKey))
    throw new TrailError('KEY_INVALID', 'a public key is 32 bytes of Ed25519, base64-encoded');
  const keyId = keyIdOf(publicKey);
  const existing = listTrustedKeys(repo).find((k) => k.keyId === keyId);
  if (existing) return existing;
  const entry: TrustedKeyFile = { keyId, publicKey, name, addedAt: new Date().toISOString() };
  mkdirSync(trustDir(repo), { recursive: true });
  writeFileSync(join(trustDir(repo), `${keyId}.json`), `${JSON.stringify(entry, null, 2)}\n`);
  return entry;
}

export function revokeKey(
  repo: Repo,
  keyId: string,
  reason: string,
  at = new Date().toISOString(),
  sizeAtRevocation?: number,
): TrustedKeyFile {
  const key = findTrustedKey(repo, keyId);
  const revoked: TrustedKeyFile = {
    ...key,
    revokedAt: key.revokedAt ?? at,
    revokedReason: reason,
    // Revoked again once more of the log is held: the bound only ever grows to what is seen.
    ...(sizeAtRevocation === undefined
      ? {}
      : { revokedAtSize: Math.max(sizeAtRevocation, key.revokedAtSize ?? 0) }),
  };
  writeFileSync(join(trustDir(repo), `${key.keyId}.json`), `${JSON.stringify(revoked, null, 2)}\n`);
  return revoked;
}
