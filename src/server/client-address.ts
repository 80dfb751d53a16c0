/**
 * Who a request came from, as the per-address rate limit counts it (app.ts).
 *
 * The address is the socket's, as @hono/node-server hands it to the app (`env.incoming`),
 * never a header such as X-Forwarded-For: a client sets those, and a limit it can choose its
 * own key for limits nothing. Behind a reverse proxy every client therefore shares the
 * proxy's address (docs/server.md, "Rate limit").
 */
import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';

/**
 * The socket address of a request, or undefined for a request that came through no socket:
 * the dashboard reads the API in process (dashboard/api.ts), with a token whose own limit
 * counts those reads, and tests call `app.request()`.
 */
export function clientAddress(env: unknown): string | undefined {
  const incoming = (env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress || undefined;
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
