/**
 * `trail report <kind>`: a compliance report over a period (SOC 2 change control, EU AI Act
 * record keeping, NIST AI RMF, SLSA provenance, the audit checklist, gaps) in JSON, CSV,
 * Markdown, HTML or PDF, optionally signed with this clone's key (`--sign`).
 */

import { basename, extname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Period } from '../../core/change-facts.js';
import { countLabel } from '../../core/count-label.js';
import type { DsseEnvelope } from '../../core/dsse.js';
import { isTrailError, TrailError } from '../../core/errors.js';
import { parsePeriod } from '../../core/period.js';
import type { KeyPair } from '../../core/signature.js';
import { loadConfig } from '../../ledger/config.js';
import { loadSigningKey } from '../../ledger/keys.js';
import type { Repo } from '../../ledger/repo.js';
import { findRepo } from '../../ledger/repo.js';
import { trustedAuthorityCertificates } from '../../ledger/timestamp-authorities.js';
import type { ReportDocument, ReportFormat, ReportKind } from '../../report/document.js';
import { periodText, REPORT_FORMATS, REPORT_KINDS } from '../../report/document.js';
import type { Progress } from '../../report/kinds.js';
import { reportSignatureBytes, signReport } from '../../report/signing.js';
import { buildSlsaBundle } from '../../report/slsa.js';
import type { CommandContext } from '../context.js';
import { checkWritable, writeOutput } from '../files.js';
import type { Io } from '../output.js';
import { processIo, say } from '../output.js';
import { legacyRepoPath, legacyRepoPathOption } from '../repo-path.js';

interface ReportOptions {
  since?: string;
  until?: string;
  repo?: string;
  format?: string;
  out?: string;
  sign?: boolean;
  allowUnverified?: boolean;
  json?: boolean;
}

function chooseFormat(kind: ReportKind, options: ReportOptions): ReportFormat {
  let format = options.format ?? (options.json ? 'json' : undefined);
  if (!format && options.out) {
    const ext = extname(options.out).slice(1).toLowerCase();
    format = ext === 'markdown' || ext === 'txt' ? 'md' : ext === 'htm' ? 'html' : ext;
    if (options.out.endsWith('.intoto.jsonl')) format = 'jsonl';
    if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
      // A name with an extension Trail does not write (report.docx, report.xlsx) would get
      // Markdown under it: said, not done. A name without one takes the default.
      if (ext !== '') {
        throw new TrailError(
          'USAGE',
          `--out ${options.out}: Trail writes no .${ext} report: name the file .md, .json, .csv, .html or .pdf, or pass --format`,
        );
      }
      format = undefined;
    }
  }
  format ??= kind === 'slsa' ? 'jsonl' : 'md';
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new TrailError('USAGE', `unknown format "${format}": choose ${REPORT_FORMATS.join(', ')}`);
  }
  if (format === 'jsonl' && kind !== 'slsa') {
    throw new TrailError('USAGE', 'jsonl is the SLSA bundle format: use it with trail report slsa');
  }
  return format as ReportFormat;
}

/** Progress on a terminal only: a line redrawn in place on stderr, at most five times a second. */
function progressPrinter(io: Io): { progress?: Progress; stage?: (s: string) => void; done: () => void } {
  if (io !== processIo || !process.stderr.isTTY) return { done: () => {} };
  let last = 0;
  let shown = false;
  const draw = (text: string) => {
    process.stderr.write(`\r\u001b[K${text}`);
    shown = true;
  };
  return {
    stage: (s) => draw(`trail report: ${s}…`),
    progress: (done, total) => {
      const now = Date.now();
      if (now - last < 200) return;
      last = now;
      draw(
        `trail report: rendering ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rows`,
      );
    },
    done: () => {
      if (shown) process.stderr.write('\r\u001b[K');
    },
  };
}

/** The document alone leaves this function, so the ledger's index can go before rendering. */
async function buildDocument(
  repo: Repo,
  kind: ReportKind,
  period: Period,
  stage?: (s: string) => void,
): Promise<ReportDocument> {
  const { loadReportInput } = await import('../../report/load.js');
  const { REPORT_BUILDERS } = await import('../../report/kinds.js');
  const input = await loadReportInput(repo, period, new Date().toISOString(), stage);
  stage?.(`building the ${kind} report`);
  return REPORT_BUILDERS[kind](input);
}

interface SignatureStamp {
  token?: Buffer;
  time?: string;
  authority?: string;
  /** Why no token came: the report and its signature are still written. */
  error?: Error;
}

/** A token over the signature from the authority `timestamp.url` names; none is set: undefined. */
async function stampSignature(repo: Repo, envelope: DsseEnvelope): Promise<SignatureStamp | undefined> {
  const url = loadConfig(repo).timestamp.url;
  if (!url) return undefined;
  try {
    const { obtainTimestamp } = await import('../../io/timestamp-client.js');
    const trusted = await trustedAuthorityCertificates(repo);
    const { token, verdict } = await obtainTimestamp(url, reportSignatureBytes(envelope)!, trusted);
    return { token, time: verdict.time, authority: verdict.authority };
  } catch (error) {
    if (!isTrailError(error)) throw error;
    return { error };
  }
}

function notStamped(error: Error): TrailError {
  return new TrailError(
    'VERIFY_FAILED',
    `the report is written and signed, but not timestamped (timestamp.url in .trail/config.json): ${error.message}`,
  );
}

/**
 * The SLSA bundle: signed statements that carry no word of the ledger's state, so made only
 * from a ledger that verifies, or with --allow-unverified from the logs that do.
 */
async function produceSlsaBundle(
  repo: Repo,
  period: Period,
  key: KeyPair,
  allowUnverified: boolean,
  io: Io,
  stage?: (s: string) => void,
): Promise<{ bytes: Buffer; rows: number }> {
  const { loadSignableReportInput } = await import('../../report/load.js');
  const { input, signable } = await loadSignableReportInput(repo, period, {
    allowUnverified,
    onStage: stage,
  });
  const bundle = buildSlsaBundle(input, key, { allowUnverified, signable });
  if (!input.ledger.ok) {
    say(
      io,
      `the ledger does not verify: signed ${countLabel(bundle.envelopes.length, 'statement')} from logs that verify, left out ${countLabel(bundle.leftOut, 'change')} whose checkpoint comes from a log that fails trail verify (--allow-unverified)`,
    );
  } else if (bundle.envelopes.length === 0) {
    // An empty bundle on stdout looks like a failure: say why there is nothing to attest.
    say(
      io,
      `nothing to attest: no commit with a checkpoint in the period (${periodText(period)}), so the bundle is empty`,
    );
  }
  return { bytes: Buffer.from(bundle.jsonl, 'utf8'), rows: bundle.envelopes.length };
}

async function produce(
  repo: Repo,
  kind: ReportKind,
  format: ReportFormat,
  period: Period,
  bundle: { key?: KeyPair; allowUnverified: boolean; io: Io },
  printer: { progress?: Progress; stage?: (s: string) => void },
): Promise<{ bytes: Buffer; rows: number }> {
  // The builders, renderers (pdfkit) and the ledger's index load here, not at start-up:
  // `trail --help` lists this command without paying for them.
  if (format === 'jsonl') {
    return produceSlsaBundle(repo, period, bundle.key!, bundle.allowUnverified, bundle.io, printer.stage);
  }
  const doc = await buildDocument(repo, kind, period, printer.stage);
  const rows = doc.sections.reduce((n, s) => n + (s.table?.rows.length ?? 0), 0);
  const { renderReport } = await import('../../report/kinds.js');
  return { bytes: await renderReport(doc, format, printer.progress), rows };
}

function writeStdout(io: Io, bytes: Buffer): void {
  if (io === processIo) process.stdout.write(bytes);
  else io.stdout(bytes.toString('utf8'));
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('report')
    .description(`compliance reports: ${REPORT_KINDS.join(', ')}`)
    .argument('<kind>', REPORT_KINDS.join(' | '))
    .option('--since <date>', 'start of the period (a date or ISO time)')
    .option('--until <date>', 'end of the period (a date is included whole)')
    .addOption(legacyRepoPathOption())
    .option('--format <format>', `${REPORT_FORMATS.join(' | ')} (default: from --out, else md; slsa: jsonl)`)
    .option('--out <file>', 'write the report to a file instead of stdout')
    .option('--sign', "sign the report with this clone's key (writes <out>.sig.json)")
    .option(
      '--allow-unverified',
      'slsa (jsonl): sign even though the ledger fails trail verify, leaving out the checkpoints of logs that fail',
    )
    .option('--json', 'the report as JSON (same as --format json)')
    .action(async (kindArg: string, options: ReportOptions) => {
      const ctx = context();
      if (!(REPORT_KINDS as readonly string[]).includes(kindArg)) {
        throw new TrailError('USAGE', `unknown report kind "${kindArg}": choose ${REPORT_KINDS.join(', ')}`);
      }
      const kind = kindArg as ReportKind;
      const format = chooseFormat(kind, options);
      if (options.allowUnverified && format !== 'jsonl') {
        // A human report says itself that the ledger failed: only the bundle needs the choice.
        throw new TrailError(
          'USAGE',
          '--allow-unverified applies to the SLSA bundle (trail report slsa, jsonl) only',
        );
      }
      const period = parsePeriod(options.since, options.until);
      const out = options.out ? resolve(ctx.cwd, options.out) : undefined;
      if (options.out) checkWritable(options.out, ctx.cwd);
      if (!out && format === 'pdf' && ctx.io === processIo && process.stdout.isTTY && !options.sign) {
        throw new TrailError('USAGE', 'a PDF is binary: write it to a file with --out FILE');
      }
      const repo = await findRepo(
        options.repo ? legacyRepoPath(options.repo, ctx.cwd, ctx.io, 'report') : ctx.cwd,
      );
      // Before the ledger is read: a revoked key signs nothing, however long the report takes.
      const key = format === 'jsonl' || options.sign ? loadSigningKey(repo) : undefined;
      const printer = progressPrinter(ctx.io);
      let bytes: Buffer;
      let rows: number;
      try {
        ({ bytes, rows } = await produce(
          repo,
          kind,
          format,
          period,
          { key, allowUnverified: options.allowUnverified === true, io: ctx.io },
          printer,
        ));
      } finally {
        printer.done();
      }
      const what = `${kind} report (${format}, ${periodText(period)}, ${rows.toLocaleString('en-US')} rows)`;
      const envelope =
        key && options.sign
          ? signReport(bytes, { file: out ? basename(out) : `${kind}.${format}`, kind, format, period }, key)
          : undefined;
      // Where an authority is configured, the signature is timestamped: that time, not the
      // signer's, is what keeps the signature good after the key is revoked.
      const stamp = envelope ? await stampSignature(repo, envelope) : undefined;
      if (out && options.out) {
        // Written by the name as given, so an error names the path the person typed.
        writeOutput(options.out, bytes, ctx.cwd);
        say(ctx.io, `wrote the ${what} to ${out}`);
        if (envelope) {
          writeOutput(`${options.out}.sig.json`, `${JSON.stringify(envelope, null, 2)}\n`, ctx.cwd);
          say(ctx.io, `signed with key ${key!.keyId}: ${out}.sig.json (check it with trail verify-report)`);
        }
        if (stamp?.token) {
          writeOutput(`${options.out}.tsr`, stamp.token, ctx.cwd);
          say(ctx.io, `timestamped by ${stamp.authority}: ${out}.tsr (it existed by ${stamp.time})`);
        }
        if (stamp?.error) throw notStamped(stamp.error);
        return;
      }
      if (envelope) {
        // No file to sit beside: the report and its signature travel together as one JSON.
        const text = format !== 'pdf';
        const bundle = {
          file: `${kind}.${format}`,
          encoding: text ? 'utf8' : 'base64',
          report: bytes.toString(text ? 'utf8' : 'base64'),
          signature: envelope,
          ...(stamp?.token ? { timestamp: stamp.token.toString('base64') } : {}),
        };
        ctx.io.stdout(`${JSON.stringify(bundle, null, 2)}\n`);
        say(ctx.io, `signed ${what} with key ${key!.keyId} (check it with trail verify-report FILE)`);
        if (stamp?.error) throw notStamped(stamp.error);
        return;
      }
      writeStdout(ctx.io, bytes);
    });
}
