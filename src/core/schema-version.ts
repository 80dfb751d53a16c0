/**
 * The record schema version, apart from the schemas themselves: code that only stamps or
 * reads the version (and `trail verify`, which loads the schemas only when it meets an
 * approval) must not pay for loading zod, about a tenth of a second.
 */
export const SCHEMA_VERSION = 1;
