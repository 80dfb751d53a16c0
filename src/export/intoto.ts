/**
 * in-toto Statements (attestation framework v1) about commits, one per checkpoint: subject
 * the commit, predicate Trail's AI-checkpoint summary (who asked, which agents and models,
 * the line attribution totals and its digest, review, tests, deployments). Each is wrapped
 * in a DSSE envelope signed with this clone's key (payloadType application/vnd.in-toto+json),
 * one envelope per line (`.intoto.jsonl`).
 *
 * The subject is the commit as `trail report slsa` names it (core/commit-descriptor.ts): name
 * `ORG/NAME@<sha>`, origin's `git+https://` address where it is on a host, digest `gitCommit`
 * alone, the tree as an annotation.
 */
import { canonicalize } from '../core/canonical-json.js';
import type { RepositoryIdentity } from '../core/commit-descriptor.js';
import { commitDescriptor } from '../core/commit-descriptor.js';
import type { DsseEnvelope } from '../core/dsse.js';
import { signEnvelope } from '../core/dsse.js';
import { sha256Hex } from '../core/hash.js';
import type { KeyPair } from '../core/signature.js';
import type { CheckpointView } from '../read/checkpoint-view.js';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const CHECKPOINT_PREDICATE = 'https://trail.dev/attestation/ai-checkpoint/v0.1';
export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export function checkpointStatement(
  view: CheckpointView,
  repository: RepositoryIdentity,
): Record<string, unknown> {
  const c = view.checkpoint;
  return {
    _type: STATEMENT_TYPE,
    subject: [commitDescriptor(repository, c.commit, c.tree)],
    predicateType: CHECKPOINT_PREDICATE,
    predicate: {
      checkpoint: view.id,
      ...(c.key ? { key: c.key } : {}),
      recordedAt: c.time,
      sessions: view.sessions.map((s) => ({
        sessionId: s.sessionId,
        agent: s.agent,
        model: s.model,
        requester: s.request.requester,
        tickets: s.request.tickets.map((t) => t.id),
        boundary: s.boundary
          ? { mode: s.boundary.mode, permissionMode: s.boundary.permissionMode }
          : undefined,
      })),
      lines: view.lines,
      attributionDigest: { sha256: sha256Hex(canonicalize(c.attribution)) },
      events: c.events.length,
      validations: view.validations.map((v) => ({ check: v.check, status: v.status, attempt: v.attempt })),
      review: view.approval,
      tests: view.tests.map((t) => t.totals),
      deployments: view.deployments.map((d) => ({ env: d.env, status: d.status, time: d.time })),
    },
  };
}

export function signStatement(statement: Record<string, unknown>, key: KeyPair): DsseEnvelope {
  return signEnvelope(INTOTO_PAYLOAD_TYPE, Buffer.from(canonicalize(statement), 'utf8'), key);
}
