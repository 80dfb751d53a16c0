/**
 * Dead Simple Signing Envelope v1 (secure-systems-lab/dsse, protocol.md).
 * The signature covers PAE(payloadType, payload), never the raw payload, so a signature
 * cannot be replayed under another payload type.
 */
import { TrailError } from './errors.js';
import type { KeyPair } from './signature.js';
import { sign, verifySignature } from './signature.js';

export interface DsseSignature {
  keyid: string;
  sig: string;
}

export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: DsseSignature[];
}

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN in bytes. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Buffer {
  // One header buffer and one copy: tree heads are encoded once per append when verifying.
  const header = `DSSEv1 ${Buffer.byteLength(payloadType, 'utf8')} ${payloadType} ${payload.length} `;
  return Buffer.concat([Buffer.from(header, 'utf8'), payload]);
}

export function signEnvelope(payloadType: string, payload: Uint8Array, key: KeyPair): DsseEnvelope {
  return {
    payload: Buffer.from(payload).toString('base64'),
    payloadType,
    signatures: [{ keyid: key.keyId, sig: sign(preAuthEncoding(payloadType, payload), key.privateKey) }],
  };
}

const STANDARD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE_BASE64 = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * Decodes standard or URL-safe base64, as verifiers must accept both (envelope.md), padded
 * or not; anything else is undefined, so the caller rejects it (protocol.md: "Reject if
 * decoding fails"). Node's own decoder skips characters outside the alphabet and stops at
 * the first `=`, so a statement appended after the padding, or junk inside, would verify
 * here while `base64 -d` and other verifiers read different bytes. So the text must be the
 * one encoding of the bytes it decodes to: one alphabet, padding only at the end and only
 * to a multiple of four, and unused trailing bits zero (RFC 4648 §3.5).
 */
export function decodeStrictBase64(text: string): Buffer | undefined {
  const urlSafe = !STANDARD_BASE64.test(text);
  if (urlSafe && !URL_SAFE_BASE64.test(text)) return undefined;
  const unpadded = text.replace(/=+$/, '');
  if (unpadded !== text && text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(unpadded, urlSafe ? 'base64url' : 'base64');
  const canonical = bytes.toString(urlSafe ? 'base64url' : 'base64').replace(/=+$/, '');
  return canonical === unpadded ? bytes : undefined;
}

export interface VerifiedEnvelope {
  payloadType: string;
  payload: Buffer;
  /** Key ids of the trusted keys whose signatures held. */
  signedBy: string[];
}

export interface CheckedEnvelope extends VerifiedEnvelope {
  /**
   * The `keyid` each signature names, whether or not it held: only a hint (protocol.md), but
   * the one way to tell a person whose key to look for when none of theirs verifies.
   */
  namedKeyIds: string[];
}

/**
 * The envelope's signatures checked against trusted keys, none of which may hold (signedBy
 * empty). `keyid` is only a hint (protocol.md): every trusted key is tried against every
 * signature. Throws only for an envelope that is malformed.
 */
export function checkEnvelope(envelope: unknown, trustedKeys: ReadonlyMap<string, string>): CheckedEnvelope {
  const env = envelope as Partial<DsseEnvelope> | null;
  if (
    !env ||
    typeof env.payload !== 'string' ||
    typeof env.payloadType !== 'string' ||
    !Array.isArray(env.signatures)
  ) {
    throw new TrailError('SIGNATURE_INVALID', 'not a DSSE envelope (needs payload, payloadType, signatures)');
  }
  const payload = decodeStrictBase64(env.payload);
  if (!payload) {
    throw new TrailError(
      'SIGNATURE_INVALID',
      "the envelope's payload is not well-formed base64 (standard or URL-safe, padding only at the end)",
    );
  }
  const pae = preAuthEncoding(env.payloadType, payload);
  const signedBy = new Set<string>();
  const namedKeyIds: string[] = [];
  for (const [i, signature] of env.signatures.entries()) {
    if (typeof signature?.keyid === 'string' && signature.keyid) namedKeyIds.push(signature.keyid);
    if (typeof signature?.sig !== 'string') continue;
    const bytes = decodeStrictBase64(signature.sig);
    if (!bytes) {
      throw new TrailError(
        'SIGNATURE_INVALID',
        `signature ${i + 1} of the envelope is not well-formed base64 (standard or URL-safe, padding only at the end)`,
      );
    }
    const sig = bytes.toString('base64');
    for (const [keyId, publicKey] of trustedKeys) {
      if (verifySignature(pae, sig, publicKey)) signedBy.add(keyId);
    }
  }
  return { payloadType: env.payloadType, payload, signedBy: [...signedBy], namedKeyIds };
}

/**
 * Checks the envelope's signatures against trusted keys, and returns the verified payload
 * bytes so the caller never re-parses the envelope; throws unless one of them holds.
 */
export function verifyEnvelope(
  envelope: unknown,
  trustedKeys: ReadonlyMap<string, string>,
): VerifiedEnvelope {
  const { payloadType, payload, signedBy } = checkEnvelope(envelope, trustedKeys);
  if (signedBy.length === 0) {
    throw new TrailError('SIGNATURE_INVALID', 'no signature on the envelope verifies with a trusted key');
  }
  return { payloadType, payload, signedBy };
}
