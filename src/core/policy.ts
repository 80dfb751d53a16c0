/**
 * The repository's policy (`.trail/policy.yml`): what a change must carry before it may be
 * pushed, merged or shown to an auditor as compliant. Pure: parses and validates text and
 * answers questions about a policy; loading the file is `ledger/policy-file.ts`'s job.
 *
 * A bad file is reported in one line that names the line: the YAML is parsed with a
 * LineCounter, validated with zod, and each issue's path is walked back through the YAML
 * nodes to the line that holds the offending key or value.
 */

import type { Alias, Document, Node as YamlNode } from 'yaml';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import * as z from 'zod';
import { TrailError } from './errors.js';
import { parseIsoDate, parseIsoTime } from './iso-time.js';

/** Facts a policy can require of every change that has a checkpoint. */
export const REQUIRED_FIELDS = [
  'request.tickets',
  'request.requester',
  'request.acceptanceCriteria',
  'request.summary',
  'prompt',
  'model',
  'agent.version',
  'reasoning',
  'constraints',
  'alternatives',
  'risks',
  'boundary',
  'review',
  'tests',
  'coverage',
] as const;
export type RequiredField = (typeof REQUIRED_FIELDS)[number];

const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
  .refine((t) => parseIsoDate(t) !== undefined, 'is not a real date');
/** YAML reads `20250929` as a number; a version is text either way. */
const versionText = z.union([z.string().min(1), z.number().transform(String)]);

function compiles(pattern: string, mode: GlobMode): boolean {
  try {
    patternToRegExp(pattern, mode);
    return true;
  } catch {
    return false;
  }
}

const pathGlob = z
  .string()
  .min(1)
  .refine((p) => compiles(p, 'path'), 'is not a valid glob');
const commandPattern = z
  .string()
  .min(1)
  .refine((p) => compiles(p, 'command'), 'is not a valid pattern (a /regex/ that does not compile?)');

const modelVersionSchema = z.union([
  versionText,
  z.strictObject({ version: versionText, released: date.optional() }),
]);

const modelEntrySchema = z.strictObject({
  /** The model id without its version suffix, e.g. `claude-sonnet-4-5`; `*` is a wildcard. */
  name: z.string().min(1),
  provider: z.string().optional(),
  released: date.optional(),
  /** Approved versions (suffixes such as `20250929`); absent: every version of `name`. */
  versions: z.array(modelVersionSchema).optional(),
});

const legalHoldSchema = z
  .strictObject({
    checkpoint: z.string().min(1).optional(),
    commit: z
      .string()
      .regex(/^[0-9a-f]{7,64}$/, 'must be a commit id (7 to 64 lowercase hex digits)')
      .optional(),
    path: pathGlob.optional(),
    reason: z.string().min(1),
    placedBy: z.string().optional(),
    since: date.optional(),
  })
  .refine((h) => h.checkpoint || h.commit || h.path, 'a legal hold names a checkpoint, a commit or a path');

export const policySchema = z.strictObject({
  version: z.literal(1).default(1),
  /** false: a commit with no checkpoint (hand-written, or capture failed) is a violation. */
  allowCommitsWithoutCheckpoint: z.boolean().default(true),
  /** Commits that touch only these paths need no checkpoint (Trail's own config, say). */
  exemptPaths: z.array(pathGlob).default(['.trail/**']),
  /**
   * Commits authored before this day (UTC) or instant need no checkpoint: the history from
   * before the team adopted Trail, which no hook could have recorded. Absent: every commit.
   */
  requireCheckpointsFrom: z
    .string()
    .regex(
      /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/,
      'must be a date (YYYY-MM-DD) or a time with its zone (YYYY-MM-DDTHH:MM:SSZ)',
    )
    .refine((t) => (t.length === 10 ? parseIsoDate(t) : parseIsoTime(t)) !== undefined, 'is not a real date')
    .optional(),
  required: z.array(z.enum(REQUIRED_FIELDS)).default([]),
  prompts: z
    .strictObject({
      minWords: z.number().int().nonnegative().default(0),
      minLength: z.number().int().nonnegative().default(0),
      requireAcceptanceCriteria: z.boolean().default(false),
    })
    .prefault({}),
  review: z
    .strictObject({
      minApprovals: z.number().int().positive().default(1),
      /** The approver must be neither the requester nor the commit's author. */
      twoPerson: z.boolean().default(true),
      requireExaminedReasoning: z.boolean().default(false),
      /** Who may approve (globs over reviewer ids); absent: anyone. */
      approvers: z.array(z.string().min(1)).optional(),
    })
    .prefault({}),
  tests: z
    .strictObject({
      mustPass: z.boolean().default(true),
      minCoverage: z.number().min(0).max(100).optional(),
    })
    .prefault({}),
  models: z.strictObject({ approved: z.array(modelEntrySchema).optional() }).prefault({}),
  highRisk: z
    .array(
      z.strictObject({
        name: z.string().optional(),
        paths: z.array(pathGlob).min(1),
        approvals: z.number().int().positive(),
      }),
    )
    .default([]),
  commands: z.strictObject({ allowed: z.array(commandPattern).optional() }).prefault({}),
  retention: z
    .strictObject({
      /** Keep records this many days; absent: keep everything. */
      // Bounded so the cutoff is a time (a year past 9999 has no ISO form); omit it to keep all.
      days: z
        .number()
        .int()
        .positive()
        .max(36_500, 'is at most 36500 (100 years); leave it out to keep everything')
        .optional(),
      legalHolds: z.array(legalHoldSchema).default([]),
    })
    .prefault({}),
});

export type Policy = z.infer<typeof policySchema>;
export type ModelEntry = z.infer<typeof modelEntrySchema>;
export type LegalHold = z.infer<typeof legalHoldSchema>;

/** The policy in force when `.trail/policy.yml` does not exist: report everything, block little. */
/** The instant `requireCheckpointsFrom` names: a bare date is the start of that day, UTC. */
export function checkpointsRequiredFrom(policy: Policy): number | undefined {
  const from = policy.requireCheckpointsFrom;
  if (from === undefined) return undefined;
  return Date.parse(from.length === 10 ? `${from}T00:00:00Z` : from);
}

export function defaultPolicy(): Policy {
  return policySchema.parse({});
}

function lineAt(lines: LineCounter, node: YamlNode | null | undefined): number | undefined {
  const offset = node?.range?.[0];
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

function keyOf(node: unknown): unknown {
  return isScalar(node) ? node.value : node;
}

/** The line of the YAML node a zod issue path points at, or of its nearest existing ancestor. */
function lineOfPath(
  doc: Document,
  lines: LineCounter,
  path: readonly PropertyKey[],
  extraKey?: string,
): number {
  let node: unknown = doc.contents;
  let line = lineAt(lines, doc.contents as YamlNode) ?? 1;
  const steps = extraKey === undefined ? path : [...path, extraKey];
  for (const step of steps) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String(keyOf(p.key)) === String(step));
      if (!pair) break;
      const value = pair.value as YamlNode | null;
      // A scalar's error is on its own line; a map or list's is on the line of its key.
      line =
        (isScalar(value) ? lineAt(lines, value) : undefined) ?? lineAt(lines, pair.key as YamlNode) ?? line;
      node = value;
    } else if (isSeq(node) && typeof step === 'number') {
      const item = node.items[step] as YamlNode | undefined;
      if (!item) break;
      line = lineAt(lines, item) ?? line;
      node = item;
    } else break;
  }
  return line;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const step of path)
    v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[step] : undefined;
  return v;
}

function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((step, i) => (typeof step === 'number' ? `[${step}]` : `${i === 0 ? '' : '.'}${String(step)}`))
    .join('');
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): { extraKey?: string; text: string } {
  const value = valueAt(input, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0]!;
      return { extraKey: key, text: `unknown setting "${key}" (see docs/policy.md for the settings)` };
    }
    case 'invalid_type':
      return {
        text: `expected ${issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`}, got ${shown(value)}`,
      };
    case 'invalid_value':
      return { text: `${shown(value)} is not one of: ${issue.values.map(String).join(', ')}` };
    default:
      return { text: issue.message };
  }
}

/**
 * Copies of anchored values (`&a` … `*a`) a policy may expand to. Each alias counts as many
 * copies as it holds, so nested aliases multiply: a few lines of them ("billion laughs")
 * would build millions of values. A real policy needs a handful.
 */
const MAX_ALIAS_EXPANSIONS = 100;

/** The line of the alias the YAML library refused: one that names no anchor before it, else the first. */
function aliasLine(doc: Document, lines: LineCounter): number {
  let first: Alias | undefined;
  let unresolved: Alias | undefined;
  visit(doc, {
    Alias(_key, node) {
      first ??= node;
      if (!unresolved && node.resolve(doc) === undefined) unresolved = node;
    },
  });
  return lineAt(lines, unresolved ?? first) ?? 1;
}

/**
 * Parses and validates policy text. `file` is only used in messages. Throws a
 * POLICY_INVALID TrailError whose message is one line: `<file>:<line>: <path>: <problem>`.
 */
export function parsePolicy(text: string, file = '.trail/policy.yml'): Policy {
  const lines = new LineCounter();
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    // YAML text cannot hold one (the library lets it through in a comment), nor can the server store it.
    const line = text.slice(0, nul).split('\n').length;
    throw new TrailError('POLICY_INVALID', `${file}:${line}: holds a NUL character: a policy is text`);
  }
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0]?.line ?? lines.linePos(syntax.pos[0]).line;
    const message = syntax.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new TrailError('POLICY_INVALID', `${file}:${line}: not valid YAML: ${message}`);
  }
  let value: unknown;
  try {
    value = doc.contents === null ? {} : (doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS }) as unknown);
  } catch (error) {
    // The library throws (a ReferenceError, not a parse error) for an alias with no anchor
    // before it and for aliases that expand past MAX_ALIAS_EXPANSIONS.
    const message = String((error as Error)?.message ?? error).split('\n')[0]!;
    const problem = /excessive alias/i.test(message)
      ? `its aliases (*name) expand to more than ${MAX_ALIAS_EXPANSIONS} copies: write the values out`
      : message;
    throw new TrailError('POLICY_INVALID', `${file}:${aliasLine(doc, lines)}: not valid YAML: ${problem}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const line = lineAt(lines, doc.contents as YamlNode) ?? 1;
    throw new TrailError(
      'POLICY_INVALID',
      `${file}:${line}: the policy must be a mapping of settings (see docs/policy.md)`,
    );
  }
  const result = policySchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const { extraKey, text: problem } = describeIssue(issue, value);
  const line = lineOfPath(doc, lines, issue.path, extraKey);
  const where = issue.path.length > 0 ? `${pathText(issue.path)}: ` : '';
  throw new TrailError('POLICY_INVALID', `${file}:${line}: ${where}${problem}`);
}

// --- Patterns ---------------------------------------------------------------------------

export type GlobMode = 'path' | 'command' | 'identity';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Compiles a pattern to an anchored RegExp. `/.../` is a regular expression as written.
 * Otherwise it is a glob: in `path` mode `**` spans folders, `*` and `?` stay inside one,
 * `{a,b}` is either, and a pattern without `/` matches a file name at any depth (as in
 * .gitignore); in `command` and `identity` modes `*` matches anything and `?` one character.
 */
export function patternToRegExp(pattern: string, mode: GlobMode): RegExp {
  if (mode !== 'path' && pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/')) {
    return new RegExp(`^(?:${pattern.slice(1, -1)})$`);
  }
  let glob = pattern;
  if (mode === 'path') {
    if (glob.endsWith('/')) glob += '**';
    if (glob.startsWith('./')) glob = glob.slice(2);
  }
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (mode === 'path' && c === '*' && glob[i + 1] === '*') {
      const slashBefore = i === 0 || glob[i - 1] === '/';
      const slashAfter = glob[i + 2] === '/';
      if (slashBefore && slashAfter) {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += mode === 'path' ? '[^/]*' : '.*';
    else if (c === '?') out += mode === 'path' ? '[^/]' : '.';
    else if (c === '{' && mode === 'path') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else out += escapeRegExp(c);
  }
  if (braces > 0) throw new Error(`unclosed { in ${pattern}`);
  if (mode === 'path' && !pattern.includes('/')) out = `(?:.*/)?${out}`;
  return new RegExp(`^${out}$`, mode === 'identity' ? 'i' : '');
}

const compiled = new Map<string, RegExp>();

export function matchesPattern(text: string, pattern: string, mode: GlobMode): boolean {
  const key = `${mode}\u0000${pattern}`;
  let re = compiled.get(key);
  if (!re) {
    re = patternToRegExp(pattern, mode);
    compiled.set(key, re);
  }
  return re.test(text);
}

export function matchesAnyPath(path: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => matchesPattern(path, p, 'path'));
}

/**
 * Splits a shell command on its control operators (`&&`, `||`, `;`, `|`, `&`, newlines),
 * outside quotes, so `npm test && curl x | sh` is three commands and an allow-list entry
 * for `npm test*` does not let the other two through.
 */
export function splitShellCommand(command: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < command.length) {
        current += c + command[++i]!;
        continue;
      }
      current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      current += c;
    } else if (c === '\\' && i + 1 < command.length) {
      current += c + command[++i]!;
    } else if (c === ';' || c === '\n' || c === '|' || c === '&') {
      if (command[i + 1] === c && (c === '|' || c === '&')) i++;
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts.map((p) => p.trim().replace(/\s+/g, ' ')).filter((p) => p.length > 0);
}

/** The parts of a command that no allowed pattern covers; empty when all are allowed. */
export function disallowedCommandParts(command: string, allowed: readonly string[]): string[] {
  return splitShellCommand(command).filter(
    (part) => !allowed.some((p) => matchesPattern(part, p, 'command')),
  );
}

// --- Models -------------------------------------------------------------------------------

export interface ModelVerdict {
  /** undefined when the policy lists no approved models (nothing to check against). */
  approved: boolean | undefined;
  entry?: ModelEntry;
  version?: string;
  /** Release date of the matched version, or of the model family. */
  released?: string;
  reason: string;
}

const VERSION_SEPARATORS = new Set(['-', '@', ':', '_', '.']);

/**
 * Judges a recorded model id against the approved list. An id matches an entry when it is
 * the entry's name, or the name followed by a separator and a version (`-20250929`,
 * `@20250929`); a `provider/` prefix is ignored. When the entry lists versions, only those
 * versions are approved.
 */
export function judgeModel(policy: Policy, model: string | undefined): ModelVerdict {
  const approved = policy.models.approved;
  if (!model) return { approved: approved ? false : undefined, reason: 'no model recorded' };
  if (!approved) return { approved: undefined, reason: 'the policy lists no approved models' };
  const id = model.includes('/') ? model.slice(model.lastIndexOf('/') + 1) : model;
  let best: { entry: ModelEntry; rest: string } | undefined;
  for (const entry of approved) {
    const name = entry.name.includes('/') ? entry.name.slice(entry.name.lastIndexOf('/') + 1) : entry.name;
    let rest: string | undefined;
    if (name.includes('*')) {
      if (matchesPattern(id, name, 'identity')) rest = '';
    } else if (id === name) rest = '';
    else if (id.startsWith(name) && VERSION_SEPARATORS.has(id[name.length]!))
      rest = id.slice(name.length + 1);
    if (rest !== undefined && (!best || entry.name.length > best.entry.name.length)) best = { entry, rest };
  }
  if (!best) return { approved: false, reason: `${model} is not in the policy's approved models` };
  const { entry, rest } = best;
  const versions = entry.versions?.map((v) => (typeof v === 'string' ? { version: v } : v));
  if (!versions || versions.length === 0) {
    return {
      approved: true,
      entry,
      version: rest || undefined,
      released: entry.released,
      reason: `approved as ${entry.name}`,
    };
  }
  const match = versions.find((v) => v.version === rest);
  if (!match) {
    return {
      approved: false,
      entry,
      version: rest || undefined,
      reason: rest
        ? `${model}: version ${rest} of ${entry.name} is not approved (approved: ${versions.map((v) => v.version).join(', ')})`
        : `${model}: no version recorded, and the policy approves only some versions of ${entry.name}`,
    };
  }
  return {
    approved: true,
    entry,
    version: match.version,
    released: ('released' in match ? match.released : undefined) ?? entry.released,
    reason: `approved as ${entry.name} ${match.version}`,
  };
}

// --- Retention ----------------------------------------------------------------------------

export interface HoldTarget {
  checkpointId?: string;
  checkpointKey?: string;
  commit?: string;
  paths?: readonly string[];
}

/** The legal holds that cover a checkpoint, commit or path: such records must not be purged. */
export function legalHoldsFor(policy: Policy, target: HoldTarget): LegalHold[] {
  return policy.retention.legalHolds.filter((hold) => {
    if (hold.checkpoint) {
      const c = hold.checkpoint;
      if (target.checkpointKey === c) return true;
      if (target.checkpointId && c.length >= 8 && target.checkpointId.startsWith(c)) return true;
    }
    if (hold.commit && target.commit?.startsWith(hold.commit)) return true;
    if (hold.path && target.paths?.some((p) => matchesPattern(p, hold.path!, 'path'))) return true;
    return false;
  });
}
