/** `.trail/config.json`: the repository's committed Trail settings. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as z from 'zod';
import { parseJson } from '../core/canonical-json.js';
import { TrailError } from '../core/errors.js';
import type { Repo } from './repo.js';
import { configPath } from './repo-paths.js';

export { configPath };

export const configSchema = z.object({
  version: z.literal(1).default(1),
  agents: z.array(z.string()).default([]),
  redact: z
    .object({ patterns: z.array(z.object({ id: z.string(), pattern: z.string() })).default([]) })
    .default({ patterns: [] }),
  checks: z
    .object({
      /** Shell commands matching these are recorded as validations (regular expressions). */
      patterns: z.array(z.object({ name: z.string(), pattern: z.string() })).default([]),
      /** Checks expected on every change: configured but not run means recorded as skipped. */
      required: z.array(z.string()).default([]),
    })
    .default({ patterns: [], required: [] }),
  capture: z
    .object({
      /** Copy (redacted, size-capped) raw transcripts into the spool. Off by default. */
      keepTranscripts: z.boolean().default(false),
      transcriptMaxBytes: z.number().int().positive().default(1_048_576),
    })
    .default({ keepTranscripts: false, transcriptMaxBytes: 1_048_576 }),
  server: z.object({ url: z.string().optional() }).default({}),
  /** The RFC 3161 timestamping authority `trail timestamp` asks when given no --url. */
  timestamp: z.object({ url: z.string().optional() }).default({}),
  /** When Trail began tracking this repository: older commits without a checkpoint are `unknown`. */
  trackedSince: z.string().optional(),
});

export type TrailConfig = z.infer<typeof configSchema>;

export function loadConfig(repo: Repo): TrailConfig {
  const path = configPath(repo);
  if (!existsSync(path)) return configSchema.parse({});
  const result = configSchema.safeParse(parseJson(readFileSync(path, 'utf8'), path));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new TrailError('INPUT_INVALID', `${path}: field "${issue.path.join('.')}": ${issue.message}`);
  }
  return result.data;
}

export function writeDefaultConfig(repo: Repo): boolean {
  const path = configPath(repo);
  if (existsSync(path)) return false;
  mkdirSync(repo.configDir, { recursive: true });
  writeFileSync(
    path,
    `${JSON.stringify(configSchema.parse({ trackedSince: new Date().toISOString() }), null, 2)}\n`,
  );
  return true;
}

/**
 * Sets the RFC 3161 authority `git push` and `trail report --sign` ask (`timestamp.url`),
 * keeping every other field of the file as it is. The file is checked first: a config that
 * does not read is refused, not overwritten.
 */
export function setTimestampUrl(repo: Repo, url: string): void {
  loadConfig(repo);
  const path = configPath(repo);
  const raw = existsSync(path)
    ? (parseJson(readFileSync(path, 'utf8'), path) as Record<string, unknown>)
    : {};
  const timestamp = (raw.timestamp ?? {}) as Record<string, unknown>;
  mkdirSync(repo.configDir, { recursive: true });
  writeFileSync(path, `${JSON.stringify({ ...raw, timestamp: { ...timestamp, url } }, null, 2)}\n`);
}
