/**
 * `trail timestamp [--url URL]`, `trail timestamp trust FILE`, `trail timestamp list`: RFC 3161
 * timestamps over this writer's signed tree heads, and the authorities trusted to give them.
 */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { TrailError } from '../../core/errors.js';
import { authorityUrl, noTrustedAuthority } from '../../io/timestamp-client.js';
import { loadConfig, setTimestampUrl } from '../../ledger/config.js';
import { loadWriterKey } from '../../ledger/keys.js';
import { findRepo } from '../../ledger/repo.js';
import {
  listAuthorities,
  trustAuthority,
  trustedAuthorityCertificates,
} from '../../ledger/timestamp-authorities.js';
import { readAuthorityPem } from '../authority-pem.js';
import type { CommandContext } from '../context.js';
import { positiveCount } from '../option-values.js';
import { printJson, say } from '../output.js';

/** A name for an authority from its certificate's common name, as a plain file name. */
function nameFrom(commonName: string, file: string): string {
  const slug = commonName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|-+$/g, '')
    .slice(0, 64);
  return slug || basename(file).replace(/\.[^.]*$/, '') || 'authority';
}

export function register(program: Command, context: () => CommandContext): void {
  const timestamp = program
    .command('timestamp')
    .description(
      "have an RFC 3161 timestamping authority stamp this writer's newest signed tree head, so its records are shown to predate a later key revocation",
    )
    .option('--url <url>', 'the authority (default: timestamp.url in .trail/config.json)')
    .option('--timeout <seconds>', 'how long to wait for the authority', '15')
    .option('--json', 'machine output on stdout')
    .action(async (options: { url?: string; timeout: string; json?: boolean }) => {
      const ctx = context();
      const timeoutMs = positiveCount(options.timeout, '--timeout') * 1000;
      const repo = await findRepo(ctx.cwd);
      const configured = options.url ?? loadConfig(repo).timestamp.url;
      if (!configured) {
        throw new TrailError(
          'USAGE',
          'no timestamping authority: give --url URL or set timestamp.url in .trail/config.json',
        );
      }
      const url = authorityUrl(configured);
      const key = loadWriterKey(repo);
      const { timestampNewestHead } = await import('../../ledger/timestamp-heads.js');
      const result = await timestampNewestHead(repo, key.keyId, url, { timeoutMs });
      if (!result) {
        // Trust is said first, as before a log is looked at.
        if ((await trustedAuthorityCertificates(repo)).length === 0) throw noTrustedAuthority();
        throw new TrailError('NOT_FOUND', 'this clone has written no record yet: nothing to timestamp');
      }
      const { verdict } = result;
      if (options.json) {
        return printJson(ctx.io, {
          size: result.size,
          added: result.added,
          time: verdict.time,
          authority: verdict.authority,
          ...(result.replaced ? { replaced: result.replaced } : {}),
        });
      }
      const replaced = result.replaced ? `, replacing a token that did not vouch (${result.replaced})` : '';
      say(
        ctx.io,
        `${result.added ? 'timestamped' : 'already timestamped:'} the tree head of size ${result.size}${replaced}: its records existed by ${verdict.time} (${verdict.authority}); git push carries the token with the log`,
      );
    });

  // Commander gives `--json` and `--url` after a subcommand (`trail timestamp list --json`) to
  // this command, which has them too: the subcommands read them from here.
  const jsonAsked = () => timestamp.opts<{ json?: boolean }>().json === true;

  timestamp
    .command('trust <file>')
    .description("trust a timestamping authority: its CA's certificate, or its own, as PEM")
    .option('--name <name>', 'what to call it (default: from the certificate)')
    .option(
      '--url <url>',
      'also make it the authority git push and trail report --sign ask (timestamp.url in .trail/config.json)',
    )
    .option('--json', 'machine output on stdout')
    .action(async (file: string, options: { name?: string; url?: string; json?: boolean }) => {
      const ctx = context();
      const json = options.json || jsonAsked();
      const repo = await findRepo(ctx.cwd);
      const { pem, names } = await readAuthorityPem(file, ctx.cwd);
      const name = options.name ?? nameFrom(names[0] ?? '', file);
      // Checked before anything is written: a bad address leaves the trust store as it was.
      const given = options.url ?? timestamp.opts<{ url?: string }>().url;
      const url = given === undefined ? undefined : authorityUrl(given);
      const trusted = trustAuthority(repo, name, pem, file);
      if (url) setTimestampUrl(repo, url);
      if (json) {
        return printJson(ctx.io, {
          name: trusted.name,
          certificates: names,
          ...(url ? { url } : {}),
        });
      }
      say(
        ctx.io,
        `trusted timestamping authority ${trusted.name} (${names.join(', ')})${url ? `; git push and signed reports ask ${url}` : ''}; commit .trail/ so clones trust it too`,
      );
    });

  timestamp
    .command('list')
    .description('list the trusted timestamping authorities')
    .option('--json', 'machine output on stdout')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      const authorities = listAuthorities(repo);
      const { describeCertificate } = await import('../../core/timestamp-token.js');
      const rows = authorities.map((a) => ({
        name: a.name,
        certificates: a.certificates.map((der) => {
          try {
            return describeCertificate(der).name;
          } catch {
            return '(unreadable certificate)';
          }
        }),
      }));
      if (options.json || jsonAsked()) return printJson(ctx.io, { authorities: rows });
      if (rows.length === 0) say(ctx.io, 'no timestamping authority is trusted (trail timestamp trust FILE)');
      for (const row of rows) say(ctx.io, `${row.name}  ${row.certificates.join(', ')}`);
    });
}
