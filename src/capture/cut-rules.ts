/**
 * The cuts adapters and transcript parsers make to captured texts (core/cut.ts), with the
 * redaction rules of the repository being recorded in. An adapter reads a payload before the
 * repository is known (its paths and cwd choose it), so it cannot be handed the rules: it cuts
 * with the rules in scope, the built-in ones unless a caller that knows the repository's runs
 * it inside withCutRules. The scope is synchronous only (adapters and parsers are), so it can
 * never leak into other work across an await.
 */
import { cutHead, cutHeadUtf8, cutTail } from '../core/cut.js';
import type { RedactionRule } from '../core/redact.js';
import { BUILTIN_RULES } from '../core/redact.js';

let scope: readonly RedactionRule[] = BUILTIN_RULES;
let cuts = 0;

/** Runs `fn` (synchronous) with cuts placed by `rules`. */
export function withCutRules<T>(rules: readonly RedactionRule[], fn: () => T): T {
  const outer = scope;
  scope = rules;
  try {
    return fn();
  } finally {
    scope = outer;
  }
}

/** How many texts were cut so far: a caller compares it around a call to learn if it cut. */
export function cutCount(): number {
  return cuts;
}

/** The head of a text within `max` characters, marked when cut, no secret cut in two. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  cuts++;
  return cutHead(text, max, scope);
}

/** The tail of a text within `max` characters, marked when cut, no secret cut in two. */
export function tail(text: string, max: number): string {
  if (text.length <= max) return text;
  cuts++;
  return cutTail(text, max, scope);
}

/** The head of a text within `maxBytes` of UTF-8, marked when cut, no secret cut in two. */
export function clipUtf8(text: string, maxBytes: number): string {
  const out = cutHeadUtf8(text, maxBytes, scope);
  if (out !== text) cuts++;
  return out;
}
