/**
 * Asking an RFC 3161 timestamping authority for a token over some bytes, over HTTP (RFC 3161
 * §3.4: a POST of application/timestamp-query, answered with application/timestamp-reply).
 * The token is checked against the trusted authorities before it is handed back: one that
 * would fail verification is refused here, so nothing keeps it.
 */
import { createHash } from 'node:crypto';
import { TrailError } from '../core/errors.js';
import type { TimestampVerdict } from '../core/timestamp-token.js';

/** How long to wait for the authority by default: one answers in well under a second. */
export const DEFAULT_TIMEOUT_MS = 15_000;

/** The authority's address, checked: http or https, nothing else (fetch would take file: or data:). */
export function authorityUrl(value: string, flag = '--url'): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TrailError('USAGE', `${flag} takes the authority's http(s) address, not "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TrailError('USAGE', `${flag} takes an http(s) address, not a ${url.protocol} one`);
  }
  return url.toString();
}

/** Asking with no authority trusted would only fetch a token that cannot be kept. */
export function noTrustedAuthority(): TrailError {
  return new TrailError(
    'USAGE',
    'no timestamping authority is trusted here: add its certificate with trail timestamp trust FILE (and commit .trail/timestamping/)',
  );
}

async function askAuthority(url: string, query: Buffer, timeoutMs: number): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
      body: query,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs / 1000} s`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw new TrailError('NOT_FOUND', `cannot reach the timestamping authority at ${url}: ${why}`);
  }
  const body = Buffer.from(await response.arrayBuffer());
  if (!response.ok) {
    throw new TrailError(
      'VERIFY_FAILED',
      `the timestamping authority at ${url} answered ${response.status} ${response.statusText}`.trim(),
    );
  }
  return body;
}

/**
 * A token from the authority at `url` over `data`, checked against `trusted` (DER
 * certificates). Refused, with one line saying why, when the authority cannot be reached,
 * answers with no RFC 3161 reply, or gives a token that does not vouch.
 */
export async function obtainTimestamp(
  url: string,
  data: Uint8Array,
  trusted: readonly Uint8Array[],
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<{ token: Buffer; verdict: TimestampVerdict }> {
  const address = authorityUrl(url, 'the timestamping authority');
  if (trusted.length === 0) throw noTrustedAuthority();
  // Loaded here: the CLI's help lists commands that import this module, and pkijs is heavy.
  const { checkTimestampToken, timestampRequest, tokenOfReply } = await import('../core/timestamp-token.js');
  const digest = createHash('sha256').update(data).digest();
  const request = timestampRequest(digest);
  const token = tokenOfReply(await askAuthority(address, request.der, timeoutMs), request, digest);
  const verdict = await checkTimestampToken(token, data, trusted);
  if (!verdict.ok)
    throw new TrailError('VERIFY_FAILED', `the token from ${address} was not kept: ${verdict.why}`);
  return { token, verdict };
}
