/**
 * Checks a bundle of signed in-toto statements offline: the JSON lines `trail report slsa
 * --format jsonl` and `trail export --format intoto` print, one DSSE envelope per line. An
 * auditor handed the bundle and the signer's public key checks every line: its signature
 * holds with a key given (or trusted), the key is not revoked, and the payload is an in-toto
 * Statement v1 naming its subjects. The first line that fails is named, with why.
 *
 * A statement carries no signing time of its own, so a key revoked now fails every statement
 * it signed, as a report's claimed signing time cannot save it either (signing.ts).
 */
import { checkEnvelope } from '../core/dsse.js';
import { TrailError } from '../core/errors.js';
import { revokedAsOf } from '../core/key-revocation.js';
import type { TrustedKey } from '../core/log-verifier.js';
import type { KeySource } from './signing.js';
import { noSignatureHeld, REPOSITORY_KEYS, signerOf } from './signing.js';
import { IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_TYPE } from './slsa.js';

export interface VerifiedStatement {
  /** The line of the bundle, from 1. */
  line: number;
  predicateType: string;
  /** The subjects' names (`acme/shop@<sha>`). */
  subjects: string[];
  signer: TrustedKey;
}

/** Whether `text` reads as such a bundle: its first line an envelope of an in-toto statement. */
export function isStatementBundle(text: string): boolean {
  const first = text.split('\n').find((line) => line.trim() !== '');
  if (first === undefined) return false;
  try {
    return (JSON.parse(first) as { payloadType?: unknown } | null)?.payloadType === IN_TOTO_PAYLOAD_TYPE;
  } catch {
    return false;
  }
}

/**
 * Every statement of the bundle, checked; throws a SIGNATURE_INVALID or VERIFY_FAILED
 * TrailError naming the first line that fails.
 */
export function verifyStatements(
  text: string,
  trusted: readonly TrustedKey[],
  fileName: string,
  options: { now?: number; source?: KeySource } = {},
): VerifiedStatement[] {
  const { now = Date.now(), source = REPOSITORY_KEYS } = options;
  const keys = new Map(trusted.map((k) => [k.keyId, k.publicKey]));
  const verified: VerifiedStatement[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    if (raw.trim() === '') continue;
    const where = `${fileName} line ${i + 1}`;
    const fail = (why: string, code: 'SIGNATURE_INVALID' | 'VERIFY_FAILED' = 'SIGNATURE_INVALID') =>
      new TrailError(code, `${where}: ${why}`);
    let envelope: unknown;
    try {
      envelope = JSON.parse(raw);
    } catch {
      throw fail('not a JSON line (each line of a bundle is one DSSE envelope)');
    }
    let checked: ReturnType<typeof checkEnvelope>;
    try {
      checked = checkEnvelope(envelope, keys);
    } catch (error) {
      throw fail((error as Error).message);
    }
    if (checked.signedBy.length === 0)
      throw new TrailError('SIGNATURE_INVALID', noSignatureHeld(where, checked.namedKeyIds, trusted, source));
    if (checked.payloadType !== IN_TOTO_PAYLOAD_TYPE)
      throw fail(
        `the envelope is a ${checked.payloadType}, not an in-toto statement (${IN_TOTO_PAYLOAD_TYPE})`,
      );
    const signer = signerOf(trusted, checked.signedBy, now);
    if (revokedAsOf(signer, now) !== undefined)
      throw fail(
        `signed by key ${signer.keyId}, revoked since ${signer.revokedAt}: a statement carries no signing time that could show it predates the revocation; sign the bundle again with a key in force`,
        'VERIFY_FAILED',
      );
    let statement: { _type?: unknown; predicateType?: unknown; subject?: unknown };
    try {
      statement = JSON.parse(checked.payload.toString('utf8'));
    } catch {
      throw fail('the signed statement is not JSON');
    }
    const subjects = Array.isArray(statement?.subject)
      ? statement.subject.map((s) => (s as { name?: unknown } | null)?.name)
      : [];
    if (
      statement?._type !== IN_TOTO_STATEMENT_TYPE ||
      typeof statement.predicateType !== 'string' ||
      subjects.length === 0 ||
      !subjects.every((name): name is string => typeof name === 'string')
    )
      throw fail(`the signed statement is not an ${IN_TOTO_STATEMENT_TYPE} with named subjects`);
    verified.push({ line: i + 1, predicateType: statement.predicateType, subjects, signer });
  }
  if (verified.length === 0)
    throw new TrailError('SIGNATURE_INVALID', `${fileName} holds no statement: nothing to verify`);
  return verified;
}
