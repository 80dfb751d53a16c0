/**
 * The record model. Every record shares a header (kind, schema version, time, actor, the
 * provenance of its statements) and carries one kind-specific body. A record's id is the
 * SHA-256 of its RFC 8785 canonical bytes, so the same statement always has the same id and
 * any change to it is a different record.
 *
 * Provenance (DESIGN.md principle 4): `provenance` is where the record's statements come
 * from by default; `sources` overrides it per field path (e.g. `{ "model": "transcript" }`)
 * when one record mixes what a hook saw with what the agent said.
 */
import * as z from 'zod';
import { TrailError } from './errors.js';
import { SCHEMA_VERSION } from './schema-version.js';

export { canonicalRecordBytes, recordIdOf } from './record-id.js';
export { SCHEMA_VERSION };

export const PROVENANCES = ['observed', 'transcript', 'agent-reported', 'human'] as const;
export const provenanceSchema = z.enum(PROVENANCES);
export type Provenance = z.infer<typeof provenanceSchema>;

const time = z.iso.datetime({ offset: true });
const sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'must be a full git object id');
const recordId = z.string().regex(/^[0-9a-f]{64}$/, 'must be a 64-digit record id');
const text = z.string().max(64 * 1024);
const shortText = z.string().max(4096);
const count = z.number().int().nonnegative();

export const actorSchema = z.strictObject({
  type: z.enum(['human', 'agent', 'ci', 'service']),
  id: z.string().min(1).max(512),
  name: z.string().max(512).optional(),
});
export type Actor = z.infer<typeof actorSchema>;

const header = {
  v: z.literal(SCHEMA_VERSION),
  time,
  actor: actorSchema,
  provenance: provenanceSchema,
  sources: z.record(z.string(), provenanceSchema).optional(),
  /** Set when a value was removed by redaction: which field, which rule; never the value. */
  redactions: z.array(z.strictObject({ field: z.string(), rule: z.string(), count: count })).optional(),
};

const lineRange = z.strictObject({ start: z.number().int().positive(), end: z.number().int().positive() });
export type LineRange = z.infer<typeof lineRange>;

export const ticketSchema = z.strictObject({
  id: z.string().min(1).max(512),
  url: z.string().max(2048).optional(),
  system: z.enum(['github', 'gitlab', 'jira', 'linear', 'other']).optional(),
});

export const requestSchema = z.strictObject({
  tickets: z.array(ticketSchema).default([]),
  requester: z.string().max(512).optional(),
  approvalState: z.enum(['approved', 'pending', 'rejected', 'unknown']).optional(),
  acceptanceCriteria: z.array(shortText).default([]),
  summary: shortText.optional(),
});

export const boundarySchema = z.strictObject({
  mode: z.enum(['local', 'ci', 'cloud']),
  worker: z.string().max(512).optional(),
  host: z.string().max(512).optional(),
  user: z.string().max(512).optional(),
  branch: z.string().max(1024).optional(),
  cwd: z.string().max(4096).optional(),
  permissionMode: z.string().max(256).optional(),
  allowedTools: z.array(z.string().max(512)).optional(),
  sandbox: z.string().max(256).optional(),
  network: z.string().max(256).optional(),
  /** Names of credential variables present, never their values. */
  credentialNames: z.array(z.string().max(256)).default([]),
});

const sessionBody = z.strictObject({
  kind: z.literal('session'),
  ...header,
  sessionId: z.string().min(1).max(512),
  agent: z.strictObject({ name: z.string().min(1).max(128), version: z.string().max(128).optional() }),
  model: z.string().max(256).optional(),
  request: requestSchema.default({ tickets: [], acceptanceCriteria: [] }),
  boundary: boundarySchema.optional(),
  startedAt: time,
  endedAt: time.optional(),
});
/** The session record: the SDK checks a session's facts against it before anything is spooled. */
export const sessionRecordSchema = sessionBody;

/** One thing that happened in a session. */
export const eventBodySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('prompt'), text, promptId: z.string().max(256).optional() }),
  z.strictObject({
    type: z.literal('context'),
    source: z.enum(['rule-file', 'file-read', 'url', 'mcp-server', 'referenced-missing', 'search', 'other']),
    ref: z.string().min(1).max(4096),
    digest: z.string().max(128).optional(),
    note: shortText.optional(),
  }),
  z.strictObject({ type: z.literal('reasoning'), text }),
  z.strictObject({ type: z.literal('decision'), text }),
  z.strictObject({ type: z.literal('constraint'), text }),
  z.strictObject({ type: z.literal('alternative'), approach: shortText, rejectedBecause: shortText }),
  z.strictObject({
    type: z.literal('risk'),
    text,
    severity: z.enum(['low', 'medium', 'high', 'critical']).optional(),
  }),
  z.strictObject({
    type: z.literal('tool-call'),
    tool: z.string().min(1).max(256),
    toolUseId: z.string().max(256).optional(),
    summary: shortText.optional(),
    ok: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('command'),
    command: z.string().max(8192),
    exitCode: z.number().int().optional(),
    durationMs: z.number().nonnegative().optional(),
    outputTail: z.string().max(8192).optional(),
  }),
  z.strictObject({
    type: z.literal('validation'),
    check: z.string().min(1).max(256),
    status: z.enum(['passed', 'failed', 'skipped']),
    reason: shortText.optional(),
    attempt: z.number().int().positive().default(1),
    command: z.string().max(8192).optional(),
    exitCode: z.number().int().optional(),
    durationMs: z.number().nonnegative().optional(),
    outputTail: z.string().max(8192).optional(),
  }),
  z.strictObject({
    type: z.literal('repair'),
    check: z.string().min(1).max(256),
    attempt: z.number().int().positive(),
    outcome: z.enum(['fixed', 'still-failing', 'abandoned']),
    files: z.array(z.string().max(4096)).default([]),
  }),
  z.strictObject({
    type: z.literal('file-edit'),
    path: z.string().min(1).max(4096),
    change: z.enum(['created', 'modified', 'deleted']).default('modified'),
    ranges: z.array(lineRange).default([]),
    beforeDigest: z.string().max(128).optional(),
    afterDigest: z.string().max(128).optional(),
    /** Line digests of the lines the agent wrote, used to attribute lines at commit. */
    lineDigests: z.array(z.string().max(64)).optional(),
    tool: z.string().max(256).optional(),
    /** `mcp-tool`: files an MCP tool call changed, compared around it as a shell command's are. */
    via: z.enum(['edit-tool', 'shell', 'formatter', 'mcp-tool']).default('edit-tool'),
  }),
  z.strictObject({
    type: z.literal('usage'),
    model: z.string().max(256).optional(),
    inputTokens: count.default(0),
    outputTokens: count.default(0),
    cacheReadTokens: count.default(0),
    cacheWriteTokens: count.default(0),
    costUsd: z.number().nonnegative().optional(),
    priceTable: z.string().max(128).optional(),
  }),
  z.strictObject({ type: z.literal('note'), text }),
]);
export type EventBody = z.infer<typeof eventBodySchema>;
export type EventType = EventBody['type'];

const eventRecord = z.strictObject({
  kind: z.literal('event'),
  ...header,
  sessionId: z.string().min(1).max(512),
  event: eventBodySchema,
});

export const fileChangeSchema = z.strictObject({
  path: z.string().min(1).max(4096),
  status: z.enum(['added', 'modified', 'deleted', 'renamed']),
  from: z.string().max(4096).optional(),
  added: count,
  removed: count,
  aiLines: count,
  humanLines: count,
  unknownLines: count,
});

/** A run of committed lines with one origin. */
export const attributionSpanSchema = z.strictObject({
  start: z.number().int().positive(),
  end: z.number().int().positive(),
  origin: z.enum(['ai', 'human', 'unknown']),
  sessionId: z.string().max(512).optional(),
  /** For a human line that replaced an AI line: the AI session it overrode. */
  overrodeSessionId: z.string().max(512).optional(),
});

const checkpointBody = z.strictObject({
  kind: z.literal('checkpoint'),
  ...header,
  commit: sha,
  /** The key written into the commit's `Trail-Checkpoint:` trailer before the commit existed. */
  key: z
    .string()
    .regex(/^ckpt_[0-9a-f]{16}$/)
    .optional(),
  tree: sha.optional(),
  parents: z.array(sha).default([]),
  branch: z.string().max(1024).optional(),
  author: z.string().max(512).optional(),
  message: shortText.optional(),
  sessions: z
    .array(
      z.strictObject({
        sessionId: z.string().max(512),
        record: recordId.optional(),
        agent: z.string().max(128),
        model: z.string().max(256).optional(),
      }),
    )
    .default([]),
  /** Ids of the event records sealed into this checkpoint: the digests of every event. */
  events: z.array(recordId).default([]),
  files: z.array(fileChangeSchema).default([]),
  attribution: z.record(z.string(), z.array(attributionSpanSchema)).default({}),
  summary: shortText.optional(),
  /** Set when this checkpoint replaces one whose commit was rewritten (amend, rebase...). */
  rewrittenFrom: z
    .strictObject({ commit: sha, checkpoint: recordId.optional(), how: z.string().max(64) })
    .optional(),
});

const reviewBody = z.strictObject({
  kind: z.literal('review'),
  ...header,
  commit: sha.optional(),
  checkpoint: recordId.optional(),
  reviewer: z.string().min(1).max(512),
  decision: z.enum(['approve', 'request-changes', 'comment']),
  message: text.optional(),
  comments: z
    .array(
      z.strictObject({
        comment: shortText,
        response: shortText.optional(),
        by: z.string().max(512).optional(),
      }),
    )
    .default([]),
  examinedReasoning: z.boolean().default(false),
  reviewerIsRequester: z.boolean().optional(),
  reviewerIsAuthor: z.boolean().optional(),
  source: z.enum(['trail', 'github', 'gitlab']).default('trail'),
  externalUrl: z.string().max(2048).optional(),
  /** The reviewer's own signature over the bound checkpoint hash and decision. */
  signature: z.strictObject({ keyId: z.string(), sig: z.string() }).optional(),
});

const testResultBody = z.strictObject({
  kind: z.literal('test-result'),
  ...header,
  commit: sha,
  checkpoints: z.array(recordId).default([]),
  tool: z.string().max(128).optional(),
  suites: z
    .array(
      z.strictObject({
        name: z.string().max(1024),
        tests: count,
        passed: count,
        failed: count,
        skipped: count,
        errored: count,
        durationMs: z.number().nonnegative().optional(),
      }),
    )
    .default([]),
  totals: z.strictObject({ tests: count, passed: count, failed: count, skipped: count, errored: count }),
  failing: z
    .array(
      z.strictObject({
        suite: z.string().max(1024),
        name: z.string().max(1024),
        message: shortText.optional(),
      }),
    )
    .default([]),
  durationMs: z.number().nonnegative().optional(),
  coverage: z
    .strictObject({
      format: z.enum(['lcov', 'cobertura', 'istanbul']),
      lines: z.strictObject({ covered: count, total: count, pct: z.number().min(0).max(100) }),
      branches: z.strictObject({ covered: count, total: count, pct: z.number().min(0).max(100) }).optional(),
    })
    .optional(),
});

const deploymentBody = z.strictObject({
  kind: z.literal('deployment'),
  ...header,
  env: z.string().min(1).max(256),
  commit: sha,
  status: z.enum(['success', 'failure', 'in-progress', 'pending', 'error', 'inactive']).default('success'),
  url: z.string().max(2048).optional(),
});

const rollbackBody = z.strictObject({
  kind: z.literal('rollback'),
  ...header,
  env: z.string().min(1).max(256),
  from: sha,
  to: sha,
  reason: shortText,
});

/** How deeply a correction's changed values may nest: enough for any record's shape. */
const MAX_CHANGE_DEPTH = 32;

/**
 * Whether some object or array inside a JSON value passes `test`, given its depth, walked
 * without recursion: the value is not validated otherwise, and copying or freezing one
 * nested 50,000 deep overflows the stack.
 */
function someNode(value: unknown, test: (node: object, depth: number) => boolean): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (test(node, depth)) return true;
    for (const inner of Object.values(node)) stack.push([inner, depth + 1]);
  }
  return false;
}

function nestsAtMost(value: unknown, max: number): boolean {
  return !someNode(value, (_, depth) => depth >= max);
}

/** Whether a JSON value holds an object with the key `key` at any depth. */
function holdsKey(value: unknown, key: string): boolean {
  return someNode(value, (node) => !Array.isArray(node) && Object.hasOwn(node, key));
}

const correctionBody = z.strictObject({
  kind: z.literal('correction'),
  ...header,
  target: recordId,
  reason: shortText,
  /** The corrected values, by field path; the original record stays as it was. */
  changes: z
    .record(z.string(), z.unknown())
    .refine((changes) => nestsAtMost(changes, MAX_CHANGE_DEPTH), {
      message: `nested deeper than ${MAX_CHANGE_DEPTH} levels`,
    })
    // No record has a field named kind but its own kind, which a correction cannot change;
    // and readers find a record's kind as the first `"kind":"` in its canonical bytes
    // (recordKindAt), which `changes` would otherwise come before.
    .refine((changes) => !holdsKey(changes, 'kind'), {
      message: 'may not hold a field named kind: a record keeps the kind it was written with',
    })
    .default({}),
});

const retentionPurgeBody = z.strictObject({
  kind: z.literal('retention-purge'),
  ...header,
  cutoff: time,
  purged: z.array(recordId),
  held: z.array(recordId).default([]),
  reason: shortText.optional(),
});

const captureGapBody = z.strictObject({
  kind: z.literal('capture-gap'),
  ...header,
  what: z.string().min(1).max(512),
  why: shortText,
  agent: z.string().max(128).optional(),
  hook: z.string().max(128).optional(),
  sessionId: z.string().max(512).optional(),
});

export const recordSchema = z.discriminatedUnion('kind', [
  sessionBody,
  eventRecord,
  checkpointBody,
  reviewBody,
  testResultBody,
  deploymentBody,
  rollbackBody,
  correctionBody,
  retentionPurgeBody,
  captureGapBody,
]);

export type TrailRecord = z.infer<typeof recordSchema>;
export type RecordKind = TrailRecord['kind'];
export type RecordOf<K extends RecordKind> = Extract<TrailRecord, { kind: K }>;
export type RecordInput = z.input<typeof recordSchema>;

export const RECORD_KINDS: readonly RecordKind[] = recordSchema.options.map((o) => o.shape.kind.value);

/**
 * Records validateRecord returned. They are frozen through and through, so one met again (a
 * record built and validated by sealing, then handed to the ledger's append, which validates
 * everything it writes) is still exactly what was validated, and is not parsed twice.
 */
const validated = new WeakSet<object>();

function freezeDeep(value: unknown, seen = new Set<object>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  Object.freeze(value);
  for (const inner of Object.values(value)) freezeDeep(inner, seen);
}

/** Validates a record, or throws naming the first field that is wrong. */
export function validateRecord(input: unknown): TrailRecord {
  if (typeof input === 'object' && input !== null && validated.has(input)) return input as TrailRecord;
  const result = recordSchema.safeParse(input);
  if (result.success) {
    // Copied first: zod hands values it does not inspect (a correction's changes) through as
    // they are, and the caller's own objects must not end up frozen.
    const record = structuredClone(result.data);
    freezeDeep(record);
    validated.add(record);
    return record;
  }
  const issue = result.error.issues[0]!;
  const kind =
    input && typeof input === 'object' && typeof (input as { kind?: unknown }).kind === 'string'
      ? (input as { kind: string }).kind
      : 'record';
  if (issue.code === 'unrecognized_keys') {
    // zod names no path for a key the schema lacks: name the key itself, the likely typo.
    const field = [...issue.path, issue.keys[0]].join('.');
    throw new TrailError('INVALID_RECORD', `invalid ${kind} record: "${field}" is not a field of it`);
  }
  const field =
    issue.path.length > 0 ? issue.path.join('.') : issue.code === 'invalid_union' ? 'kind' : '(record)';
  throw new TrailError('INVALID_RECORD', `invalid ${kind} record: field "${field}": ${issue.message}`);
}
