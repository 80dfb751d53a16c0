/** `trail tests attach FILE... [--coverage FILE] [--commit SHA]`: test results as evidence for a commit. */
import type { Command } from 'commander';
import { findRepo } from '../../ledger/repo.js';
import type { CommandContext } from '../context.js';
import { printJson, say } from '../output.js';

export function register(program: Command, context: () => CommandContext): void {
  const tests = program.command('tests').description('test results as evidence for a commit');
  tests
    .command('attach')
    .description(
      'record JUnit XML reports (pytest, jest, vitest, go, Maven Surefire...) and coverage (lcov, Cobertura, Istanbul json-summary) for a commit',
    )
    .argument('<files...>', 'JUnit XML reports: one test-result record for all of them')
    .option('--coverage <file>', 'a coverage report: lcov, Cobertura XML or coverage-summary.json')
    .option('--commit <sha>', 'the commit tested (default HEAD)')
    .option('--json', 'machine output on stdout')
    .action(async (files: string[], options: { coverage?: string; commit?: string; json?: boolean }) => {
      const ctx = context();
      const repo = await findRepo(ctx.cwd);
      // Loaded here: the XML parser must not slow `trail --help` down.
      const { attachTests } = await import('../../chain/tests-attach.js');
      const { id, record } = await attachTests(repo, {
        files,
        ...(options.coverage ? { coverage: options.coverage } : {}),
        ...(options.commit ? { commit: options.commit } : {}),
        cwd: ctx.cwd,
        env: ctx.env,
      });
      if (options.json) return printJson(ctx.io, { id, ...record });
      const t = record.totals;
      const coverage = record.coverage
        ? `; line coverage ${record.coverage.lines.pct}% (${record.coverage.format})`
        : '';
      say(
        ctx.io,
        `attached to ${record.commit.slice(0, 12)}${record.checkpoints.length ? ` (${record.checkpoints.length} checkpoint${record.checkpoints.length === 1 ? '' : 's'})` : ' (no checkpoint)'}: ${t.tests} tests, ${t.passed} passed, ${t.failed} failed, ${t.errored} errored, ${t.skipped} skipped${coverage}: record ${id.slice(0, 12)}`,
      );
      for (const f of record.failing.slice(0, 10)) {
        say(
          ctx.io,
          `  failing: ${f.suite ? `${f.suite} › ` : ''}${f.name}${f.message ? `: ${f.message}` : ''}`,
        );
      }
    });
}
