/**
 * What the approval-integrity pass reads of a record, and the checks that keep it honest:
 * the four kinds it judges (review, checkpoint, correction, retention-purge), each with only
 * the fields it uses, typed and with the record model's own defaults.
 *
 * Why not the full record schemas: by the time this pass runs, every byte of every record
 * has been checked by the log verifier (hash chain, Merkle roots, signed heads), and each
 * record was validated by the full schema when it was written. What is left to guard against
 * is a record whose writer signed something malformed, and for that it is enough that the
 * fields this pass reads have the types it expects. Validating every field (each file change,
 * each attribution span, each id against its pattern) cost 0.75 s of a 100,000-checkpoint
 * `trail verify`; this costs a fifth of that. Readers (show, reports) never re-validate
 * stored records either.
 */
import * as z from 'zod';

const text = z.string();

const review = z.object({
  kind: z.literal('review'),
  time: text,
  commit: text.optional(),
  checkpoint: text.optional(),
  reviewer: text,
  decision: z.enum(['approve', 'request-changes', 'comment']),
  examinedReasoning: z.boolean().default(false),
  source: z.enum(['trail', 'github', 'gitlab']).default('trail'),
  signature: z.object({ keyId: text, sig: text }).optional(),
});

const checkpoint = z.object({
  kind: z.literal('checkpoint'),
  time: text,
  commit: text,
  sessions: z.array(z.object({ sessionId: text, record: text.optional() })).default([]),
  events: z.array(text).default([]),
  rewrittenFrom: z.object({ commit: text, checkpoint: text.optional(), how: text }).optional(),
});

const correction = z.object({
  kind: z.literal('correction'),
  time: text,
  target: text,
  reason: text,
});

const retentionPurge = z.object({
  kind: z.literal('retention-purge'),
  time: text,
  purged: z.array(text),
});

export const approvalPassRecordSchema = z.discriminatedUnion('kind', [
  review,
  checkpoint,
  correction,
  retentionPurge,
]);

export type ApprovalPassRecord = z.output<typeof approvalPassRecordSchema>;
export type ApprovalPassKind = ApprovalPassRecord['kind'];
export type ApprovalPassRecordOf<K extends ApprovalPassKind> = Extract<ApprovalPassRecord, { kind: K }>;

/** The kinds the pass parses; every other record only needs its id. */
export const APPROVAL_PASS_KINDS: ReadonlySet<string> = new Set<ApprovalPassKind>(
  approvalPassRecordSchema.options.map((o) => o.shape.kind.value),
);
