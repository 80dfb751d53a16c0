/**
 * Checking what an SDK caller passes, before anything is written. The SDK is called from
 * plain JavaScript as often as from TypeScript, so its types promise nothing at run time:
 * a value the seal would refuse at commit must be refused here instead, where the caller can
 * still fix it (a session record the seal cannot write leaves the commit's AI lines with no
 * record). Every refusal is a TrailError with code INPUT_INVALID naming the argument.
 */
import * as z from 'zod';
import { TrailError } from '../core/errors.js';

/** A refusal of one argument (or one field of it), in the words docs/sdk.md promises. */
export function invalidArgument(where: string, name: string, why: string): TrailError {
  return new TrailError('INPUT_INVALID', `${where}: ${name}: ${why}`);
}

/**
 * `value` parsed by `schema`, or an INPUT_INVALID error naming the argument, or the field of
 * it that is wrong when the argument is an object of named fields (options, a usage report).
 */
export function checkArgument<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: string,
  argument: string,
  shape: 'value' | 'fields' = 'value',
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map(String);
  const name =
    shape === 'fields' && path.length > 0
      ? `field "${path.join('.')}"`
      : `argument "${[argument, ...path].join('.')}"`;
  throw invalidArgument(where, name, issue.message);
}

/** Text that says something: the seal and the spool treat a blank one as absent or refuse it. */
export const nonBlank = z.string().refine((s) => s.trim().length > 0, 'must not be empty or blank');

/** A folder to find the repository from. */
export const cwdSchema = nonBlank.optional();
