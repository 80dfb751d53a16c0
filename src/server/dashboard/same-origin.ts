/**
 * Whether a dashboard form post came from the dashboard's own pages, and whether the browser
 * reached the server over HTTPS (the session cookie is then `Secure`).
 *
 * The server speaks plain HTTP; the documented deployment puts TLS in front (docs/server.md),
 * so the URL the server sees (`http://<Host>`) is not the origin the browser sees
 * (`https://<host>`), and a proxy may rewrite Host too. What the browser's origin is comes from
 * one of: the operator (`publicUrl`, `trail serve --public-url`), the only origin accepted
 * then; the browser itself (`Sec-Fetch-Site: same-origin`, a header no page script can set,
 * Fetch Metadata, W3C); or the request's Host with the scheme the server saw or a trusted proxy
 * reports in X-Forwarded-Proto. X-Forwarded-Proto is read only when the operator trusts a
 * proxy (`trustProxy` > 0): without one, any client could claim HTTPS.
 */
import { TrailError } from '../../core/errors.js';
import { forwardedEntries } from '../client-address.js';

/** What the operator told the server about how browsers reach it. */
export interface OriginTrust {
  /** The dashboard's origin as browsers see it (`publicUrl`), when the operator gave it. */
  publicOrigin?: string;
  /** Proxy hops trusted (ServerConfig.trustProxy): above 0, X-Forwarded-Proto is believed. */
  trustedHops: number;
}

/** The headers of a form post that say where it came from. */
export interface PostSource {
  /** The request URL as the server built it (`http://<Host>/ui/login`). */
  url: string;
  host?: string;
  origin?: string;
  fetchSite?: string;
  forwardedProto?: string;
}

/**
 * `--public-url`: an http(s) URL with nothing after the host but `/` (the dashboard is served
 * at `/ui` of its origin, so a path would name an origin it is not at); a usage error otherwise.
 */
export function parsePublicUrl(text: string, flag = 'publicUrl'): URL {
  const fail = (): never => {
    throw new TrailError(
      'USAGE',
      `${flag} takes the address browsers open the server at, an http(s) URL with no path (https://trail.example.com), not "${text}"`,
    );
  };
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return fail();
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail();
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) fail();
  if (/[?#]/.test(text)) fail();
  return url;
}

/**
 * The scheme a trusted proxy says the client used: the X-Forwarded-Proto entry `trustedHops`
 * from the right (each proxy that appends adds the scheme it was reached by), or the leftmost
 * of a shorter list, as X-Forwarded-For is read (client-address.ts). Undefined without a
 * trusted proxy, or for anything but http and https.
 */
export function forwardedScheme(
  header: string | undefined,
  trustedHops: number,
): 'http' | 'https' | undefined {
  if (trustedHops <= 0 || !header) return undefined;
  const entries = forwardedEntries(header);
  if (entries.length === 0) return undefined;
  const entry = entries[entries.length - Math.min(trustedHops, entries.length)]!.toLowerCase();
  return entry === 'http' || entry === 'https' ? entry : undefined;
}

/** Whether the browser reached the dashboard over HTTPS: what the `Secure` cookie flag follows. */
export function isHttps(source: PostSource, trust: OriginTrust): boolean {
  if (trust.publicOrigin) return trust.publicOrigin.startsWith('https:');
  return (
    source.url.startsWith('https:') || forwardedScheme(source.forwardedProto, trust.trustedHops) === 'https'
  );
}

/** `scheme://host` normalised as browsers write an Origin (default port dropped), or undefined. */
function originOf(scheme: string, host: string): string | undefined {
  try {
    const url = new URL(`${scheme}://${host}`);
    return url.host === '' ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

/**
 * Whether a form post is the dashboard's own. A post with no Origin and no Fetch Metadata is
 * not a browser's cross-site form (browsers send Origin with every cross-origin POST), so it
 * passes, as curl's does; `Origin: null` (a sandboxed or opaque origin) and a browser that
 * says the post is cross-site or from a sibling site never do.
 */
export function isSameOriginPost(source: PostSource, trust: OriginTrust): boolean {
  const site = source.fetchSite?.trim().toLowerCase();
  if (site === 'cross-site' || site === 'same-site') return false;
  const origin = source.origin?.trim();
  if (origin === undefined || origin === '') return true;
  if (origin === 'null') return false;
  let given: string;
  try {
    given = new URL(origin).origin;
  } catch {
    return false;
  }
  if (trust.publicOrigin) return given === trust.publicOrigin;
  if (site === 'same-origin') return true;
  const host = source.host ?? new URL(source.url).host;
  const seen = source.url.startsWith('https:') ? 'https' : 'http';
  const schemes = new Set(['http', seen, forwardedScheme(source.forwardedProto, trust.trustedHops)]);
  for (const scheme of schemes) {
    if (scheme && originOf(scheme, host) === given) return true;
  }
  return false;
}
