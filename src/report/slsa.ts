/**
 * SLSA provenance for AI-written commits: one in-toto Statement v1 per commit with a
 * checkpoint (in-toto/attestation spec/v1/statement.md), subject = the commit as
 * `trail export --format intoto` names it (core/commit-descriptor.ts: `ORG/NAME@<sha>`, origin's
 * `git+https://` address, DigestSet `gitCommit` alone, the tree an annotation), predicate =
 * SLSA Provenance v1 (slsa.dev/provenance/v1) mapped from the checkpoint, each wrapped in a
 * DSSE envelope signed with this clone's key and written as a JSON Lines bundle
 * (spec/v1/bundle.md: one envelope per line, `.intoto.jsonl`).
 *
 * Mapping (FORMATS.md §3.2): builder.id = the agent and its version; externalParameters =
 * the request (prompt, tickets, requester, acceptance criteria); internalParameters = the
 * model(s); resolvedDependencies = the parent commits; metadata.invocationId = the session.
 * A bundle is not authenticated as a whole (bundle.md): the ledger's Merkle log is what
 * shows a statement was removed. Nor can it say that the ledger failed verification, and a
 * verifier checks only the signature: so it is signed only from a ledger that verifies, or,
 * when the caller asks, from the logs of the writers that do.
 */
import { createHash } from 'node:crypto';
import type { ChangeFacts } from '../core/change-facts.js';
import { purgedCheckpointText } from '../core/change-facts.js';
import { checkpointStatus } from '../core/check.js';
import type { RepositoryIdentity, ResourceDescriptor } from '../core/commit-descriptor.js';
import { commitDescriptor } from '../core/commit-descriptor.js';
import type { DsseEnvelope } from '../core/dsse.js';
import { signEnvelope } from '../core/dsse.js';
import { TrailError } from '../core/errors.js';
import type { KeyPair } from '../core/signature.js';
import type { TrailIndex } from '../core/trail-index.js';
import { buildIndex } from '../core/trail-index.js';
import type { Cell, ReportDocument, ReportInput } from './document.js';
import { countLabel, isoSeconds, periodText, reportChanges, reportHeading, shortSha } from './document.js';

export const IN_TOTO_STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const SLSA_PROVENANCE_TYPE = 'https://slsa.dev/provenance/v1';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** Our build type: an agent session that produced a commit. A URN, so it claims no domain. */
export const AGENT_BUILD_TYPE = 'urn:trail:buildtype:agent-session:v1';

export interface InTotoStatement {
  _type: typeof IN_TOTO_STATEMENT_TYPE;
  subject: ResourceDescriptor[];
  predicateType: typeof SLSA_PROVENANCE_TYPE;
  predicate: {
    buildDefinition: {
      buildType: string;
      externalParameters: Record<string, unknown>;
      internalParameters: Record<string, unknown>;
      resolvedDependencies: ResourceDescriptor[];
    };
    runDetails: {
      builder: { id: string; version?: Record<string, string> };
      metadata: { invocationId?: string; startedOn?: string; finishedOn?: string };
      byproducts: ResourceDescriptor[];
    };
  };
}

/** `YYYY-MM-DDThh:mm:ssZ`, the timestamp form the provenance schema uses. */
function timestamp(time: string | undefined): string | undefined {
  return time ? isoSeconds(time) : undefined;
}

export function builderId(agent: string, version: string | undefined): string {
  return `urn:trail:agent:${encodeURIComponent(agent)}${version ? `@${encodeURIComponent(version)}` : ''}`;
}

/** The object without its undefined fields, so the JSON holds no nulls or empty keys. */
function drop<T extends Record<string, unknown>>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

/**
 * When the change was done: when its last session ended, or when the commit was sealed where a
 * session went on past it. A session's end is read from its latest record, so for a session
 * that worked on later commits it is theirs, not this one's.
 */
function finishedAt(sessions: ChangeFacts['sessions'], sealedAt: string): string {
  const sealed = Date.parse(sealedAt);
  let last: string | undefined;
  for (const { endedAt } of sessions) {
    const end = endedAt !== undefined && Date.parse(endedAt) < sealed ? endedAt : sealedAt;
    if (last === undefined || Date.parse(end) > Date.parse(last)) last = end;
  }
  return last ?? sealedAt;
}

/** The repository the report covers, as its statements name it. */
function repositoryOf(input: ReportInput): RepositoryIdentity {
  return { name: input.scope.repository, ...(input.repositoryUri ? { uri: input.repositoryUri } : {}) };
}

/** The provenance of one commit with a checkpoint. */
export function slsaStatement(f: ChangeFacts, repository: RepositoryIdentity): InTotoStatement {
  const c = f.checkpoint!.record;
  const session = f.sessions[0];
  const parents = c.parents.length > 0 ? c.parents : (f.git?.parents ?? []);
  const starts = f.sessions.flatMap((s) => (s.startedAt ? [s.startedAt] : []));
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [commitDescriptor(repository, f.commit, c.tree)],
    predicateType: SLSA_PROVENANCE_TYPE,
    predicate: {
      buildDefinition: {
        buildType: AGENT_BUILD_TYPE,
        externalParameters: drop({
          prompt: f.prompt,
          requestSummary: f.requestSummary,
          tickets: f.tickets,
          requester: f.requester,
          acceptanceCriteria: f.acceptanceCriteria,
        }),
        internalParameters: drop({
          model: f.models[0],
          models: f.models,
          sessions: f.sessions.map((s) => drop({ sessionId: s.sessionId, agent: s.agent, model: s.model })),
        }),
        resolvedDependencies: parents.map((p) => commitDescriptor(repository, p)),
      },
      runDetails: {
        builder: drop({
          id: builderId(session?.agent ?? 'unknown', session?.agentVersion),
          version: session?.agentVersion ? { [session.agent]: session.agentVersion } : undefined,
        }),
        metadata: drop({
          invocationId: session?.sessionId,
          startedOn: timestamp(starts.sort()[0]),
          finishedOn: timestamp(finishedAt(f.sessions, c.time)),
        }),
        byproducts: [
          {
            name: 'trail-checkpoint',
            digest: { sha256: f.checkpoint!.id },
            annotations: drop({ key: c.key, writer: f.checkpoint!.writerId }),
          },
        ],
      },
    },
  };
}

export interface SlsaBundle {
  /** JSON Lines: one DSSE envelope per line. */
  jsonl: string;
  envelopes: DsseEnvelope[];
  statements: InTotoStatement[];
  /** Changes in the period whose checkpoint comes from a log that fails verification: not signed. */
  leftOut: number;
}

/**
 * Signs one statement per commit with a checkpoint in the period. Refused when the ledger
 * fails verification, unless `allowUnverified`: then only the records in `signable` are
 * signed from (the records of writers whose logs verify, as ledger/signable.ts keeps them:
 * loadSignableReportInput), none without it, and `leftOut` counts the changes whose
 * checkpoint comes from a log that fails.
 */
export function buildSlsaBundle(
  input: ReportInput,
  key: KeyPair,
  options: { allowUnverified?: boolean; signable?: TrailIndex } = {},
): SlsaBundle {
  if (!input.ledger.ok && !options.allowUnverified) {
    throw new TrailError(
      'VERIFY_FAILED',
      `the ledger does not verify (${countLabel(input.ledger.problemCount, 'problem')}), so no provenance was signed: run \`trail verify\``,
    );
  }
  const signable = input.ledger.ok ? input : { ...input, index: options.signable ?? buildIndex([]) };
  const leftOut = input.ledger.ok
    ? 0
    : reportChanges(input).filter((f) => f.checkpoint && input.problemWriters.has(f.checkpoint.writerId))
        .length;
  const statements = reportChanges(signable)
    .filter((f) => f.checkpoint)
    .map((f) => slsaStatement(f, repositoryOf(input)));
  const envelopes = statements.map((s) =>
    signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(s), 'utf8'), key),
  );
  return {
    jsonl: envelopes.map((e) => `${JSON.stringify(e)}\n`).join(''),
    envelopes,
    statements,
    leftOut,
  };
}

/** A readable summary of the provenance (for the human formats). */
export function buildSlsaReport(input: ReportInput): ReportDocument {
  const changes = reportChanges(input);
  const rows: Cell[][] = [];
  const missing: Cell[][] = [];
  let purged = 0;
  for (const f of changes) {
    if (!f.checkpoint) {
      // A checkpoint a logged retention purge removed was recorded: the commit is neither
      // hand-written nor uncaptured, so it is counted apart, as trail check and the gaps report do.
      if (checkpointStatus(f, input.policy) === 'purged') purged++;
      else missing.push([isoSeconds(f.time), f.commit, f.git?.subject ?? '', f.author ?? '']);
      continue;
    }
    const s = slsaStatement(f, repositoryOf(input));
    const digest = createHash('sha256').update(JSON.stringify(s)).digest('hex');
    rows.push([
      isoSeconds(f.time),
      f.commit,
      f.checkpointLabel,
      s.predicate.runDetails.builder.id,
      f.models.join(', '),
      s.predicate.runDetails.metadata.invocationId ?? '',
      s.predicate.buildDefinition.resolvedDependencies.map((d) => shortSha(d.digest.gitCommit!)).join(', '),
      digest,
    ]);
  }
  return {
    ...reportHeading(input, 'SLSA provenance', 'slsa'),
    summary: [
      { label: 'Commits with provenance', value: rows.length },
      { label: 'Commits without provenance', value: missing.length },
      { label: 'Commits whose checkpoint a retention purge removed', value: purged },
      { label: 'Predicate type', value: SLSA_PROVENANCE_TYPE },
      { label: 'Build type', value: AGENT_BUILD_TYPE },
    ],
    sections: [
      {
        id: 'statements',
        title: 'Provenance statements',
        intro: [
          `${countLabel(rows.length, 'in-toto Statement')} for the commits in ${periodText(input.period)} with a checkpoint. \`trail report slsa --format jsonl\` writes them as DSSE envelopes (${IN_TOTO_PAYLOAD_TYPE}) signed with this clone's key, one per line.`,
        ],
        table: {
          columns: [
            { key: 'date', title: 'Date', kind: 'time', weight: 1.2 },
            { key: 'commit', title: 'Subject (gitCommit)', kind: 'id', weight: 1 },
            { key: 'checkpoint', title: 'Checkpoint', kind: 'id', weight: 1.1 },
            { key: 'builder', title: 'Builder id', weight: 1.9 },
            { key: 'model', title: 'Model', weight: 1.5 },
            { key: 'invocationId', title: 'Invocation (session)', weight: 1.4 },
            { key: 'dependencies', title: 'Parents', weight: 1 },
            { key: 'statementSha256', title: 'Statement SHA-256', kind: 'id', weight: 1 },
          ],
          rows,
        },
      },
      {
        id: 'missing',
        title: 'Commits without provenance',
        intro: [
          'Commits with no checkpoint have no agent session to describe: hand-written, or not captured.',
          ...(purged > 0
            ? [
                `Not listed: ${purgedCheckpointText(countLabel(purged, 'commit'))}. No provenance can be made from a removed checkpoint.`,
              ]
            : []),
        ],
        table: {
          columns: [
            { key: 'date', title: 'Date', kind: 'time', weight: 1.2 },
            { key: 'commit', title: 'Commit', kind: 'id', weight: 1 },
            { key: 'subject', title: 'Subject', weight: 4 },
            { key: 'author', title: 'Author', weight: 2 },
          ],
          rows: missing,
        },
      },
    ],
  };
}
