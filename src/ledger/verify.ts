/**
 * `trail verify` over a repository: every copy of every writer's log (this clone's and
 * those fetched from remotes) is checked by the pure log verifier against the trusted keys
 * and this clone's witness. The witness only moves forward when a writer's logs are clean,
 * so evidence of tampering is not overwritten by the next run.
 */
import type { LogProblem } from '../core/log-verifier.js';
import { verifyLog } from '../core/log-verifier.js';
import { trustedKeyMap } from './keys.js';
import { listLogRefs, readLogs } from './log-store.js';
import type { Repo } from './repo.js';
import { loadWitness, saveWitness } from './witness.js';

export interface VerifiedLog {
  writerId: string;
  ref: string;
  remote?: string;
  writerName?: string;
  size: number;
  root: string;
  heads: number;
  problems: LogProblem[];
}

export interface VerifyReport {
  ok: boolean;
  logs: VerifiedLog[];
  problems: Array<LogProblem & { ref: string }>;
  records: number;
  writers: number;
}

export async function verifyRepository(
  repo: Repo,
  options: { updateWitness?: boolean } = {},
): Promise<VerifyReport> {
  const refs = await listLogRefs(repo);
  const snapshots = await readLogs(repo, refs);
  const trustedKeys = trustedKeyMap(repo);
  const logs: VerifiedLog[] = [];
  const byWriter = new Map<string, Array<{ log: VerifiedLog; leafHashes: Buffer }>>();
  for (const snapshot of snapshots) {
    const witness = loadWitness(repo, snapshot.writerId);
    const result = verifyLog({
      writerId: snapshot.writerId,
      lines: snapshot.entries,
      heads: snapshot.heads,
      trustedKeys,
      witness,
      witnessLength: false,
    });
    if (snapshot.writer && snapshot.writer.writerId !== snapshot.writerId) {
      result.problems.push({
        writerId: snapshot.writerId,
        kind: 'wrong-key',
        message: `writer.json names writer ${snapshot.writer.writerId}`,
      });
    }
    const log: VerifiedLog = {
      writerId: snapshot.writerId,
      ref: snapshot.ref,
      remote: snapshot.remote,
      writerName: snapshot.writer?.name,
      size: result.size,
      root: result.root,
      heads: snapshot.heads.length,
      problems: result.problems,
    };
    logs.push(log);
    const list = byWriter.get(snapshot.writerId) ?? [];
    list.push({ log, leafHashes: result.leafHashes });
    byWriter.set(snapshot.writerId, list);
  }
  for (const [writerId, copies] of byWriter) {
    const witness = loadWitness(repo, writerId);
    const longest = copies.reduce((a, b) => (b.log.size > a.log.size ? b : a));
    if (witness && longest.log.size < witness.size) {
      longest.log.problems.push({
        writerId,
        kind: 'truncated',
        seq: longest.log.size,
        message: `the log was truncated: ${witness.size} records were seen before, the longest copy holds ${longest.log.size}`,
      });
    }
    const clean = copies.every((c) => c.log.problems.length === 0);
    if (clean && options.updateWitness !== false && (!witness || longest.log.size >= witness.size)) {
      saveWitness(repo, writerId, longest.leafHashes);
    }
  }
  const problems = logs.flatMap((log) => log.problems.map((p) => ({ ...p, ref: log.ref })));
  const records = [...byWriter.values()].reduce(
    (sum, copies) => sum + Math.max(...copies.map((c) => c.log.size)),
    0,
  );
  return { ok: problems.length === 0, logs, problems, records, writers: byWriter.size };
}
