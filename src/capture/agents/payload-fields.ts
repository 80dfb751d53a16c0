/**
 * Reading hook payloads tolerantly but strictly typed: a field is absent, null (taken as
 * absent) or of the expected type; anything else is malformed input, a one-line
 * INPUT_INVALID error. Shared by the agent adapters.
 */
import { TrailError } from '../../core/errors.js';
import type { EventBody } from '../../core/records.js';
import type { Observation } from '../observation.js';

export type Obj = Record<string, unknown>;

export function invalid(message: string): never {
  throw new TrailError('INPUT_INVALID', message);
}

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string field; undefined when absent or null (Cursor sends null for unknown values). */
export function str(o: Obj, key: string, what: string): string | undefined {
  const value = o[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') invalid(`${what}: "${key}" must be a string`);
  return value;
}

/** Cuts keep a secret whole or leave it out, and are marked (cut-rules.ts). */
export { clip, tail } from '../cut-rules.js';

export function event(e: EventBody): Observation {
  return { type: 'event', event: e };
}

export function drop<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function number(o: Obj, key: string, what: string): number | undefined {
  const value = o[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) invalid(`${what}: "${key}" must be a number`);
  return value;
}

export function obj(o: Obj, key: string, what: string): Obj | undefined {
  const value = o[key];
  if (value === undefined || value === null) return undefined;
  if (!isObj(value)) invalid(`${what}: "${key}" must be an object`);
  return value;
}
