/**
 * `trail log`: checkpoints, newest first, with who asked, which agent, review, tests and
 * deployments; `--sessions` lists the agent sessions instead (read/session-list.ts).
 */
import type { Command } from 'commander';
import { inPeriod } from '../../core/change-facts.js';
import { countLabel } from '../../core/count-label.js';
import { sessionLabel } from '../../core/day-session.js';
import { deployState } from '../../core/deploy-state.js';
import { TrailError } from '../../core/errors.js';
import { parsePeriod } from '../../core/period.js';
import { buildIndex } from '../../core/trail-index.js';
import { loadCheckpointsFirst, loadIndex } from '../../ledger/read.js';
import { findRepo } from '../../ledger/repo.js';
import type { CheckpointView } from '../../read/checkpoint-view.js';
import { buildCheckpointView } from '../../read/checkpoint-view.js';
import { listSessions } from '../../read/session-list.js';
import type { CommandContext } from '../context.js';
import { positiveCount } from '../option-values.js';
import { printJson, say } from '../output.js';

export function register(program: Command, context: () => CommandContext): void {
  program
    .command('log')
    .description('list checkpoints, newest first (--sessions: the agent sessions instead)')
    .option('--since <date>', 'only checkpoints from this date or ISO time (or age: 30d, 2w)')
    .option('--until <date>', 'only checkpoints up to this date (the whole day) or ISO time')
    .option('--deployed <env>', 'only commits deployed to this environment (and not rolled back from it)')
    .option(
      '--sessions',
      'list the agent sessions instead, each with the commits that carried it (none for one that changed nothing); --since/--until bound when they started',
    )
    .option(
      '--carried <none|some>',
      'with --sessions: only those no commit carried (none), or the others (some)',
    )
    .option('-n, --max <n>', 'at most this many')
    .option('--json', 'machine output on stdout')
    .action(
      async (options: {
        since?: string;
        until?: string;
        deployed?: string;
        sessions?: boolean;
        carried?: string;
        max?: string;
        json?: boolean;
      }) => {
        const ctx = context();
        const repo = await findRepo(ctx.cwd);
        const period = parsePeriod(options.since, options.until);
        const max = options.max === undefined ? undefined : positiveCount(options.max, '-n/--max');
        if (options.carried !== undefined && !options.sessions) {
          throw new TrailError('USAGE', '--carried goes with --sessions');
        }
        if (options.sessions) {
          if (options.deployed !== undefined) {
            throw new TrailError('USAGE', '--deployed lists commits: it does not go with --sessions');
          }
          const carried = options.carried;
          if (carried !== undefined && carried !== 'none' && carried !== 'some') {
            throw new TrailError('USAGE', '--carried must be none or some');
          }
          // Sessions and checkpoints are all it reads: events, most of a ledger, are not parsed.
          const index = await loadIndex(repo, { skipKinds: ['event'] });
          const rows = listSessions(index, { period, ...(carried ? { carried } : {}) }).slice(0, max);
          if (options.json) return printJson(ctx.io, rows);
          if (rows.length === 0) say(ctx.io, 'no sessions');
          for (const r of rows) {
            const carriers =
              r.commits.length === 0
                ? 'no commit'
                : `${countLabel(r.commits.length, 'commit')} (${r.commits
                    .slice(0, 3)
                    .map((c) => c.slice(0, 10))
                    .join(', ')}${r.commits.length > 3 ? ', …' : ''})`;
            say(
              ctx.io,
              `${r.sessionId} ${r.startedAt.slice(0, 16).replace('T', ' ')} ${sessionLabel(r.sessionId, r.agent, r.model)}${r.requester ? ` ${r.requester}` : ''}  ${carriers}  ${r.summary ?? ''}`,
            );
          }
          return;
        }
        const env = options.deployed;
        // With -n, a period or --deployed, checkpoints are decoded first (from the read memo),
        // then only the records that name those shown. The whole log shows every checkpoint
        // with what names it: it decodes everything but events at once.
        const chosen =
          max !== undefined || period.since !== undefined || period.until !== undefined || env !== undefined;
        const firstN = chosen ? await loadCheckpointsFirst(repo, { events: false }) : undefined;
        // A log line shows no event: events, most of a ledger, are not even parsed.
        const found = firstN?.checkpoints ?? (await loadIndex(repo, { skipKinds: ['event'] }));
        let newestFirst = [...found.checkpointByCommit.values()]
          .filter((c) => inPeriod(c.record.time, period))
          .sort((a, b) => (a.record.time < b.record.time ? 1 : -1));
        if (env !== undefined && firstN) {
          // Where each commit runs needs only deployments and rollbacks: the chunks that hold one.
          const releases = buildIndex(await firstN.recordsOfKinds(['deployment', 'rollback']));
          newestFirst = newestFirst.filter((c) =>
            deployState(
              c.record.commit,
              (releases.deploymentsByCommit.get(c.record.commit) ?? []).map((d) => d.record),
              (releases.rollbacksByCommit.get(c.record.commit) ?? []).map((r) => r.record),
            ).live.includes(env),
          );
        }
        const shown = newestFirst.slice(0, max);
        const index = firstN ? await firstN.indexFor(shown) : found;
        // The reports' rule: a commit rolled back from an environment is out of it until
        // deployed there again.
        const whereDeployed = (v: CheckpointView) =>
          deployState(v.checkpoint.commit, v.deployments, v.rollbacks);
        // Views are built only for the -n shown: `trail log -n 5` of a ledger of thousands of
        // checkpoints must not gather every one of them.
        const views = shown.map((c) => buildCheckpointView(index, c));
        if (options.json) {
          return printJson(
            ctx.io,
            views.map((v) => {
              const where = whereDeployed(v);
              return {
                checkpoint: v.id,
                commit: v.checkpoint.commit,
                time: v.checkpoint.time,
                message: v.checkpoint.message,
                author: v.checkpoint.author,
                agents: [...new Set(v.sessions.map((s) => s.agent.name))],
                models: [...new Set(v.sessions.flatMap((s) => (s.model ? [s.model] : [])))],
                tickets: v.sessions.flatMap((s) => s.request.tickets.map((t) => t.id)),
                lines: v.lines,
                approval: v.approval,
                tests: v.tests.map((t) => t.totals),
                deployments: v.deployments.map((d) => ({ env: d.env, status: d.status, time: d.time })),
                rollbacks: v.rollbacks.map((r) => ({ env: r.env, from: r.from, to: r.to, time: r.time })),
                deployedTo: where.live,
                rolledBackFrom: where.rolledBack,
              };
            }),
          );
        }
        if (views.length === 0) say(ctx.io, 'no checkpoints');
        for (const v of views) {
          const agents = [
            ...new Set(v.sessions.map((s) => sessionLabel(s.sessionId, s.agent.name, s.model))),
          ].join(', ');
          const where = whereDeployed(v);
          const deployed = [
            ...(where.live.length > 0 ? [`deployed:${where.live.join(',')}`] : []),
            ...(where.rolledBack.length > 0 ? [`rolled-back:${where.rolledBack.join(',')}`] : []),
          ].join(' ');
          // Lines of unknown origin are shown where there are any: never folded into human.
          const unknown = v.lines.unknown > 0 ? `/+${v.lines.unknown} unknown` : '';
          say(
            ctx.io,
            `${v.checkpoint.commit.slice(0, 10)} ${v.checkpoint.time.slice(0, 16).replace('T', ' ')} ${agents || 'no session'} +${v.lines.ai} AI/+${v.lines.human} human${unknown}  ${v.approval.state}${v.tests.length ? ' tested' : ''}${deployed ? ` ${deployed}` : ''}  ${v.checkpoint.message ?? ''}`,
          );
        }
      },
    );
}
