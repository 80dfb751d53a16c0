/**
 * `trail timestamp`: asks an RFC 3161 timestamping authority to stamp this writer's newest
 * signed tree head, and keeps the token in the log beside it. The head's root covers every
 * record before it, so one token shows all of them existed by the authority's time: that is
 * what keeps them valid if the writer key is revoked later (core/log-verifier.ts).
 */
import { TrailError } from '../core/errors.js';
import type { SignedTreeHead } from '../core/log-entry.js';
import { signedTreeHeadBytes } from '../core/log-entry.js';
import type { TimestampVerdict } from '../core/timestamp-token.js';
import { checkTimestampToken } from '../core/timestamp-token.js';
import { readObjects } from '../git/cat-file.js';
import { noTrustedAuthority, obtainTimestamp } from '../io/timestamp-client.js';
import { addStamps, logRef, ownHeads } from './log-store.js';
import type { Repo } from './repo.js';
import { trustedAuthorityCertificates } from './timestamp-authorities.js';

export interface StampResult {
  size: number;
  /** Whether the token was obtained now (false: the newest head already had one that vouches). */
  added: boolean;
  verdict: TimestampVerdict;
  /** Why the token the head held before did not vouch, when a new one replaced it. */
  replaced?: string;
}

/**
 * The newest head of this writer's own log, and the token beside it if there is one: two
 * blobs read out of git, whatever the log's length.
 */
async function newestHead(
  repo: Repo,
  writerId: string,
): Promise<{ newest: SignedTreeHead; token?: Buffer } | undefined> {
  const heads = await ownHeads(repo, writerId);
  if (!heads) return undefined;
  const [head, token] = await readObjects(repo.workTree, [heads.headOid, heads.tokenOid]);
  let newest: SignedTreeHead | undefined;
  try {
    newest = head ? (JSON.parse(head.content.toString('utf8')) as SignedTreeHead) : undefined;
  } catch {
    newest = undefined;
  }
  if (!newest)
    throw new TrailError('NOT_FOUND', `${logRef(writerId)} holds no signed tree head to timestamp`);
  return { newest, token: token?.content };
}

/**
 * Stamps this writer's newest head at `url`, unless a token that vouches already covers it
 * (one that does not, say from an authority no longer trusted, is replaced: the log's git
 * history keeps it). The new token is checked against the trusted authorities before it is
 * kept: one that would fail verify is refused, with nothing written.
 */
export async function timestampNewestHead(
  repo: Repo,
  writerId: string,
  url: string,
  options: { timeoutMs?: number } = {},
): Promise<StampResult | undefined> {
  const trusted = await trustedAuthorityCertificates(repo);
  const own = await newestHead(repo, writerId);
  // A clone that has written nothing has nothing to stamp (undefined): `trail timestamp`
  // says so, a push says nothing.
  if (!own) return undefined;
  if (trusted.length === 0) throw noTrustedAuthority();
  const { newest, token: held } = own;
  const data = signedTreeHeadBytes(newest);
  if (!data) throw new TrailError('VERIFY_FAILED', `the tree head of size ${newest.size} cannot be encoded`);
  const heldVerdict = held && (await checkTimestampToken(held, data, trusted));
  if (heldVerdict?.ok) return { size: newest.size, added: false, verdict: heldVerdict };
  const { token, verdict } = await obtainTimestamp(url, data, trusted, options.timeoutMs);
  await addStamps(repo, writerId, [{ size: newest.size, token }]);
  return { size: newest.size, added: true, verdict, ...(heldVerdict ? { replaced: heldVerdict.why } : {}) };
}
