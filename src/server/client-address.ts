/**
 * Who a request came from, as the per-address rate limit counts it (app.ts).
 *
 * By default the address is the socket's, as @hono/node-server hands it to the app
 * (`env.incoming`), never a header such as X-Forwarded-For: a client sets those, and a limit
 * it can choose its own key for limits nothing. Behind reverse proxies the operator may trust
 * a number of proxy hops (`trustProxy`, `trail serve --trust-proxy`): each trusted proxy
 * appends the address it saw to X-Forwarded-For, so the client is that many entries in from
 * the right, and whatever a client wrote to the left of those is never read
 * (docs/server.md, "Rate limit").
 */
import type { IncomingMessage } from 'node:http';
import { isIP, isIPv6 } from 'node:net';

/**
 * The client address of a request, or undefined for a request that came through no socket:
 * the dashboard reads the API in process (dashboard/api.ts), with a token whose own limit
 * counts those reads, and tests call `app.request()`. With `trustedHops` above 0 it is taken
 * from `forwardedFor` (the X-Forwarded-For header, several headers joined with commas).
 */
export function clientAddress(env: unknown, forwardedFor?: string, trustedHops = 0): string | undefined {
  const incoming = (env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const socketAddress = incoming?.socket?.remoteAddress || undefined;
  if (socketAddress === undefined || trustedHops === 0) return socketAddress;
  return forwardedClient(socketAddress, forwardedFor ?? '', trustedHops);
}

/**
 * The address `trustedHops` hops away from the server. Hop 0 is the socket's peer (the
 * nearest proxy); each trusted proxy appended what it saw to X-Forwarded-For, so hop k is the
 * k-th entry from the right, written by trusted proxy k-1. A shorter chain (a request that
 * passed fewer proxies) ends at its leftmost entry, which the last trusted proxy still wrote.
 * An entry that is not an address stops the walk at the hop before it: a client behind it
 * then shares that hop's bucket rather than choosing a bucket of its own.
 */
export function forwardedClient(socketAddress: string, forwardedFor: string, trustedHops: number): string {
  const entries = forwardedEntries(forwardedFor);
  let address = socketAddress;
  for (let hop = 1; hop <= trustedHops && hop <= entries.length; hop++) {
    const next = bareAddress(entries[entries.length - hop]!);
    if (next === undefined) break;
    address = next;
  }
  return address;
}

/**
 * The entries of a comma-separated X-Forwarded-* header, left to right (each proxy appends
 * its own at the right), without blanks.
 */
export function forwardedEntries(header: string): string[] {
  return header
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/**
 * An X-Forwarded-For entry as an address: as is, or without the port some proxies add
 * ("192.0.2.1:4711", "[2001:db8::1]:4711"); undefined for anything else ("unknown", an
 * RFC 7239 obfuscated identifier).
 */
function bareAddress(entry: string): string | undefined {
  if (isIP(entry)) return entry;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(entry);
  if (bracketed && isIPv6(bracketed[1]!)) return bracketed[1]!;
  const withPort = /^(\d+\.\d+\.\d+\.\d+):\d{1,5}$/.exec(entry);
  if (withPort && isIP(withPort[1]!)) return withPort[1]!;
  return undefined;
}

/**
 * The rate-limit key of an address. An IPv6 client is counted by its /64, the block one
 * subscriber is given (RFC 6177), so that it cannot take a fresh bucket for each of its
 * addresses; an IPv4-mapped IPv6 address (RFC 4291, 2.5.5.2) is its IPv4 address.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  const bare = address.split('%')[0]!;
  if (!isIPv6(bare)) return address;
  const [head, tail] = bare.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // A dotted IPv4 tail ("64:ff9b::192.0.2.1") stands for two groups.
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - width(left) - width(right)).fill('0'), ...right];
  const prefix = groups.slice(0, 4).map((g) => Number.parseInt(g, 16).toString(16));
  return `${prefix.join(':')}::/64`;
}
