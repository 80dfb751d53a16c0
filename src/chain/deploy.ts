/**
 * `trail deploy` and `trail rollback`: where a commit runs. A deployment names the
 * environment, the commit (resolved to its full id, so a short SHA or a tag typed in a
 * deploy script still binds one commit) and a status; a rollback names the environment,
 * the commit taken out and the one put back, and why. `trail show` lists both for a commit
 * and `trail log --deployed ENV` lists what runs in an environment now.
 */
import { TrailError } from '../core/errors.js';
import type { RecordOf } from '../core/records.js';
import { validateRecord } from '../core/records.js';
import type { Repo } from '../ledger/repo.js';
import { requireInitialised } from '../ledger/repo.js';
import { appendAsThisClone } from '../ledger/writer.js';
import { attachingActor } from './attaching-actor.js';
import { resolveCommit } from './code-host-mapping.js';

export const DEPLOYMENT_STATUSES = [
  'success',
  'failure',
  'in-progress',
  'pending',
  'error',
  'inactive',
] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

async function commitOf(repo: Repo, commitish: string, flag: string): Promise<string> {
  if (!commitish.trim()) throw new TrailError('USAGE', `${flag} needs a commit`);
  const sha = await resolveCommit(repo.workTree, commitish);
  if (!sha) throw new TrailError('NOT_FOUND', `${flag} ${commitish}: not a commit in this repository`);
  return sha;
}

function envName(env: string | undefined): string {
  const name = env?.trim();
  if (!name) throw new TrailError('USAGE', '--env NAME is required (e.g. --env production)');
  if (name.length > 256) throw new TrailError('USAGE', '--env is at most 256 characters');
  return name;
}

/**
 * Where a deployment runs or its job: an http(s) address. The value itself is never echoed
 * in the error, since a mistyped one may still hold a credential.
 */
function deploymentUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const text = url.trim();
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new TrailError('USAGE', '--url is not a URL: give an address such as https://app.example.com');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TrailError('USAGE', `--url must be an http or https address, not ${parsed.protocol}`);
  }
  if (parsed.username || parsed.password) {
    throw new TrailError(
      'USAGE',
      '--url holds a user name or password: leave them out, the ledger keeps what it is given',
    );
  }
  if (text.length > 2048) throw new TrailError('USAGE', '--url is at most 2048 characters');
  return text;
}

export async function recordDeployment(
  repo: Repo,
  options: { env?: string; commit?: string; status?: string; url?: string; processEnv: NodeJS.ProcessEnv },
): Promise<{ id: string; record: RecordOf<'deployment'> }> {
  const env = envName(options.env);
  if (!options.commit) throw new TrailError('USAGE', '--commit SHA is required');
  const url = deploymentUrl(options.url);
  const status = options.status ?? 'success';
  if (!(DEPLOYMENT_STATUSES as readonly string[]).includes(status)) {
    throw new TrailError('USAGE', `--status must be one of ${DEPLOYMENT_STATUSES.join(', ')}`);
  }
  requireInitialised(repo);
  const commit = await commitOf(repo, options.commit, '--commit');
  const who = await attachingActor(repo.workTree, options.processEnv);
  const record = validateRecord({
    kind: 'deployment',
    v: 1,
    time: new Date().toISOString(),
    ...who,
    env,
    commit,
    status,
    ...(url ? { url } : {}),
  }) as RecordOf<'deployment'>;
  const appended = await appendAsThisClone(repo, [record]);
  return { id: appended.ids[0]!, record: appended.written[0] as typeof record };
}

export async function recordRollback(
  repo: Repo,
  options: { env?: string; from?: string; to?: string; reason?: string; processEnv: NodeJS.ProcessEnv },
): Promise<{ id: string; record: RecordOf<'rollback'> }> {
  const env = envName(options.env);
  if (!options.from || !options.to)
    throw new TrailError('USAGE', '--from SHA and --to SHA are both required');
  const reason = options.reason?.trim();
  if (!reason) throw new TrailError('USAGE', '--reason TEXT is required: say why it was rolled back');
  requireInitialised(repo);
  const from = await commitOf(repo, options.from, '--from');
  const to = await commitOf(repo, options.to, '--to');
  if (from === to) throw new TrailError('USAGE', '--from and --to name the same commit');
  const who = await attachingActor(repo.workTree, options.processEnv);
  const record = validateRecord({
    kind: 'rollback',
    v: 1,
    time: new Date().toISOString(),
    ...who,
    env,
    from,
    to,
    reason: reason.slice(0, 4096),
  }) as RecordOf<'rollback'>;
  const appended = await appendAsThisClone(repo, [record]);
  return { id: appended.ids[0]!, record: appended.written[0] as typeof record };
}
