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

export function canonicalize(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) {
        throw new TrailError('NOT_CANONICAL', `${path}: ${value} cannot be represented in JSON`);
      }
      return JSON.stringify(value);
    case 'string':
      if (LONE_SURROGATE.test(value)) {
        throw new TrailError('NOT_CANONICAL', `${path}: string holds a lone UTF-16 surrogate`);
      }
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        // Array.from visits holes too: `map` would skip them and emit `[,1]`, which is not JSON.
        return `[${Array.from(value, (item, i) => write(item === undefined ? null : item, `${path}[${i}]`)).join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new TrailError(
          'NOT_CANONICAL',
          `${path}: ${proto?.constructor?.name ?? 'object'} is not plain JSON`,
        );
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      const members = keys.map((k) => {
        if (LONE_SURROGATE.test(k)) {
          throw new TrailError('NOT_CANONICAL', `${path}: key holds a lone surrogate`);
        }
        return `${JSON.stringify(k)}:${write(record[k], `${path}.${k}`)}`;
      });
      return `{${members.join(',')}}`;
    }
    default:
      throw new TrailError('NOT_CANONICAL', `${path}: ${typeof value} is not JSON`);
  }
}

/** Parses JSON text, turning a syntax error into a TrailError naming the source. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TrailError('INVALID_JSON', `${source} is not valid JSON: ${(error as Error).message}`);
  }
}
