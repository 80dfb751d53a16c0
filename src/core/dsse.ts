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

/** Decodes standard or URL-safe base64, as verifiers must accept both (envelope.md). */
function decodeBase64(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

export interface VerifiedEnvelope {
  payloadType: string;
  payload: Buffer;
  /** Key ids of the trusted keys whose signatures held. */
  signedBy: string[];
}

/**
 * Checks the envelope's signatures against trusted keys. `keyid` is only a hint
 * (protocol.md): every trusted key is tried against every signature, and the verified
 * payload bytes are returned so the caller never re-parses the envelope.
 */
export function verifyEnvelope(
  envelope: unknown,
  trustedKeys: ReadonlyMap<string, string>,
): VerifiedEnvelope {
  const env = envelope as Partial<DsseEnvelope> | null;
  if (
    !env ||
    typeof env.payload !== 'string' ||
    typeof env.payloadType !== 'string' ||
    !Array.isArray(env.signatures)
  ) {
    throw new TrailError('SIGNATURE_INVALID', 'not a DSSE envelope (needs payload, payloadType, signatures)');
  }
  const payload = decodeBase64(env.payload);
  const pae = preAuthEncoding(env.payloadType, payload);
  const signedBy = new Set<string>();
  for (const signature of env.signatures) {
    if (typeof signature?.sig !== 'string') continue;
    const sig = decodeBase64(signature.sig).toString('base64');
    for (const [keyId, publicKey] of trustedKeys) {
      if (verifySignature(pae, sig, publicKey)) signedBy.add(keyId);
    }
  }
  if (signedBy.size === 0) {
    throw new TrailError('SIGNATURE_INVALID', 'no signature on the envelope verifies with a trusted key');
  }
  return { payloadType: env.payloadType, payload, signedBy: [...signedBy] };
}
