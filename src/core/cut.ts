/**
 * Cutting a captured text to a record's bound without cutting a secret in two. Redaction finds
 * a secret by its whole shape (`ghp_` and 36 characters, a PEM block from BEGIN to END): a cut
 * through one leaves a piece that no rule matches any more, and that piece would be stored as
 * it is. So a cut is placed where no secret is: the text around the cut (CUT_MARGIN characters
 * either side) is scanned with the same rules the spool redacts with, and a cut that would
 * fall inside a secret moves out of it, to the secret's start when the head is kept, past its
 * end when the tail is. The text itself is returned unredacted: whoever writes it redacts it
 * whole, as every captured value, so its findings are recorded as always.
 *
 * The cut is marked (`…[truncated N characters]` after a head, `[truncated N characters]…`
 * before a tail, N counting UTF-16 units left out), so a reader never takes a cut text for the
 * whole. It never falls between the halves of a surrogate pair, nor inside a
 * `[REDACTED:<rule>]` marker of a text redacted before it is cut.
 *
 * Only the window around the cut is scanned, so a cut costs the same for a 4 MiB text as for a
 * 70 KiB one. A secret longer than CUT_MARGIN (no vendor token is; a PEM private key of an
 * 8192-bit RSA key is about 6,400 characters) could still be cut without being seen whole.
 */
import type { RedactionRule } from './redact.js';
import { BUILTIN_RULES, secretSpans } from './redact.js';

/** Characters scanned on each side of a cut: more than the longest secret a rule matches. */
export const CUT_MARGIN = 16 * 1024;

/** `[REDACTED:` and a rule id of up to 64 characters, then `]` (redact.ts, RULE_ID). */
const REDACTED_OPEN = '[REDACTED:';
const MARKER_MAX = REDACTED_OPEN.length + 64 + 1;

export function headMarker(left: number): string {
  return `…[truncated ${left} characters]`;
}

export function tailMarker(left: number): string {
  return `[truncated ${left} characters]…`;
}

/** The first characters of `text`, within `max` characters with the marker. */
export function cutHead(text: string, max: number, rules: readonly RedactionRule[] = BUILTIN_RULES): string {
  if (text.length <= max) return text;
  const room = max - headMarker(text.length).length;
  if (room <= 0) return text.slice(0, headCut(text, max, rules));
  const at = headCut(text, room, rules);
  return text.slice(0, at) + headMarker(text.length - at);
}

/** The last characters of `text`, within `max` characters with the marker. */
export function cutTail(text: string, max: number, rules: readonly RedactionRule[] = BUILTIN_RULES): string {
  if (text.length <= max) return text;
  const room = max - tailMarker(text.length).length;
  if (room <= 0) return text.slice(tailCut(text, text.length - max, rules));
  const at = tailCut(text, text.length - room, rules);
  return tailMarker(at) + text.slice(at);
}

/** The first characters of `text`, within `maxBytes` of UTF-8 with the marker. */
export function cutHeadUtf8(
  text: string,
  maxBytes: number,
  rules: readonly RedactionRule[] = BUILTIN_RULES,
): string {
  // Three bytes per UTF-16 unit is the most UTF-8 needs, so short texts skip the count.
  if (text.length * 3 <= maxBytes) return text;
  const budget = maxBytes - new TextEncoder().encode(headMarker(text.length)).length;
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : char.length === 2 ? 4 : 3;
    if (bytes + size > budget) {
      const at = headCut(text, end, rules);
      return text.slice(0, at) + headMarker(text.length - at);
    }
    bytes += size;
    end += char.length;
  }
  return text;
}

/** Where to end a kept head at `at` or before it, outside any secret, marker or pair. */
function headCut(text: string, at: number, rules: readonly RedactionRule[]): number {
  let cut = Math.max(0, at);
  const from = Math.max(0, cut - CUT_MARGIN);
  for (const span of secretSpans(text.slice(from, cut + CUT_MARGIN), rules)) {
    if (from + span.start < cut && cut < from + span.end) cut = from + span.start;
  }
  const open = markerOpenBefore(text, cut);
  if (open >= 0 && !text.slice(open, cut).includes(']')) cut = open;
  const code = text.charCodeAt(cut - 1);
  return code >= 0xd800 && code <= 0xdbff ? cut - 1 : cut;
}

/**
 * Where to start a kept tail at `at` or after it, outside any secret, marker or pair: for a
 * caller that marks the cut itself (`trail exec`'s output tail, bounded in bytes).
 */
export function tailCut(text: string, at: number, rules: readonly RedactionRule[]): number {
  let cut = Math.min(text.length, at);
  const from = Math.max(0, cut - CUT_MARGIN);
  for (const span of secretSpans(text.slice(from, cut + CUT_MARGIN), rules)) {
    if (from + span.start < cut && cut < from + span.end) cut = from + span.end;
  }
  const open = markerOpenBefore(text, cut);
  if (open >= 0) {
    const close = text.indexOf(']', open);
    if (close >= cut && close - open < MARKER_MAX) cut = close + 1;
  }
  const code = text.charCodeAt(cut);
  return code >= 0xdc00 && code <= 0xdfff ? cut + 1 : cut;
}

/** Where the last `[REDACTED:` that starts before `at` and could reach it starts, or -1. */
function markerOpenBefore(text: string, at: number): number {
  const from = Math.max(0, at - MARKER_MAX);
  const found = text.slice(from, at + REDACTED_OPEN.length - 1).lastIndexOf(REDACTED_OPEN, at - from - 1);
  return found < 0 ? -1 : from + found;
}
