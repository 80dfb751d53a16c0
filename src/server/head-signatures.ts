/**
 * Tree-head signatures checked off the event loop. Ingest checks one Ed25519 signature per
 * head, and a writer signs a head per append, so a push of N records carries N heads; at
 * ~0.2 ms per verification that would hold the event loop for most of a push. node:crypto's
 * callback form of `verify` runs in libuv's thread pool instead, so the server keeps parsing
 * and answering other requests while signatures are checked in parallel.
 *
 * The signed message is exactly the one core/log-entry.ts signs and checks (DSSE PAE over
 * the canonical head body); a test holds the two to the same answers.
 */
import { verify } from 'node:crypto';
import { canonicalize } from '../core/canonical-json.js';
import { preAuthEncoding } from '../core/dsse.js';
import type { SignedTreeHead } from '../core/log-entry.js';
import { TREE_HEAD_TYPE } from '../core/log-entry.js';
import { publicKeyObject } from '../core/signature.js';

function message(head: SignedTreeHead): Buffer {
  const { log, size, root, last, time } = head;
  return preAuthEncoding(TREE_HEAD_TYPE, Buffer.from(canonicalize({ last, log, root, size, time }), 'utf8'));
}

/** Whether `head` carries a valid Ed25519 signature by `publicKeyBase64`. */
export function verifyHeadAsync(head: SignedTreeHead, publicKeyBase64: string): Promise<boolean> {
  if (typeof head.sig !== 'string' || head.sig.length === 0) return Promise.resolve(false);
  let key: ReturnType<typeof publicKeyObject>;
  let data: Buffer;
  try {
    key = publicKeyObject(publicKeyBase64);
    data = message(head);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    try {
      verify(null, data, key, Buffer.from(head.sig, 'base64'), (error, ok) => resolve(!error && ok));
    } catch {
      resolve(false);
    }
  });
}

/** The heads whose signatures do not verify, checked in parallel. */
export async function badSignatures(
  heads: readonly SignedTreeHead[],
  publicKeyBase64: string,
): Promise<SignedTreeHead[]> {
  const results = await Promise.all(heads.map((h) => verifyHeadAsync(h, publicKeyBase64)));
  return heads.filter((_, i) => !results[i]);
}
