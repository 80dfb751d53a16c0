/**
 * RFC 3161 time-stamp tokens: a timestamping authority's (TSA's) signed statement that some
 * bytes existed at a time the authority, not the writer, read off its clock. Trail asks for
 * them over signed tree heads, so a head's existence before a key's revocation can be shown
 * by something other than the head's own claimed time (docs/security.md).
 *
 * ASN.1 and CMS are pkijs's: a token is a CMS SignedData whose content is a TSTInfo naming
 * the SHA-256 of the stamped bytes (RFC 3161 §2.4.2). This module builds the request,
 * reads the reply and judges a token against trusted authority certificates; it does no I/O.
 */
import { randomBytes, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { TrailError } from './errors.js';

const SHA256_OID = '2.16.840.1.101.3.4.2.1';
const TST_INFO_OID = '1.2.840.113549.1.9.16.1.4';
const EXTENDED_KEY_USAGE_OID = '2.5.29.37';
/** id-kp-timeStamping: RFC 3161 §2.3 requires it in the TSA's certificate. */
const TIME_STAMPING_PURPOSE = '1.3.6.1.5.5.7.3.8';
const COMMON_NAME_OID = '2.5.4.3';

type EngineCrypto = ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'];

let engineSet = false;
/** pkijs verifies through WebCrypto: node's own, whatever the global holds. */
function engine(): void {
  if (engineSet) return;
  pkijs.setEngine(
    'node',
    new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as EngineCrypto }),
  );
  engineSet = true;
}

function arrayBufferOf(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export interface TimestampRequest {
  /** The DER TimeStampReq to POST as application/timestamp-query. */
  der: Buffer;
  /** The request's nonce: the reply must echo it, so an old reply cannot be replayed. */
  nonce: Buffer;
}

/** A request for a token over `digest` (SHA-256), asking for the TSA's certificate with it. */
export function timestampRequest(digest: Uint8Array, nonce: Buffer = randomBytes(8)): TimestampRequest {
  // A first byte of 0x01-0x7f makes these bytes the INTEGER's minimal DER: positive, with no
  // leading zero for the authority to drop when it echoes the nonce back.
  const positive = Buffer.from(nonce);
  positive[0] = (positive[0]! & 0x7f) | 0x01;
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA256_OID }),
      hashedMessage: new asn1js.OctetString({ valueHex: arrayBufferOf(digest) }),
    }),
    nonce: new asn1js.Integer({ valueHex: arrayBufferOf(positive) }),
    certReq: true,
  });
  return { der: Buffer.from(request.toSchema().toBER()), nonce: positive };
}

/** RFC 3161 PKIStatus values, for the line that says why a TSA refused. */
const STATUS_WORDS = [
  'granted',
  'granted with modifications',
  'rejection',
  'waiting',
  'revocation warning',
  'revocation notification',
];

function failure(message: string): TrailError {
  return new TrailError('VERIFY_FAILED', message);
}

function parseSignedData(token: Uint8Array): pkijs.SignedData {
  const content = pkijs.ContentInfo.fromBER(arrayBufferOf(token));
  if (content.contentType !== pkijs.ContentInfo.SIGNED_DATA) throw new Error('not CMS SignedData');
  const signed = new pkijs.SignedData({ schema: content.content });
  if (signed.encapContentInfo.eContentType !== TST_INFO_OID) throw new Error('its content is not a TSTInfo');
  return signed;
}

function tstInfoOf(signed: pkijs.SignedData): pkijs.TSTInfo {
  const content = signed.encapContentInfo.eContent;
  if (!content) throw new Error('its TSTInfo is empty');
  return pkijs.TSTInfo.fromBER(content.getValue());
}

/**
 * The token out of a TSA's DER reply to `request` over `digest`: refused (one line saying
 * why) unless it was granted, names that digest and echoes the nonce.
 */
export function tokenOfReply(reply: Uint8Array, request: TimestampRequest, digest: Uint8Array): Buffer {
  engine();
  let response: pkijs.TimeStampResp;
  try {
    response = pkijs.TimeStampResp.fromBER(arrayBufferOf(reply));
  } catch {
    throw failure('the timestamping authority did not answer with an RFC 3161 reply');
  }
  const status = response.status.status;
  if ((status !== 0 && status !== 1) || !response.timeStampToken) {
    const text = response.status.statusStrings?.map((s) => s.valueBlock.value).join('; ');
    throw failure(
      `the timestamping authority refused the request (${STATUS_WORDS[status] ?? `status ${status}`}${text ? `: ${text}` : ''})`,
    );
  }
  const token = Buffer.from(response.timeStampToken.toSchema().toBER());
  let info: pkijs.TSTInfo;
  try {
    info = tstInfoOf(parseSignedData(token));
  } catch (error) {
    throw failure(`the timestamping authority's token cannot be read: ${(error as Error).message}`);
  }
  const imprint = Buffer.from(info.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (!imprint.equals(Buffer.from(digest)))
    throw failure('the timestamping authority stamped other bytes than asked');
  const echoed = info.nonce ? integerBytes(info.nonce.valueBlock.valueHexView) : undefined;
  if (!echoed?.equals(integerBytes(request.nonce)))
    throw failure("the timestamping authority's reply does not echo the request's nonce");
  return token;
}

/** An INTEGER's value bytes without leading zeros: the same number however it was encoded. */
function integerBytes(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return Buffer.from(bytes.subarray(start));
}

export interface TimestampVerdict {
  ok: boolean;
  /** Why the token does not vouch, when it does not. */
  why?: string;
  /** The authority's time (genTime), as ISO text. */
  time?: string;
  /**
   * The latest the stamped bytes can have existed by, in milliseconds: genTime plus the
   * token's stated accuracy and a second for genTime's precision. What a revocation is
   * compared with.
   */
  latest?: number;
  /** The signing certificate's common name, to name the authority in output. */
  authority?: string;
}

function commonNameOf(certificate: pkijs.Certificate): string {
  const name = certificate.subject.typesAndValues.find((t) => t.type === COMMON_NAME_OID);
  return String(name?.value.valueBlock.value ?? 'unnamed authority');
}

/**
 * Most authorities write genTime in whole seconds, cut down from their clock: a token read as
 * 12:00:00 may have been made at 12:00:00.999. The parsed time does not say whether fractions
 * were written, so the latest time always allows the second.
 */
const GEN_TIME_PRECISION_MS = 1000;

function accuracyMs(info: pkijs.TSTInfo): number {
  const accuracy = info.accuracy;
  if (!accuracy) return 0;
  return (accuracy.seconds ?? 0) * 1000 + (accuracy.millis ?? 0) + (accuracy.micros ?? 0) / 1000;
}

function signerCertificateOf(signed: pkijs.SignedData): pkijs.Certificate | undefined {
  const sid = signed.signerInfos[0]?.sid;
  if (!(sid instanceof pkijs.IssuerAndSerialNumber)) return undefined;
  return signed.certificates?.find(
    (c): c is pkijs.Certificate =>
      c instanceof pkijs.Certificate &&
      c.issuer.isEqual(sid.issuer) &&
      c.serialNumber.isEqual(sid.serialNumber),
  );
}

/** Whether a certificate's extended key usage lets it sign tokens (id-kp-timeStamping). */
function mayStamp(certificate: pkijs.Certificate): boolean {
  const usage = certificate.extensions?.find((e) => e.extnID === EXTENDED_KEY_USAGE_OID);
  const purposes = (usage?.parsedValue as pkijs.ExtKeyUsage | undefined)?.keyPurposes ?? [];
  return purposes.includes(TIME_STAMPING_PURPOSE);
}

/** A certificate's common name and whether it can sign tokens, or why it cannot be read. */
export function describeCertificate(der: Uint8Array): { name: string; timeStamping: boolean } {
  engine();
  const certificate = pkijs.Certificate.fromBER(arrayBufferOf(der));
  return { name: commonNameOf(certificate), timeStamping: mayStamp(certificate) };
}

/**
 * Whether `token` vouches that `data` existed by its time: its CMS signature holds, its
 * signer chains (at the token's time) to one of `trusted` (a CA's certificate, or the TSA's
 * own), the signer may stamp (id-kp-timeStamping), and it names SHA-256 of `data`.
 */
export async function checkTimestampToken(
  token: Uint8Array,
  data: Uint8Array,
  trusted: readonly Uint8Array[],
): Promise<TimestampVerdict> {
  engine();
  let signed: pkijs.SignedData;
  let info: pkijs.TSTInfo;
  try {
    signed = parseSignedData(token);
    info = tstInfoOf(signed);
  } catch (error) {
    return { ok: false, why: `the timestamp token cannot be read: ${(error as Error).message}` };
  }
  const time = info.genTime.toISOString();
  const signer = signerCertificateOf(signed);
  if (!signer) return { ok: false, time, why: 'the timestamp token does not carry its signing certificate' };
  const authority = commonNameOf(signer);
  const said = { time, authority };
  if (info.messageImprint.hashAlgorithm.algorithmId !== SHA256_OID) {
    return { ok: false, ...said, why: 'the timestamp token names its bytes by a hash other than SHA-256' };
  }
  if (!mayStamp(signer)) {
    return {
      ok: false,
      ...said,
      why: `${authority}'s certificate is not one for timestamping (id-kp-timeStamping)`,
    };
  }
  const anchors = trusted.map((der) => pkijs.Certificate.fromBER(arrayBufferOf(der)));
  const signerDer = Buffer.from(signer.toSchema().toBER());
  // pkijs builds chains up to a CA; a TSA's own certificate, trusted as it is, ends the chain.
  const signerIsAnchor = trusted.some((der) => signerDer.equals(der));
  if (signerIsAnchor && (info.genTime < signer.notBefore.value || info.genTime > signer.notAfter.value)) {
    return { ok: false, ...said, why: `${authority}'s certificate was not valid at ${time}` };
  }
  const stamped = Buffer.from(info.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (!stamped.equals(Buffer.from(await webcrypto.subtle.digest('SHA-256', data)))) {
    return { ok: false, ...said, why: 'the timestamp token stamps other bytes' };
  }
  let result: pkijs.SignedDataVerifyResult;
  try {
    result = await signed.verify({
      signer: 0,
      data: arrayBufferOf(data),
      trustedCerts: anchors,
      checkChain: !signerIsAnchor,
      extendedMode: true,
    });
  } catch (error) {
    result = error as pkijs.SignedDataVerifyResult;
  }
  // pkijs checks the chain before the signature: an untrusted signer is said as such.
  if (!signerIsAnchor && result.signerCertificateVerified === false) {
    return {
      ok: false,
      ...said,
      why: `${authority} is not a trusted timestamping authority (trail timestamp trust)`,
    };
  }
  if (result.signatureVerified !== true) {
    return { ok: false, ...said, why: `the timestamp token's signature by ${authority} does not verify` };
  }
  return { ok: true, ...said, latest: info.genTime.getTime() + accuracyMs(info) + GEN_TIME_PRECISION_MS };
}
