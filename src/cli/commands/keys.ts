/** `trail keys generate|list|trust|revoke`: this clone's writer key and the trust store. */

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseJson } from '../../core/canonical-json.js';
import { countLabel } from '../../core/count-label.js';
import { TrailError } from '../../core/errors.js';
import { revocationState } from '../../core/key-revocation.js';
import { localIdentity } from '../../git/identity.js';
import {
  createWriterKey,
  decodesToPublicKey,
  findTrustedKey,
  isBase64PublicKey,
  listTrustedKeys,
  loadWriterKey,
  revokeKey,
  trustKey,
} from '../../ledger/keys.js';
import type { Repo } from '../../ledger/repo.js';
import { findRepo, isInitialised } from '../../ledger/repo.js';
import { signedLogSize } from '../../ledger/revocation-bound.js';
import type { CommandContext } from '../context.js';
import { readInput } from '../files.js';
import { printJson, say } from '../output.js';

export function register(program: Command, context: () => CommandContext): void {
  const keys = program.command('keys').description('manage the writer key and trusted keys');

  keys
    .command('generate')
    .description(
      'create a new writer key for this clone (rotating: the old key stays trusted for what it signed)',
    )
    .option('--json', 'machine output on stdout')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      const old = isInitialised(repo) ? loadWriterKey(repo) : undefined;
      const key = createWriterKey(repo, { rotate: true });
      const me = await localIdentity(repo.workTree);
      trustKey(repo, key.publicKey, `${me.email} on ${me.host}`);
      if (options.json)
        return printJson(ctx.io, { keyId: key.keyId, publicKey: key.publicKey, previous: old?.keyId });
      say(
        ctx.io,
        `new writer key ${key.keyId}${old ? ` (replaces ${old.keyId}; revoke it with trail keys revoke if it leaked)` : ''}`,
      );
      say(ctx.io, 'commit .trail/keys/ so clones trust it');
    });

  keys
    .command('list')
    .description('list trusted keys and this clone’s writer key')
    .option('--json', 'machine output on stdout')
    .action(async (options: { json?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      const trusted = listTrustedKeys(repo);
      const writer = isInitialised(repo) ? loadWriterKey(repo).keyId : undefined;
      if (options.json) return printJson(ctx.io, { writer, trusted });
      if (trusted.length === 0) say(ctx.io, 'no trusted keys (run trail init)');
      for (const k of trusted) {
        const mine = k.keyId === writer ? ' (this clone)' : '';
        const state = k.revokedAt
          ? ` ${revocationState(k.revokedAt, Date.now(), 'REVOKED')}${k.revokedReason ? `: ${k.revokedReason}` : ''}`
          : '';
        say(ctx.io, `${k.keyId}  ${k.name}${mine}${state}`);
      }
    });

  keys
    .command('trust')
    .description('trust a teammate or CI public key: trail keys trust <base64-key|file.json> --name NAME')
    .argument('<key>', 'the base64 Ed25519 public key, or a key file from another clone’s .trail/keys/')
    .option('--name <name>', 'who holds the key')
    .option('--json', 'machine output on stdout')
    .action(async (keyArg: string, options: { name?: string; json?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      let publicKey = keyArg;
      let name = options.name;
      // A base64 key is 44 characters of its alphabet; anything else that looks like a path
      // is a file that is not there, and is named as such rather than as a bad key.
      const looksLikePath = !isBase64PublicKey(keyArg) && /[/\\.]/.test(keyArg);
      if (existsSync(resolve(ctx.cwd, keyArg)) || looksLikePath) {
        const file = parseJson(readInput(keyArg, ctx.cwd).toString('utf8'), keyArg) as {
          publicKey?: string;
          name?: string;
        };
        if (typeof file.publicKey !== 'string')
          throw new TrailError('KEY_INVALID', `${keyArg} has no publicKey`);
        publicKey = file.publicKey;
        name ??= file.name;
      }
      if (publicKey === keyArg && !decodesToPublicKey(keyArg)) {
        throw new TrailError(
          'KEY_INVALID',
          `${keyArg} is neither a key file nor a public key (32 bytes of Ed25519, base64-encoded)`,
        );
      }
      if (!name) throw new TrailError('USAGE', 'say whose key it is with --name');
      const entry = trustKey(repo, publicKey, name);
      if (options.json) return printJson(ctx.io, entry);
      say(ctx.io, `trusted ${entry.keyId} (${entry.name}); commit .trail/keys/`);
    });

  keys
    .command('revoke')
    .description(
      "stop trusting a key from now on: reports and reviews it signed no longer count (unless a trusted timestamp shows they came first), and its log's heads past what is held here fail verify",
    )
    .argument('<keyId>', 'key id or a unique prefix of it')
    .requiredOption('--reason <text>', 'why (e.g. laptop lost)')
    .option('--at <iso-time>', 'revoke from this time instead of now (e.g. when the key leaked)')
    .option('--json', 'machine output on stdout')
    .action(async (keyId: string, options: { reason: string; at?: string; json?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      if (options.at && Number.isNaN(Date.parse(options.at)))
        throw new TrailError('USAGE', '--at needs an ISO time');
      const at = options.at ? new Date(options.at).toISOString() : new Date().toISOString();
      // In force from now (or from a time past): the log's size here bounds what the key signed.
      // A revocation dated later leaves the key signing until then, so no bound yet.
      const effective = Date.parse(at) <= Date.now();
      const size = effective ? await signedLogSize(repo, findTrustedKey(repo, keyId)) : undefined;
      const entry = revokeKey(repo, keyId, options.reason, at, size);
      // Revoking does not replace the key: every append signed with it from then on would fail
      // verify, so appends refuse it (loadAppendKey), and the person must know why they stop.
      const mine = isInitialised(repo) && loadWriterKey(repo).keyId === entry.keyId;
      if (mine) {
        say(
          ctx.io,
          effective
            ? `trail: warning: ${entry.keyId} is this clone's writer key: run \`trail keys generate\` before this clone can record again`
            : `trail: warning: ${entry.keyId} is this clone's writer key: it records until ${entry.revokedAt}; run \`trail keys generate\` before then`,
        );
      }
      if (options.json) return printJson(ctx.io, entry);
      say(ctx.io, `revoked ${entry.keyId} from ${entry.revokedAt}; commit .trail/keys/`);
      if (entry.revokedAtSize !== undefined) {
        say(
          ctx.io,
          `its log holds ${entry.revokedAtSize} records here: a head it signs past them fails trail verify, whatever time it claims (fetch first if a teammate may hold more, then revoke again)`,
        );
        say(ctx.io, await whatTimestampsKeep(repo, entry.keyId));
      } else if (effective) {
        say(
          ctx.io,
          `no log of ${entry.keyId} is here: heads it signs are judged by the time they claim until its log is fetched and the key revoked again`,
        );
      }
    });
}

/**
 * What a revoked key's log keeps, in a line: the records (reviews among them) a trusted
 * timestamp shows came before the revocation still count; the rest do not. Worked out as
 * `trail verify` would, over that log alone.
 */
async function whatTimestampsKeep(repo: Repo, keyId: string): Promise<string> {
  const { verifyAndRead } = await import('../../ledger/verify.js');
  const { existedBy } = await verifyAndRead(repo, {
    writers: new Set([keyId]),
    updateWitness: false,
    keepDecoded: false,
  });
  const shown = existedBy.get(keyId);
  if (!shown) {
    return 'no trusted timestamp over its log predates the revocation: the reviews it signed no longer count (trail timestamp stamps a log; review again with a key in force)';
  }
  return `a trusted timestamp shows its first ${countLabel(shown.size, 'record')} existed by ${shown.time} (${shown.authority}), before the revocation: the reviews among them still count`;
}
