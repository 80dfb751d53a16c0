/**
 * What the tests of Trail's signed exports (`trail export --format intoto`, `trail report
 * slsa`) share: a scripted repository made and removed per test, a log rewritten to name a
 * model nobody used, the one-line refusal over a ledger that does not verify, and the
 * statements of a JSON Lines bundle with their signatures checked against .trail/keys.
 */
import { verifyEnvelope } from '../../src/core/dsse.js';
import { trustedKeyMap } from '../../src/ledger/keys.js';
import { listLogRefs } from '../../src/ledger/log-store.js';
import { tamper } from '../helpers/tamper.js';
import { APPROVED_MODEL, ScriptedRepo } from './fixture.js';

export const FORGED_MODEL = 'forged-model-9';

export const UNVERIFIED_REFUSAL =
  /^trail: the ledger does not verify \((.*)\), so nothing was signed: run `trail verify` to see what fails, or pass --allow-unverified to sign only what comes from logs that verify\n$/;

export async function withRepo(body: (s: ScriptedRepo) => Promise<void>): Promise<void> {
  const s = await ScriptedRepo.create();
  try {
    await body(s);
  } finally {
    s.cleanup();
  }
}

/** The statements of a DSSE JSON Lines bundle, each signature checked against .trail/keys. */
export function signedStatements<T>(s: ScriptedRepo, jsonl: string): T[] {
  const keys = new Map([...trustedKeyMap(s.ledger)].map(([id, k]) => [id, k.publicKey]));
  return jsonl
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(verifyEnvelope(JSON.parse(line), keys).payload.toString('utf8')) as T);
}

/** The audit's repro: the first log's chunks rewritten to name FORGED_MODEL; returns its ref. */
export async function forgeModelInFirstLog(s: ScriptedRepo): Promise<string> {
  const [log] = await listLogRefs(s.ledger);
  await tamper(s.dir, log!.ref, (files) => {
    for (const [path, content] of files) {
      if (path.startsWith('log/')) files.set(path, content.replaceAll(APPROVED_MODEL, FORGED_MODEL));
    }
  });
  return log!.ref;
}
