/**
 * `trail admin`: the server's administration routes from the command line, for an admin
 * token. API tokens, webhook secrets, a repository's key set (see its state, lock it, approve
 * a key pushed after the lock) and the logged retention purge. Each subcommand is one
 * request; the server checks the token's role and scope, and its refusal is printed as it
 * gave it. Works outside a clone too: there the server and repository must be named.
 */
import type { Command } from 'commander';
import { TrailError } from '../../core/errors.js';
import { parseIsoTime } from '../../core/iso-time.js';
import { revocationState } from '../../core/key-revocation.js';
import type { Repo } from '../../ledger/repo.js';
import { findRepo } from '../../ledger/repo.js';
import { ServerClient } from '../../server/client.js';
import { repoNameFor } from '../../server/sync.js';
import type { CommandContext } from '../context.js';
import { readInput } from '../files.js';
import { collect } from '../option-values.js';
import { printJson, say } from '../output.js';
import { serverFor } from './pull.js';

interface ServerOptions {
  server?: string;
  token?: string;
  json?: boolean;
}

interface RepoOptions extends ServerOptions {
  repo?: string;
}

/** The clone this runs in, if any: it supplies server.url and the repository's name. */
async function cloneIfAny(cwd: string): Promise<Repo | undefined> {
  try {
    return await findRepo(cwd);
  } catch (error) {
    if (error instanceof TrailError && error.code === 'NOT_A_REPO') return undefined;
    throw error;
  }
}

/** A client for the server with the admin token; a missing token fails here, not at the server. */
async function adminClient(ctx: CommandContext, options: ServerOptions): Promise<ServerClient> {
  const { url, token } = serverFor(await cloneIfAny(ctx.cwd), options, ctx.env);
  if (!token) throw new TrailError('USAGE', 'no admin token given: pass --token or set TRAIL_TOKEN');
  return new ServerClient(url, token);
}

/** The repository an admin request is about: --repo, TRAIL_REPO, else this clone's origin. */
async function repoName(ctx: CommandContext, options: RepoOptions): Promise<string> {
  const named = options.repo ?? ctx.env.TRAIL_REPO;
  if (named) return named;
  const clone = await cloneIfAny(ctx.cwd);
  if (!clone)
    throw new TrailError('USAGE', 'name the repository: --repo ORG/NAME (or run this in its clone)');
  return repoNameFor(clone, undefined, ctx.env);
}

function serverOptions(command: Command): Command {
  return command
    .option('--server <url>', 'server URL (default: TRAIL_SERVER, then server.url in .trail/config.json)')
    .option('--token <token>', 'API token with the admin role (default: TRAIL_TOKEN)')
    .option('--json', "the server's answer as JSON on stdout");
}

function repoOptions(command: Command): Command {
  return serverOptions(command).option(
    '--repo <name>',
    "the repository's name on the server (default: TRAIL_REPO, then from the origin URL)",
  );
}

interface TokenRow {
  id: string;
  name: string;
  role: string;
  orgs: string[] | null;
  repos: string[] | null;
  expiresAt: string | null;
  revokedAt?: string | null;
}

function scopeOf(row: Pick<TokenRow, 'orgs' | 'repos'>): string {
  if (row.repos) return `repos ${row.repos.join(', ')}`;
  if (row.orgs) return `orgs ${row.orgs.join(', ')}`;
  return 'every repository';
}

interface KeyRow {
  keyId: string;
  name: string | null;
  revokedAt: string | null;
  inForce: boolean;
}

function keyState(key: KeyRow, locked: boolean): string {
  if (key.revokedAt) return revocationState(key.revokedAt, Date.now());
  if (key.inForce) return locked ? 'approved' : 'in force';
  return 'waiting for approval (trail admin approve-key)';
}

export function register(program: Command, context: () => CommandContext): void {
  const admin = program
    .command('admin')
    .description(
      "administer a Trail server with an admin token: API tokens, webhook secrets, a repository's key set, retention purges",
    );

  const tokens = admin.command('tokens').description('create, list and revoke API tokens');

  serverOptions(
    tokens
      .command('create')
      .description('create an API token; its secret is printed once, on stdout')
      .requiredOption('--name <name>', 'who or what holds it (e.g. "acme CI")')
      .requiredOption('--role <role>', 'admin, auditor, reviewer or ingest')
      .option('--org <org>', 'scope it to an organisation (repeatable)', collect)
      .option('--repo <name>', 'scope it to a repository, ORG/NAME (repeatable)', collect)
      .option('--expires <time>', 'ISO 8601 time after which it is refused'),
  ).action(
    async (
      options: ServerOptions & {
        name: string;
        role: string;
        org?: string[];
        repo?: string[];
        expires?: string;
      },
    ) => {
      const ctx = context();
      if (options.expires !== undefined && parseIsoTime(options.expires) === undefined) {
        throw new TrailError('USAGE', `--expires takes an ISO 8601 time, not "${options.expires}"`);
      }
      const client = await adminClient(ctx, options);
      const created = await client.request<TokenRow & { token: string }>('POST', '/api/v1/admin/tokens', {
        name: options.name,
        role: options.role,
        ...(options.org ? { orgs: options.org } : {}),
        ...(options.repo ? { repos: options.repo } : {}),
        ...(options.expires ? { expiresAt: options.expires } : {}),
      });
      if (options.json) return printJson(ctx.io, created);
      say(
        ctx.io,
        `created ${created.id}: ${created.role} for ${scopeOf(created)}${created.expiresAt ? `, until ${created.expiresAt}` : ''}; its secret, shown only now, is on stdout`,
      );
      ctx.io.stdout(`${created.token}\n`);
    },
  );

  serverOptions(
    tokens.command('list').description('tokens within this admin’s scope, without secrets'),
  ).action(async (options: ServerOptions) => {
    const ctx = context();
    const client = await adminClient(ctx, options);
    const answer = await client.request<{ tokens: TokenRow[] }>('GET', '/api/v1/admin/tokens');
    if (options.json) return printJson(ctx.io, answer);
    for (const t of answer.tokens) {
      const state = t.revokedAt ? `  REVOKED ${t.revokedAt}` : t.expiresAt ? `  expires ${t.expiresAt}` : '';
      say(ctx.io, `${t.id}  ${t.role}  ${t.name}  (${scopeOf(t)})${state}`);
    }
    if (answer.tokens.length === 0) say(ctx.io, 'no tokens in this admin’s scope');
  });

  serverOptions(
    tokens
      .command('revoke')
      .description('revoke a token: it is refused from now on')
      .argument('<id>', 'tok_…'),
  ).action(async (id: string, options: ServerOptions) => {
    const ctx = context();
    const client = await adminClient(ctx, options);
    const answer = await client.request<{ id: string; revokedAt: string }>(
      'POST',
      `/api/v1/admin/tokens/${encodeURIComponent(id)}/revoke`,
    );
    if (options.json) return printJson(ctx.io, answer);
    say(ctx.io, `${answer.id} revoked at ${answer.revokedAt}`);
  });

  serverOptions(
    admin
      .command('webhook-secret')
      .description(
        "set a code host's webhook secret, server-wide or for one organisation or repository; the secret is read from a file or stdin, never from the command line",
      )
      .requiredOption('--host <host>', 'github or gitlab')
      .option('--org <org>', 'for this organisation only')
      .option('--repo <name>', 'for this repository only, ORG/NAME')
      .requiredOption('--secret-file <file>', 'the file holding the secret (- reads stdin)'),
  ).action(
    async (options: ServerOptions & { host: string; org?: string; repo?: string; secretFile: string }) => {
      const ctx = context();
      if (options.org && options.repo) throw new TrailError('USAGE', 'give --org or --repo, not both');
      // A trailing newline is the file's, not the secret's: `echo secret | trail …` must work.
      const secret = readInput(options.secretFile, ctx.cwd)
        .toString('utf8')
        .replace(/\r?\n$/, '');
      const client = await adminClient(ctx, options);
      const answer = await client.request<{ id: number; host: string; scope: string; name: string | null }>(
        'POST',
        '/api/v1/admin/webhook-secrets',
        {
          host: options.host,
          secret,
          ...(options.org ? { org: options.org } : {}),
          ...(options.repo ? { repo: options.repo } : {}),
        },
      );
      if (options.json) return printJson(ctx.io, answer);
      say(
        ctx.io,
        `${answer.host} webhook secret set for ${answer.name ? `${answer.scope} ${answer.name}` : 'the whole server'}; deliveries are checked against it from now on`,
      );
    },
  );

  repoOptions(
    admin.command('keys').description("a repository's registered keys and whether its key set is locked"),
  ).action(async (options: RepoOptions) => {
    const ctx = context();
    const client = await adminClient(ctx, options);
    const name = await repoName(ctx, options);
    const answer = await client.request<{ repo: string; keys: KeyRow[]; keySetLocked: boolean }>(
      'GET',
      client.repoPath(name, 'writers'),
    );
    if (options.json)
      return printJson(ctx.io, { repo: answer.repo, keySetLocked: answer.keySetLocked, keys: answer.keys });
    say(
      ctx.io,
      `${answer.repo}: key set ${answer.keySetLocked ? 'locked (keys pushed now wait for an admin)' : 'open (any ingest token in scope may register a key)'}`,
    );
    for (const key of answer.keys) {
      say(ctx.io, `${key.keyId}  ${key.name ?? '(no name)'}  ${keyState(key, answer.keySetLocked)}`);
    }
    if (answer.keys.length === 0) say(ctx.io, 'no keys registered yet: trail push registers .trail/keys/');
  });

  const setLock = (locked: boolean) => async (options: RepoOptions) => {
    const ctx = context();
    const client = await adminClient(ctx, options);
    const name = await repoName(ctx, options);
    const answer = await client.request<{ repo: string; locked: boolean; approved: string[] }>(
      'POST',
      '/api/v1/admin/key-lock',
      { repo: name, locked },
    );
    if (options.json) return printJson(ctx.io, answer);
    if (!locked) {
      say(ctx.io, `${answer.repo}: key set open; any ingest token in scope may register a key again`);
      return;
    }
    const approved = answer.approved.length;
    say(
      ctx.io,
      `${answer.repo}: key set locked${approved > 0 ? `, ${approved} key${approved === 1 ? '' : 's'} registered so far approved` : ''}; keys pushed from now on wait for trail admin approve-key`,
    );
  };

  repoOptions(
    admin
      .command('lock-keys')
      .description(
        "lock a repository's key set: the keys registered so far are approved, a key pushed later waits for an admin",
      ),
  ).action(setLock(true));

  repoOptions(
    admin
      .command('unlock-keys')
      .description("open a repository's key set again: keys pushed are trusted on first use"),
  ).action(setLock(false));

  repoOptions(
    admin
      .command('approve-key')
      .description(
        'approve a key pushed after the key set was locked: logs it signs are accepted from now on',
      )
      .argument('<keyId>', 'the key id, as trail admin keys or trail keys list show it'),
  ).action(async (keyId: string, options: RepoOptions) => {
    const ctx = context();
    const client = await adminClient(ctx, options);
    const name = await repoName(ctx, options);
    const answer = await client.request<{ repo: string; keyId: string; alreadyApproved: boolean }>(
      'POST',
      '/api/v1/admin/key-approvals',
      { repo: name, keyId },
    );
    if (options.json) return printJson(ctx.io, answer);
    say(
      ctx.io,
      `${answer.repo}: key ${answer.keyId} ${answer.alreadyApproved ? 'was already approved' : 'approved; push again to send what it signed'}`,
    );
  });

  repoOptions(
    admin
      .command('purge')
      .description(
        "the server's logged retention purge: deletes a repository's stored records older than a time, and keeps why",
      )
      .requiredOption('--before <time>', 'ISO 8601 time: what is older is purged')
      .requiredOption('--reason <text>', 'why, kept in the purge log (e.g. the retention policy it applies)'),
  ).action(async (options: RepoOptions & { before: string; reason: string }) => {
    const ctx = context();
    if (parseIsoTime(options.before) === undefined) {
      throw new TrailError('USAGE', `--before takes an ISO 8601 time, not "${options.before}"`);
    }
    const client = await adminClient(ctx, options);
    const name = await repoName(ctx, options);
    const answer = await client.request<{ repo: string; purgeId: number; counts: Record<string, number> }>(
      'POST',
      '/api/v1/admin/purge',
      { repo: name, before: options.before, reason: options.reason },
    );
    if (options.json) return printJson(ctx.io, answer);
    const removed = Object.entries(answer.counts)
      .filter(([, n]) => n > 0)
      .map(([table, n]) => `${n} ${table}`);
    say(
      ctx.io,
      `${answer.repo}: purge ${answer.purgeId} removed ${removed.length > 0 ? removed.join(', ') : 'nothing'} older than ${options.before}`,
    );
  });
}
