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
 * The canonical text of a JSON value. The writing pass keeps no path: building one for every
 * member tripled the cost, and a path is only needed to say where a value that is not JSON
 * sits. When the pass meets one, a second walk in the same order finds it and names it.
 */
export function canonicalize(value: unknown): string {
  try {
    return write(value);
  } catch (error) {
    if (error !== NOT_JSON) throw error;
    const fault = firstFault(value, '$');
    throw new TrailError('NOT_CANONICAL', fault ?? '$: not plain JSON');
  }
}

/** Thrown by the writing pass at the first value that is not JSON; canonicalize names it. */
const NOT_JSON = Symbol('not JSON');

function write(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw NOT_JSON;
      return JSON.stringify(value);
    case 'string':
      if (LONE_SURROGATE.test(value)) throw NOT_JSON;
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        // Indexed, not `map`: a hole must be written as null, and `map` skips holes.
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          out += `${i === 0 ? '' : ','}${write(item === undefined ? null : item)}`;
        }
        return `${out}]`;
      }
      if (!isPlainObject(value)) throw NOT_JSON;
      const record = value as Record<string, unknown>;
      let out = '{';
      for (const key of Object.keys(record).sort()) {
        const member = record[key];
        if (member === undefined) continue;
        if (LONE_SURROGATE.test(key)) throw NOT_JSON;
        out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${write(member)}`;
      }
      return `${out}}`;
    }
    default:
      throw NOT_JSON;
  }
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Where the first value that is not JSON sits, and why, walking in write's order. */
function firstFault(value: unknown, path: string): string | undefined {
  if (value === null) return undefined;
  switch (typeof value) {
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path}: ${value} cannot be represented in JSON`;
    case 'string':
      return LONE_SURROGATE.test(value) ? `${path}: string holds a lone UTF-16 surrogate` : undefined;
    case 'object': {
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const fault = firstFault(value[i] === undefined ? null : value[i], `${path}[${i}]`);
          if (fault) return fault;
        }
        return undefined;
      }
      if (!isPlainObject(value)) {
        const proto = Object.getPrototypeOf(value);
        return `${path}: ${proto?.constructor?.name ?? 'object'} is not plain JSON`;
      }
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record).sort()) {
        if (record[key] === undefined) continue;
        if (LONE_SURROGATE.test(key)) return `${path}: key holds a lone surrogate`;
        const fault = firstFault(record[key], `${path}.${key}`);
        if (fault) return fault;
      }
      return undefined;
    }
    default:
      return `${path}: ${typeof value} is not JSON`;
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
