/**
 * JSON Canonicalization Scheme, RFC 8785.
 *
 * - Object members are sorted by their names' UTF-16 code units (§3.2.3), which is what
 *   the default `Array.prototype.sort` comparison does for strings.
 * - Numbers use ECMAScript's Number-to-String (§3.2.2.3): `JSON.stringify` on a finite number.
 * - Strings use JSON.stringify's escaping, which matches §3.2.2.2 (short escapes, lowercase
 *   `\u00xx` for other control characters, everything else literal). Lone surrogates are
 *   not valid I-JSON (RFC 7493 §2.1) and are rejected rather than escaped.
 */
import { TrailError } from './errors.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The canonical text of a JSON value. The first pass keeps no path: building one for every
 * member tripled the cost, and a path is only needed to say where a value that is not JSON
 * sits. When that pass meets one, the same walk runs again with the path, and names it.
 */
export function canonicalize(value: unknown): string {
  try {
    return write(value, undefined);
  } catch (error) {
    if (error !== NOT_JSON) throw error;
    return write(value, '$');
  }
}

/** Thrown by the pathless pass at the first value that is not JSON. */
const NOT_JSON = Symbol('not JSON');

/** What to throw for a value that is not JSON: the marker, or with a path, the named error. */
function notJson(path: string | undefined, why: string): unknown {
  return path === undefined ? NOT_JSON : new TrailError('NOT_CANONICAL', `${path}: ${why}`);
}

/** A member's path, built only when the walk keeps one. */
function member(path: string | undefined, suffix: string): string | undefined {
  return path === undefined ? undefined : `${path}${suffix}`;
}

function write(value: unknown, path: string | undefined): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw notJson(path, `${value} cannot be represented in JSON`);
      return JSON.stringify(value);
    case 'string':
      if (LONE_SURROGATE.test(value)) throw notJson(path, 'string holds a lone UTF-16 surrogate');
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        // Indexed, not `map`: a hole must be written as null, and `map` skips holes.
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          out += `${i === 0 ? '' : ','}${write(item === undefined ? null : item, member(path, `[${i}]`))}`;
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw notJson(path, `${proto?.constructor?.name ?? 'object'} is not plain JSON`);
      }
      const record = value as Record<string, unknown>;
      let out = '{';
      for (const key of Object.keys(record).sort()) {
        const item = record[key];
        if (item === undefined) continue;
        if (LONE_SURROGATE.test(key)) throw notJson(path, 'key holds a lone surrogate');
        out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${write(item, member(path, `.${key}`))}`;
      }
      return `${out}}`;
    }
    default:
      throw notJson(path, `${typeof value} is not JSON`);
  }
}

/**
 * Why JSON.parse refused a text, without the text: V8 quotes the part it could not parse
 * (`Unexpected token 'v', "vm\n" is not valid JSON`), which can hold a secret from the file
 * and a newline that would break an error's one line. Only what comes before a quote is kept.
 */
export function jsonSyntaxReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .split('"', 1)[0]!
    .replace(/\s+/g, ' ')
    .replace(/[, ]+$/, '')
    .slice(0, 120);
}

/** Parses JSON text, turning a syntax error into a TrailError naming the source. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TrailError('INVALID_JSON', `${source} is not valid JSON: ${jsonSyntaxReason(error)}`);
  }
}
