/**
 * `trail verify-report FILE [--sig FILE]`: checks a signed report offline against the
 * trusted keys in .trail/keys, and says who signed it and when. A report changed by one
 * byte, a signature by an untrusted or revoked key, or a forged statement fails (exit 1). A key
 * revoked now fails whatever signing time the report claims: that time is the signer's own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { jsonSyntaxReason } from '../../core/canonical-json.js';
import { isTrailError, TrailError } from '../../core/errors.js';
import { listTrustedKeys } from '../../ledger/keys.js';
import { findRepo } from '../../ledger/repo.js';
import { periodText } from '../../report/document.js';
import type { VerifiedReport } from '../../report/signing.js';
import { verifyReport } from '../../report/signing.js';
import type { CommandContext } from '../context.js';
import { readInput } from '../files.js';
import { ExitCode, printJson, say } from '../output.js';

interface Signed {
  bytes: Buffer;
  envelope: unknown;
  name: string;
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TrailError('INPUT_INVALID', `${what} ${path} is not readable JSON: ${jsonSyntaxReason(error)}`);
  }
}

/** The report and its envelope: FILE with --sig, FILE with FILE.sig.json, or a signed bundle. */
function readSigned(file: string, sig: string | undefined, cwd: string): Signed {
  const bytes = readInput(file, cwd);
  const name = basename(file);
  const sigPath = sig ? resolve(cwd, sig) : `${resolve(cwd, file)}.sig.json`;
  if (sig && !existsSync(sigPath)) throw new TrailError('NOT_FOUND', `no such signature file: ${sig}`);
  if (existsSync(sigPath)) return { bytes, envelope: readJson(sigPath, 'signature'), name };
  let bundle: { file?: unknown; encoding?: unknown; report?: unknown; signature?: unknown } | undefined;
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
    };
  }
  throw new TrailError(
    'USAGE',
    `no signature for ${file}: expected ${file}.sig.json, or give it with --sig FILE`,
  );
}

function describe(file: string, v: VerifiedReport): string {
  const s = v.statement;
  const who = v.signer.name ? `${v.signer.name} (key ${v.signer.keyId})` : `key ${v.signer.keyId}`;
  const notes = [
    v.renamedFrom ? `signed as ${v.renamedFrom}` : '',
    v.revokedFrom
      ? `the key is to be revoked from ${v.revokedFrom}, and from then on this signature fails: re-sign the report with another key before then`
      : '',
  ].filter(Boolean);
  return `${file}: intact. Signed by ${who} at ${s.signedAt}: ${s.kind} report (${s.format}), ${periodText(s.period ?? {})}, SHA-256 ${v.sha256}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('verify-report')
    .description('check a signed report offline against the trusted keys in .trail/keys')
    .argument('<file>', 'the report (or a signed bundle printed by trail report --sign)')
    .option('--sig <file>', 'the signature (default: <file>.sig.json)')
    .option('--repo <path>', 'the repository whose trusted keys to use (default: the current one)')
    .option('--json', 'machine output on stdout')
    .action(async (fileArg: string, options: { sig?: string; repo?: string; json?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(options.repo ? resolve(ctx.cwd, options.repo) : ctx.cwd);
      const signed = readSigned(fileArg, options.sig, ctx.cwd);
      const trusted = listTrustedKeys(repo);
      let verified: VerifiedReport;
      try {
        verified = verifyReport(signed.bytes, signed.envelope, trusted, signed.name);
      } catch (error) {
        if (!isTrailError(error) || (error.code !== 'VERIFY_FAILED' && error.code !== 'SIGNATURE_INVALID'))
          throw error;
        if (options.json)
          printJson(ctx.io, { ok: false, file: fileArg, code: error.code, error: error.message });
        say(ctx.io, `${fileArg}: FAILED: ${error.message}`);
        throw new ExitCode(1);
      }
      if (options.json) {
        printJson(ctx.io, {
          ok: true,
          ...verified.statement,
          file: fileArg,
          signedAs: verified.statement.file,
          signer: { keyId: verified.signer.keyId, name: verified.signer.name },
          revokedFrom: verified.revokedFrom,
        });
      }
      say(ctx.io, describe(fileArg, verified));
    });
}
