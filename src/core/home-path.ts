/**
 * A path under the user's home folder written as `~/...`: what a capture gap says of a
 * transcript (`/home/alice/.claude/projects/...`) would otherwise put a local user name into
 * the ledger, which keeps the host and user only in a session's boundary, where policy allows.
 */

/** `text` with each path under one of `homes` starting `~` instead; other text unchanged. */
export function withHomeAsTilde(text: string, homes: ReadonlyArray<string | undefined>): string {
  let out = text;
  // The longest first: a home inside another (`/home/a` and `/home/a/b`) is replaced whole.
  const usable = homes
    .map((h) => h?.replace(/\/+$/, ''))
    .filter((h): h is string => h !== undefined && h.length > 1)
    .sort((a, b) => b.length - a.length);
  for (const home of usable) {
    const escaped = home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // Only the whole folder: `/home/al` is not the start of `/home/alice`.
    out = out.replace(new RegExp(`${escaped}(?=/|$|[\\s'"\`:;,)\\]}])`, 'g'), '~');
  }
  return out;
}
