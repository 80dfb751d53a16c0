/**
 * `trail verify-report FILE [--sig FILE] [--key FILE...]`: checks a signed report offline and
 * says who signed it and when, against the public keys given with --key (anywhere, no
 * repository needed: an auditor is handed the report and the signer's key) or else the
 * trusted keys in .trail/keys. A report changed by one byte, a signature by a key not given
 * or not trusted, a revoked key, or a forged statement fails (exit 1). A key revoked now
 * fails whatever signing time the report claims: that time is the signer's own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { jsonSyntaxReason } from '../../core/canonical-json.js';
import { countLabel } from '../../core/count-label.js';
import { isTrailError, TrailError } from '../../core/errors.js';
import type { TrustedKey } from '../../core/log-verifier.js';
import { listTrustedKeys, parsePublicKeyFile } from '../../ledger/keys.js';
import { findRepo } from '../../ledger/repo.js';
import { certificatesOfPem, trustedAuthorityCertificates } from '../../ledger/timestamp-authorities.js';
import { periodText } from '../../report/document.js';
import type { CheckedReportTimestamp, KeySource, VerifiedReport } from '../../report/signing.js';
import { REPOSITORY_KEYS, reportSignatureBytes, verifyReport } from '../../report/signing.js';
import { isStatementBundle, verifyStatements } from '../../report/verify-statements.js';
import type { CommandContext } from '../context.js';
import { readInput } from '../files.js';
import { collect } from '../option-values.js';
import type { Io } from '../output.js';
import { ExitCode, printJson, say } from '../output.js';
import { legacyRepoPath, legacyRepoPathOption } from '../repo-path.js';

interface Signed {
  bytes: Buffer;
  envelope: unknown;
  name: string;
  /** The RFC 3161 token a signed bundle carries (`trail report --sign` to stdout). */
  timestamp?: Buffer;
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TrailError('INPUT_INVALID', `${what} ${path} is not readable JSON: ${jsonSyntaxReason(error)}`);
  }
}

/** The report and its envelope: FILE with --sig, FILE with FILE.sig.json, or a signed bundle. */
function readSigned(file: string, bytes: Buffer, sig: string | undefined, cwd: string): Signed {
  const name = basename(file);
  const sigPath = sig ? resolve(cwd, sig) : `${resolve(cwd, file)}.sig.json`;
  if (sig && !existsSync(sigPath)) throw new TrailError('NOT_FOUND', `no such signature file: ${sig}`);
  if (existsSync(sigPath)) return { bytes, envelope: readJson(sigPath, 'signature'), name };
  let bundle:
    | { file?: unknown; encoding?: unknown; report?: unknown; signature?: unknown; timestamp?: unknown }
    | undefined;
  try {
    bundle = JSON.parse(bytes.toString('utf8'));
  } catch {
    bundle = undefined;
  }
  if (bundle && typeof bundle.report === 'string' && bundle.signature && typeof bundle.file === 'string') {
    return {
      bytes: Buffer.from(bundle.report, bundle.encoding === 'base64' ? 'base64' : 'utf8'),
      envelope: bundle.signature,
      name: bundle.file,
      ...(typeof bundle.timestamp === 'string' ? { timestamp: Buffer.from(bundle.timestamp, 'base64') } : {}),
    };
  }
  throw new TrailError(
    'USAGE',
    `no signature for ${file}: expected ${file}.sig.json, or give it with --sig FILE`,
  );
}

/** The report's RFC 3161 token: --timestamp FILE, else FILE.tsr beside it, else its bundle's. */
function timestampToken(
  file: string,
  signed: Signed,
  given: string | undefined,
  cwd: string,
): Buffer | undefined {
  if (given !== undefined) return readInput(given, cwd);
  const beside = `${resolve(cwd, file)}.tsr`;
  return existsSync(beside) ? readInput(beside, cwd) : signed.timestamp;
}

/**
 * The token, checked over the report's signature against the authorities given with
 * --authority, else those the repository trusts. One that does not vouch fails the check:
 * whoever handed it over meant it to count.
 */
async function checkedTimestamp(
  file: string,
  token: Buffer,
  envelope: unknown,
  authorityFiles: readonly string[] | undefined,
  repoDir: string,
  ctx: CommandContext,
  json: boolean | undefined,
): Promise<CheckedReportTimestamp> {
  const anchors = authorityFiles
    ? authorityFiles.flatMap((f) => certificatesOfPem(readInput(f, ctx.cwd).toString('utf8')))
    : await findRepo(repoDir, { allowBare: true }).then(trustedAuthorityCertificates, () => []);
  const data = reportSignatureBytes(envelope) ?? Buffer.alloc(0);
  const { checkTimestampToken } = await import('../../core/timestamp-token.js');
  const verdict = await checkTimestampToken(token, data, anchors);
  return checked(file, ctx.io, json, () => {
    if (!verdict.ok) {
      const untrusted = verdict.why?.includes('is not a trusted timestamping authority');
      const remedy = untrusted && !authorityFiles ? ' (give its certificate with --authority FILE)' : '';
      throw new TrailError(
        'VERIFY_FAILED',
        `its timestamp does not vouch for its signature: ${verdict.why}${remedy}`,
      );
    }
    return { time: verdict.time!, authority: verdict.authority!, latest: verdict.latest! };
  });
}

/** The keys to check against, where they came from, and the file each --key came from. */
interface Keys {
  trusted: TrustedKey[];
  source: KeySource;
  files: Map<string, string>;
}

/** The public keys given with --key: the auditor's own choice, with no repository needed. */
function givenKeys(files: readonly string[], cwd: string): Keys {
  const keyFiles = new Map<string, string>();
  const trusted = files.map((file) => {
    const key = parsePublicKeyFile(readInput(file, cwd).toString('utf8'), file);
    keyFiles.set(key.keyId, file);
    return key;
  });
  const given = [...keyFiles].map(([id, file]) => `${id} from ${file}`).join(', ');
  return {
    trusted,
    source: {
      held: (keyId) => {
        const file = keyId === undefined ? undefined : keyFiles.get(keyId);
        return file ? `given with --key ${file}` : `given with --key (${given})`;
      },
      remedy:
        "pass the signer's public key with --key (ask the signer for it: their .trail/keys/<id>.json, or openssl pkey -pubout of their key)",
    },
    files: keyFiles,
  };
}

const NO_KEYS =
  "pass the signer's public key with --key FILE (a .trail/keys/<id>.json file or a PEM public key), or run this in the repository whose .trail/keys trusts it";

/** The trusted keys of the repository at `dir`: today's behaviour without --key. */
async function repositoryKeys(dir: string): Promise<Keys> {
  let repo: Awaited<ReturnType<typeof findRepo>>;
  try {
    repo = await findRepo(dir);
  } catch (error) {
    if (isTrailError(error) && error.code === 'NOT_A_REPO')
      throw new TrailError('USAGE', `${dir} is not in a repository with trusted keys: ${NO_KEYS}`);
    throw error;
  }
  const trusted = listTrustedKeys(repo);
  if (trusted.length === 0)
    throw new TrailError('USAGE', `${repo.workTree} has no trusted keys in .trail/keys: ${NO_KEYS}`);
  return { trusted, source: REPOSITORY_KEYS, files: new Map() };
}

function describe(file: string, v: VerifiedReport, keys: Keys): string {
  const s = v.statement;
  const from = keys.files.get(v.signer.keyId);
  const given = from ? `given with --key ${from}` : '';
  const who = v.signer.name
    ? `${v.signer.name} (key ${v.signer.keyId}${given ? `, ${given}` : ''})`
    : `key ${v.signer.keyId}${given ? ` (${given})` : ''}`;
  const notes = [
    v.renamedFrom ? `signed as ${v.renamedFrom}` : '',
    v.timestamp ? `timestamped by ${v.timestamp.authority}: it existed by ${v.timestamp.time}` : '',
    v.signedBeforeRevocation
      ? `the key is revoked since ${v.signer.revokedAt}, and the timestamp shows it signed before`
      : '',
    v.revokedFrom && !v.signedBeforeRevocation
      ? `the key is to be revoked from ${v.revokedFrom}, and from then on this signature fails: re-sign the report with another key before then`
      : '',
  ].filter(Boolean);
  return `${file}: intact. Signed by ${who} at ${s.signedAt}: ${s.kind} report (${s.format}), ${periodText(s.period ?? {})}, SHA-256 ${v.sha256}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}

/** A bundle of signed in-toto statements (SLSA provenance, in-toto export): its text. */
interface StatementBundle {
  statements: string;
}

/** FILE as a bundle of signed statements, when it reads as one. */
function statementBundle(bytes: Buffer): StatementBundle | undefined {
  const text = bytes.toString('utf8');
  return isStatementBundle(text) ? { statements: text } : undefined;
}

/**
 * Runs a check of `file`; a failure of the check itself (not of reading it) is said in one
 * line, in JSON too when asked, and exits 1.
 */
function checked<T>(file: string, io: Io, json: boolean | undefined, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!isTrailError(error) || (error.code !== 'VERIFY_FAILED' && error.code !== 'SIGNATURE_INVALID'))
      throw error;
    if (json) printJson(io, { ok: false, file, code: error.code, error: error.message });
    say(io, `${file}: FAILED: ${error.message}`);
    throw new ExitCode(1);
  }
}

/** Checks every statement of a bundle and says who signed them and what they are about. */
function checkStatements(file: string, text: string, keys: Keys, io: Io, json?: boolean): void {
  const verified = checked(file, io, json, () =>
    verifyStatements(text, keys.trusted, file, { source: keys.source }),
  );
  const signers = [...new Set(verified.map((v) => v.signer.keyId))];
  if (json) {
    printJson(io, {
      ok: true,
      file,
      statements: verified.map((v) => ({
        line: v.line,
        predicateType: v.predicateType,
        subjects: v.subjects,
        signer: { keyId: v.signer.keyId, name: v.signer.name, keyFile: keys.files.get(v.signer.keyId) },
      })),
    });
  }
  const types = [...new Set(verified.map((v) => v.predicateType))].join(', ');
  const by = signers
    .map((id) => {
      const from = keys.files.get(id);
      return `key ${id}${from ? ` (given with --key ${from})` : ''}`;
    })
    .join(', ');
  say(
    io,
    `${file}: intact. ${countLabel(verified.length, 'in-toto statement')} (${types}), signed by ${by}, about ${countLabel(
      new Set(verified.flatMap((v) => v.subjects)).size,
      'subject',
    )}`,
  );
}

interface VerifyReportOptions {
  sig?: string;
  key?: string[];
  timestamp?: string;
  authority?: string[];
  repo?: string;
  json?: boolean;
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('verify-report')
    .description(
      'check a signed report offline against the public keys given with --key, or the trusted keys in .trail/keys',
    )
    .argument(
      '<file>',
      'the report (or a signed bundle printed by trail report --sign), or a bundle of signed in-toto statements (trail report slsa --format jsonl, trail export --format intoto)',
    )
    .option('--sig <file>', 'the signature (default: <file>.sig.json)')
    .option(
      '--key <file>',
      "the signer's public key: a .trail/keys/<id>.json file or a PEM public key (repeatable; no repository needed)",
      collect,
    )
    .option(
      '--timestamp <file>',
      "an RFC 3161 token over the signature (default: <file>.tsr, or the signed bundle's)",
    )
    .option(
      '--authority <file>',
      "a timestamping authority's certificate, PEM (repeatable; default: the repository's .trail/timestamping/)",
      collect,
    )
    .addOption(legacyRepoPathOption())
    .option('--json', 'machine output on stdout')
    .action(async (fileArg: string, options: VerifyReportOptions) => {
      const ctx = context();
      if (options.key && options.repo)
        throw new TrailError(
          'USAGE',
          'give --key or --repo, not both: --key checks against the given keys alone',
        );
      const repoDir = options.repo ? legacyRepoPath(options.repo, ctx.cwd, ctx.io, 'verify-report') : ctx.cwd;
      const bytes = readInput(fileArg, ctx.cwd);
      const bundle =
        options.sig === undefined && !existsSync(`${resolve(ctx.cwd, fileArg)}.sig.json`)
          ? statementBundle(bytes)
          : undefined;
      const signed = bundle ?? readSigned(fileArg, bytes, options.sig, ctx.cwd);
      const keys = options.key ? givenKeys(options.key, ctx.cwd) : await repositoryKeys(repoDir);
      if ('statements' in signed)
        return checkStatements(fileArg, signed.statements, keys, ctx.io, options.json);
      const token = timestampToken(fileArg, signed, options.timestamp, ctx.cwd);
      const timestamp = token
        ? await checkedTimestamp(
            fileArg,
            token,
            signed.envelope,
            options.authority,
            repoDir,
            ctx,
            options.json,
          )
        : undefined;
      const verified = checked(fileArg, ctx.io, options.json, () =>
        verifyReport(signed.bytes, signed.envelope, keys.trusted, signed.name, {
          source: keys.source,
          timestamp,
        }),
      );
      if (options.json) {
        printJson(ctx.io, {
          ok: true,
          ...verified.statement,
          file: fileArg,
          signedAs: verified.statement.file,
          signer: {
            keyId: verified.signer.keyId,
            name: verified.signer.name,
            keyFile: keys.files.get(verified.signer.keyId),
          },
          revokedFrom: verified.revokedFrom,
          timestamp: verified.timestamp,
          signedBeforeRevocation: verified.signedBeforeRevocation,
        });
      }
      say(ctx.io, describe(fileArg, verified, keys));
    });
}
