/**
 * Signed exports. A report file is signed by a detached DSSE envelope whose payload states
 * what was signed (file name, SHA-256 and size of its bytes, kind, format, period), who
 * signed it (key id) and when. The envelope's signature covers PAE(payloadType, payload),
 * so the statement cannot be altered or replayed as another type; the file is bound through
 * its digest, so one changed byte fails. Verification is offline, against .trail/keys or the
 * public keys a verifier was handed.
 *
 * The statement's `signedAt` is the signer's own claim, so a signature by a key revoked as of
 * now fails whatever time it claims (core/key-revocation.ts says why).
 */
import { createHash } from 'node:crypto';
import type { Period } from '../core/change-facts.js';
import type { CheckedEnvelope, DsseEnvelope } from '../core/dsse.js';
import { checkEnvelope, signEnvelope } from '../core/dsse.js';
import { TrailError } from '../core/errors.js';
import { parseIsoTime } from '../core/iso-time.js';
import { revocationTime, revokedAsOf } from '../core/key-revocation.js';
import type { TrustedKey } from '../core/log-verifier.js';
import type { KeyPair } from '../core/signature.js';

export const REPORT_PAYLOAD_TYPE = 'application/vnd.trail.report.v1+json';

export interface ReportStatement {
  file: string;
  sha256: string;
  size: number;
  kind: string;
  format: string;
  period: Period;
  signer: { keyId: string };
  signedAt: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function signReport(
  bytes: Uint8Array,
  about: { file: string; kind: string; format: string; period: Period },
  key: KeyPair,
  signedAt = new Date().toISOString(),
): DsseEnvelope {
  const statement: ReportStatement = {
    file: about.file,
    sha256: sha256Hex(bytes),
    size: bytes.length,
    kind: about.kind,
    format: about.format,
    period: about.period,
    signer: { keyId: key.keyId },
    signedAt,
  };
  return signEnvelope(REPORT_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement), 'utf8'), key);
}

export interface VerifiedReport {
  statement: ReportStatement;
  /** The trusted key whose signature held. */
  signer: TrustedKey;
  sha256: string;
  /** Set when the file's name differs from the one signed (renaming does not break it). */
  renamedFrom?: string;
  /**
   * Set when the signer's key is to be revoked from a later time (`trail keys revoke --at`):
   * from then on this signature no longer verifies.
   */
  revokedFrom?: string;
  /** A trusted authority's RFC 3161 timestamp over the signature: it existed by `time`. */
  timestamp?: { time: string; authority: string };
  /** Set when the signer's key is revoked now, and the timestamp shows it signed before. */
  signedBeforeRevocation?: boolean;
}

/** A timestamp over a report's signature, already checked (core/timestamp-token.ts). */
export interface CheckedReportTimestamp {
  time: string;
  authority: string;
  /** The latest time (ms) the signature can have existed by, on the authority's clock. */
  latest: number;
}

/**
 * The bytes an RFC 3161 timestamp over a report stamps: its envelope's signature, decoded (the
 * first: Trail signs with one key). The signature covers the statement, and the statement the
 * file's digest, so the token shows the report existed by its time. Undefined when the
 * envelope has none.
 */
export function reportSignatureBytes(envelope: unknown): Buffer | undefined {
  const sig = (envelope as { signatures?: Array<{ sig?: unknown }> } | null)?.signatures?.[0]?.sig;
  return typeof sig === 'string' && sig.length > 0 ? Buffer.from(sig, 'base64') : undefined;
}

/** A time as Trail writes one (`toISOString`): ISO 8601 in UTC, read strictly. */
function parseUtcTime(text: string): number | undefined {
  return text.endsWith('Z') ? parseIsoTime(text) : undefined;
}

/** Where the keys a report is checked against came from, in the words of its errors. */
export interface KeySource {
  /**
   * How one key (or, without an id, the set) is held, after "key K, ": e.g. "trusted in
   * .trail/keys", "given with --key alice.pem".
   */
  held(keyId?: string): string;
  /** What to do when the report's signer is not among them. */
  remedy: string;
}

export const REPOSITORY_KEYS: KeySource = {
  held: () => 'trusted in .trail/keys',
  remedy: "trust the signer's key with trail keys trust, or check with it directly (--key FILE)",
};

/** A key id the envelope names, as text a person can read: it is the envelope's, not ours. */
function namedKey(keyId: string): string {
  return /^[A-Za-z0-9._:-]{1,80}$/.test(keyId) ? keyId : JSON.stringify(keyId.slice(0, 40));
}

/**
 * Why no signature held, in terms of the key the envelope names: a named key among the
 * trusted ones means the statement or the signature was altered; any other means the signer
 * is not trusted (or given) here.
 */
export function noSignatureHeld(
  fileName: string,
  named: readonly string[],
  trusted: readonly TrustedKey[],
  source: KeySource,
): string {
  const trustedIds = new Set(trusted.map((k) => k.keyId));
  const held = named.find((id) => trustedIds.has(id));
  if (held !== undefined) {
    return `the signature on ${fileName} does not verify with key ${held} (${source.held(held)}), the key it names: the signed statement or the signature was changed after signing`;
  }
  if (named.length > 0) {
    const names = [...new Set(named)].map(namedKey).join(', key ');
    return `${fileName} is signed by key ${names}, which is not ${source.held()}: ${source.remedy}`;
  }
  return `no signature on ${fileName} verifies with a key ${source.held()}: ${source.remedy}`;
}

/**
 * The trusted key that signed, of those whose signatures held (`signedBy`, not empty): one in
 * force is preferred when several did, so a revoked one is returned only when all are revoked.
 */
export function signerOf(
  trusted: readonly TrustedKey[],
  signedBy: readonly string[],
  now: number,
): TrustedKey {
  const signers = trusted.filter((k) => signedBy.includes(k.keyId));
  return signers.find((k) => revokedAsOf(k, now) === undefined) ?? signers[0]!;
}

/**
 * Checks a report's bytes against its envelope and the trusted keys; throws a
 * VERIFY_FAILED or SIGNATURE_INVALID TrailError with one line saying what failed, and
 * which key signed it.
 * @param options.now when the keys' revocations are judged (default: now)
 * @param options.source where `trusted` came from, for errors (default: .trail/keys)
 */
export function verifyReport(
  bytes: Uint8Array,
  envelope: unknown,
  trusted: readonly TrustedKey[],
  fileName: string,
  options: { now?: number; source?: KeySource; timestamp?: CheckedReportTimestamp } = {},
): VerifiedReport {
  const { now = Date.now(), source = REPOSITORY_KEYS, timestamp } = options;
  const keys = new Map(trusted.map((k) => [k.keyId, k.publicKey]));
  let verified: CheckedEnvelope;
  try {
    verified = checkEnvelope(envelope, keys);
  } catch (error) {
    throw new TrailError(
      'SIGNATURE_INVALID',
      `the signature on ${fileName} does not verify: ${(error as Error).message}`,
    );
  }
  if (verified.signedBy.length === 0) {
    throw new TrailError(
      'SIGNATURE_INVALID',
      noSignatureHeld(fileName, verified.namedKeyIds, trusted, source),
    );
  }
  if (verified.payloadType !== REPORT_PAYLOAD_TYPE) {
    throw new TrailError(
      'SIGNATURE_INVALID',
      `the envelope is a ${verified.payloadType}, not a Trail report signature (${REPORT_PAYLOAD_TYPE})`,
    );
  }
  let statement: ReportStatement;
  try {
    statement = JSON.parse(verified.payload.toString('utf8')) as ReportStatement;
  } catch {
    throw new TrailError('SIGNATURE_INVALID', 'the signed statement is not JSON');
  }
  if (typeof statement?.sha256 !== 'string' || typeof statement.signedAt !== 'string') {
    throw new TrailError('SIGNATURE_INVALID', 'the signed statement lacks sha256 or signedAt');
  }
  const signedAt = parseUtcTime(statement.signedAt);
  if (signedAt === undefined) {
    throw new TrailError(
      'SIGNATURE_INVALID',
      `the signed statement's signedAt ${JSON.stringify(statement.signedAt).slice(0, 80)} is not an ISO 8601 time in UTC (e.g. 2026-04-02T09:00:00.000Z)`,
    );
  }
  const signer = signerOf(trusted, verified.signedBy, now);
  const revokedAt = revocationTime(signer);
  // The authority's time, not the signer's: a signature it stamped before the revocation
  // was made before it, whoever holds the key now.
  const stampedBefore = timestamp !== undefined && revokedAt !== undefined && timestamp.latest < revokedAt;
  if (revokedAsOf(signer, now) !== undefined && !stampedBefore) {
    throw new TrailError(
      'VERIFY_FAILED',
      `${fileName} is signed by key ${signer.keyId}, revoked since ${signer.revokedAt}: the signing time in a report (${statement.signedAt}) is the signer's own claim, so it cannot show the report predates the revocation${timestamp ? `, and its timestamp (${timestamp.time}, ${timestamp.authority}) is not before it either` : ''}; re-sign the report with a key in force (trail report ... --sign)`,
    );
  }
  if (revokedAt !== undefined && signedAt >= revokedAt) {
    // A revocation dated later (trail keys revoke --at) still refuses a statement that says
    // it came after it.
    throw new TrailError(
      'VERIFY_FAILED',
      `${fileName} says it was signed at ${statement.signedAt}, after key ${signer.keyId}'s revocation from ${signer.revokedAt}: re-sign the report with a key in force (trail report ... --sign)`,
    );
  }
  const sha256 = sha256Hex(bytes);
  if (sha256 !== statement.sha256 || bytes.length !== statement.size) {
    throw new TrailError(
      'VERIFY_FAILED',
      `${fileName} was changed after it was signed (by key ${signer.keyId}, ${source.held(signer.keyId)}): its SHA-256 is ${sha256} (${bytes.length} bytes), the signature covers ${statement.sha256} (${statement.size} bytes)`,
    );
  }
  return {
    statement,
    signer,
    sha256,
    renamedFrom: statement.file !== fileName ? statement.file : undefined,
    revokedFrom: signer.revokedAt,
    ...(timestamp ? { timestamp: { time: timestamp.time, authority: timestamp.authority } } : {}),
    ...(stampedBefore && revokedAsOf(signer, now) !== undefined ? { signedBeforeRevocation: true } : {}),
  };
}
