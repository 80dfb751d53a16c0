/** Option values a person types that must be numbers: checked before any work, named in the error. */
import { TrailError } from '../core/errors.js';

/** A count such as `-n 5`: a whole number of at least 1. */
export function positiveCount(value: string, flag: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(value.trim())) {
    throw new TrailError('USAGE', `${flag} takes a whole number of at least 1, not "${value}"`);
  }
  return Number(value);
}

/** A repeatable option's values, in the order given: `--key a --key b`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
