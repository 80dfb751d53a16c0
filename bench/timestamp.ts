/**
 * What RFC 3161 timestamps cost (`trail timestamp`, docs/security.md): `trail verify` over a
 * log holding no token, one, and 101 (verify checks the newest token that holds, not every
 * one), one token's check in this process beside one tree head's Ed25519 check, and `trail
 * timestamp` asking OpenSSL's own TSA on this machine (test/helpers/tsa.ts). No target: it
 * shows that tokens cost a fixed amount (loading pkijs, one check), not one per token.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { signTreeHead, verifyTreeHeadSignature } from '../src/core/log-entry.js';
import { generateKeyPair } from '../src/core/signature.js';
import { checkTimestampToken, timestampRequest, tokenOfReply } from '../src/core/timestamp-token.js';
import { certificatesOfPem } from '../src/ledger/timestamp-authorities.js';
import { TRAIL_BIN, trail } from '../test/helpers/cli.js';
import { gitEnv } from '../test/helpers/temp-repo.js';
import { initialisedRepo } from '../test/helpers/trail-repo.js';
import { startAuthority } from '../test/helpers/tsa.js';
import type { BenchFigure } from './lib.js';
import { percentile, processMs, report, time } from './lib.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const MORE_TOKENS = 100;

const authority = await startAuthority();
const repo = initialisedRepo();
try {
  const env = { ...process.env, ...gitEnv };
  const head = repo.git('rev-parse', 'HEAD');
  const record = async () => {
    const r = await trail(repo.dir, 'record', 'deployment', '--env', 'prod', '--commit', head);
    if (r.code !== 0) throw new Error(r.stderr);
  };
  await record();
  const node: number[] = [];
  /** p50 of `trail verify` as its own process, each run beside a `node -e 0`. */
  const verifyMs = () => {
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      node.push(processMs(process.execPath, ['-e', '0'], { cwd: repo.dir, env }));
      runs.push(processMs(process.execPath, [TRAIL_BIN, 'verify'], { cwd: repo.dir, env }));
    }
    return percentile(runs, 50);
  };
  const none = verifyMs();
  if ((await trail(repo.dir, 'timestamp', 'trust', authority.caFile)).code !== 0) throw new Error('trust');
  // Stamped by a separate process, awaited: this one serves the authority meanwhile.
  const stampMs = async () =>
    (
      await time(() =>
        promisify(execFile)(process.execPath, [TRAIL_BIN, 'timestamp', '--url', authority.url], {
          cwd: repo.dir,
          env,
        }),
      )
    ).ms;
  const stamps = [await stampMs()];
  const one = verifyMs();
  for (let i = 0; i < MORE_TOKENS; i++) {
    await record();
    stamps.push(await stampMs());
  }
  const many = verifyMs();
  const nodeMs = percentile(node, 50);

  // One token's check and one head signature's, in this process, warm.
  const data = Buffer.from('{"size":1}');
  const request = timestampRequest(createHash('sha256').update(data).digest());
  const reply = Buffer.from(
    await (await fetch(authority.url, { method: 'POST', body: request.der })).arrayBuffer(),
  );
  const token = tokenOfReply(reply, request, createHash('sha256').update(data).digest());
  const anchors = certificatesOfPem(readFileSync(authority.caFile, 'utf8'));
  const key = generateKeyPair();
  const signed = signTreeHead(
    { log: key.keyId, size: 1, root: '0'.repeat(64), last: '0'.repeat(64), time: new Date().toISOString() },
    key,
  );
  for (let i = 0; i < 20; i++) await checkTimestampToken(token, data, anchors);
  const checks = 200;
  const tokenMs =
    (
      await time(async () => {
        for (let i = 0; i < checks; i++) await checkTimestampToken(token, data, anchors);
      })
    ).ms / checks;
  const headMs =
    (
      await time(() => {
        for (let i = 0; i < checks; i++) verifyTreeHeadSignature(signed, key.publicKey);
      })
    ).ms / checks;

  /** A figure in ms beside its baseline in ms, with their ratio. */
  const figure = (name: string, value: number, baseline: string, base: number): BenchFigure => ({
    name,
    value,
    unit: 'ms',
    baseline: { name: baseline, value: base, unit: 'ms' },
    ratio: value / base,
  });
  const stampMsP50 = percentile(stamps, 50);
  const figures: BenchFigure[] = [
    figure('trail verify, a log of 1 record and no token: p50', none, 'node -e 0, p50', nodeMs),
    figure('trail verify, the same log with 1 token: p50', one, 'no token', none),
    figure(
      `trail verify, ${1 + MORE_TOKENS} records and ${1 + MORE_TOKENS} tokens: p50`,
      many,
      '1 token',
      one,
    ),
    figure(
      'one token checked (CMS signature, X.509 chain, imprint), in process',
      tokenMs,
      "one tree head's Ed25519 check",
      headMs,
    ),
    figure('trail timestamp, OpenSSL TSA on localhost: p50', stampMsP50, 'node -e 0, p50', nodeMs),
  ];
  report({
    bench: 'timestamp',
    title: 'RFC 3161 timestamps: what verify and trail timestamp cost',
    figures,
    notes: [
      'verify checks the newest token that holds (and, for a revoked key, those it needs), so the cost of tokens is loading pkijs and one check, whatever their number',
    ],
  });
} finally {
  repo.cleanup();
  await authority.close();
}
