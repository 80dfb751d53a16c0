/**
 * Parses `--field value` pairs into an object: `--session-id x` and `--sessionId x` both set
 * `sessionId`; dotted names nest (`--event.type decision`); values that read as JSON
 * (numbers, booleans, null, arrays, objects) are parsed, anything else stays a string.
 */
import { TrailError } from '../core/errors.js';

function camel(segment: string): string {
  return segment.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function parseValue(text: string): unknown {
  if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(text) || /^[[{"]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

export function parseFieldArgs(args: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--') || arg === '--')
      throw new TrailError('USAGE', `expected --field value, got "${arg}"`);
    let name = arg.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    } else {
      value = args[++i];
      if (value === undefined) throw new TrailError('USAGE', `--${name} needs a value`);
    }
    const path = name.split('.').map(camel);
    if (path.some((p) => !p || p === '__proto__' || p === 'constructor' || p === 'prototype')) {
      throw new TrailError('USAGE', `--${name} is not a field name`);
    }
    let target = out;
    for (const segment of path.slice(0, -1)) {
      const next = target[segment];
      if (next === undefined) target[segment] = {};
      else if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        throw new TrailError('USAGE', `--${name} conflicts with an earlier value`);
      }
      target = target[segment] as Record<string, unknown>;
    }
    const leaf = path[path.length - 1]!;
    const parsed = parseValue(value);
    const existing = target[leaf];
    // Repeating a field builds a list: --acceptance-criteria a --acceptance-criteria b.
    if (existing === undefined) target[leaf] = parsed;
    else target[leaf] = Array.isArray(existing) ? [...existing, parsed] : [existing, parsed];
  }
  return out;
}
