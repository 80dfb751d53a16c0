/**
 * The repository's own redaction patterns (`redact.patterns` in `.trail/config.json`) when the
 * config cannot be read, and when they changed after content was spooled: hooks withhold what
 * they would have written with fewer rules, a commit that cannot be sealed claims no
 * checkpoint, and sealing redacts with the rules in force when it appends. Real hooks, real
 * commits, the bytes git and Trail keep searched for the secret.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readGaps } from '../../src/capture/gaps.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { everythingStored } from '../helpers/agent-hooks.js';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail, trailProcess } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { git, tempDir } from '../helpers/temp-repo.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

const LICENSE = 'ACME-LIC-ABCDEFGHIJ0123456789';
const PATTERN = { id: 'acme', pattern: 'ACME-LIC-[A-Z0-9]{20}' };

const configFile = (repo: TempRepo) => join(repo.dir, '.trail/config.json');

function setPatterns(repo: TempRepo, patterns: Array<{ id: string; pattern: string }>): void {
  const config = JSON.parse(readFileSync(configFile(repo), 'utf8'));
  config.redact.patterns = patterns;
  writeFileSync(configFile(repo), `${JSON.stringify(config, null, 2)}\n`);
}

/** The same syntax error as a stray comma typed into the file; `fix` takes it out again. */
const breakConfig = (repo: TempRepo) =>
  writeFileSync(
    configFile(repo),
    readFileSync(configFile(repo), 'utf8').replace('"version": 1,', '"version": 1,,'),
  );
const fixConfig = (repo: TempRepo) =>
  writeFileSync(
    configFile(repo),
    readFileSync(configFile(repo), 'utf8').replace('"version": 1,,', '"version": 1,'),
  );

interface Checkpoint {
  key?: string;
  files: Array<{ path: string; aiLines: number; humanLines: number; unknownLines: number }>;
}

async function checkpointOf(dir: string, rev = 'HEAD'): Promise<Checkpoint | undefined> {
  const show = await trail(dir, 'show', rev, '--json');
  return show.code === 0 ? (JSON.parse(show.stdout) as { checkpoint: Checkpoint }).checkpoint : undefined;
}

const gaps = (repo: TempRepo) => readGaps(join(repo.dir, '.git/trail'));

describe('redaction with the repository patterns', () => {
  test('a config that cannot be read: hooks write nothing, and follow edits as unknown', async () => {
    const repo = initialisedRepo();
    try {
      setPatterns(repo, [PATTERN]);
      repo.commit('acme patterns');
      breakConfig(repo);
      const agent = new ScriptedClaude(repo.dir).prompt(`use ${LICENSE}`).write('b.txt', 'one\n');

      const withheld = gaps(repo);
      assert.equal(withheld.length, 3, 'one gap per hook: the prompt, and both sides of the write');
      for (const gap of withheld) {
        assert.match(
          gap.why,
          /^nothing of this hook was recorded \(the lines it changed count as of unknown origin\): \.trail\/config\.json is not valid JSON \(.*\), so its redact\.patterns cannot be applied; fix the file$/,
        );
      }
      assert.ok(!everythingStored(repo.dir).includes(LICENSE), 'the license key is nowhere at rest');

      // Fixed, the agent goes on: the line written while nothing could be recorded is not
      // the agent's on record, and not a person's either.
      fixConfig(repo);
      agent.write('b.txt', 'one\ntwo\n');
      repo.git('add', 'b.txt');
      repo.git('commit', '-q', '-m', 'b');
      const checkpoint = await checkpointOf(repo.dir);
      assert.ok(checkpoint, 'the agent work after the fix is sealed');
      const file = checkpoint.files.find((f) => f.path === 'b.txt')!;
      assert.deepEqual([file.aiLines, file.humanLines, file.unknownLines], [1, 0, 1]);
      assert.ok(!everythingStored(repo.dir).includes(LICENSE));
    } finally {
      repo.cleanup();
    }
  });

  test('a commit that cannot be sealed claims no checkpoint, and the next one seals the work', async () => {
    const repo = initialisedRepo();
    try {
      setPatterns(repo, [PATTERN]);
      repo.commit('acme patterns');
      new ScriptedClaude(repo.dir).prompt('add b').write('b.txt', 'one\n');
      breakConfig(repo);
      repo.git('add', 'b.txt');
      repo.git('commit', '-q', '-m', 'b');

      assert.doesNotMatch(repo.git('log', '-1', '--format=%B'), /Trail-Checkpoint:/);
      assert.equal(await checkpointOf(repo.dir), undefined);
      const why = gaps(repo).map((g) => `${g.hook}: ${g.why}`);
      assert.ok(
        why.some((w) =>
          /^prepare-commit-msg: no Trail-Checkpoint trailer added, as this commit cannot be sealed: .*config\.json/.test(
            w,
          ),
        ),
        why.join('\n'),
      );
      assert.ok(
        why.some((w) => w.startsWith('post-commit: ')),
        why.join('\n'),
      );

      // Once the file is fixed, the next commit's seal seals the commit that was owed a
      // checkpoint first: the work goes to the commit that holds it, not to a later one.
      fixConfig(repo);
      repo.write('c.txt', 'c\n');
      repo.git('add', 'c.txt');
      repo.git('commit', '-q', '-m', 'c');
      const owed = await checkpointOf(repo.dir, 'HEAD~1');
      assert.ok(owed, 'commit b is sealed by the next seal');
      assert.equal(owed.key, undefined, 'as it carries no trailer');
      assert.deepEqual(
        owed.files.map((f) => [f.path, f.aiLines]),
        [['b.txt', 1]],
      );
      assert.equal(await checkpointOf(repo.dir), undefined, 'commit c has no agent work');
    } finally {
      repo.cleanup();
    }
  });

  // git runs each worktree's hooks with that worktree named in GIT_DIR / GIT_INDEX_FILE: the
  // seal of the other worktree's commit must not inherit them. Both ways round.
  for (const owedIn of ['linked', 'main'] as const) {
    test(`a commit owed a checkpoint in the ${owedIn} worktree is sealed with its own worktree’s work from the other`, async () => {
      const repo = initialisedRepo();
      const outside = tempDir();
      try {
        const linked = join(outside, 'wt');
        repo.git('worktree', 'add', '-q', '-b', 'feature', linked);
        const [owedTree, nextTree] = owedIn === 'linked' ? [linked, repo.dir] : [repo.dir, linked];
        const agent = new ScriptedClaude(owedTree).start().prompt('add b');
        agent.write('b.txt', 'one\ntwo\n');
        const owedConfig = join(owedTree, '.trail/config.json');
        const config = readFileSync(owedConfig, 'utf8');
        writeFileSync(owedConfig, config.replace('"version": 1,', '"version": 1,,'));
        git(owedTree, 'add', 'b.txt');
        git(owedTree, 'commit', '-q', '-m', 'b');
        const owedCommit = git(owedTree, 'rev-parse', 'HEAD');
        assert.equal(await checkpointOf(owedTree), undefined);

        // Fixed there, and the next seal runs in the other worktree, whose own commit holds no
        // agent work: the owed commit's sessions and shadows are its own worktree's.
        writeFileSync(owedConfig, config);
        writeFileSync(join(nextTree, 'c.txt'), 'c\n');
        git(nextTree, 'add', 'c.txt');
        git(nextTree, 'commit', '-q', '-m', 'c');
        const show = await trail(owedTree, 'show', owedCommit, '--json');
        assert.equal(show.code, 0, show.stderr);
        const sealed = JSON.parse(show.stdout) as {
          checkpoint: Checkpoint & { sessions: Array<{ sessionId: string }> };
        };
        assert.deepEqual(
          sealed.checkpoint.files.map((f) => [f.path, f.aiLines, f.humanLines, f.unknownLines]),
          [['b.txt', 2, 0, 0]],
        );
        assert.deepEqual(
          sealed.checkpoint.sessions.map((s) => s.sessionId),
          [agent.sessionId],
        );
        assert.equal(await checkpointOf(nextTree), undefined, 'commit c has no agent work');
      } finally {
        repo.cleanup();
        rmSync(outside, { recursive: true, force: true });
      }
    });
  }

  test('what was spooled under fewer patterns is redacted with the current ones when sealed', async () => {
    const repo = initialisedRepo();
    try {
      // No pattern of the repository's yet: the built-in rules do not know this format.
      new ScriptedClaude(repo.dir)
        .prompt(`install with ${LICENSE}`)
        .write('b.txt', `key = read("${LICENSE}")\n`);
      setPatterns(repo, [PATTERN]);
      repo.git('add', 'b.txt');
      repo.git('commit', '-q', '-m', 'b');

      const records = (await loadIndex(await findRepo(repo.dir))).records.map((r) => r.record);
      const prompt = records.find((r) => r.kind === 'event' && r.event.type === 'prompt');
      assert.deepEqual(prompt?.kind === 'event' && prompt.event, {
        type: 'prompt',
        text: 'install with [REDACTED:acme]',
      });
      assert.deepEqual(prompt?.redactions, [{ field: 'event.text', rule: 'acme', count: 1 }]);
      const session = records.find((r) => r.kind === 'session');
      assert.equal(session?.kind === 'session' && session.request.summary, 'install with [REDACTED:acme]');
      assert.ok(!JSON.stringify(records).includes(LICENSE), 'no record holds it');
      // The spool line written before the pattern existed is the one copy left at rest: the
      // ledger, which cannot forget, and the seal state have none.
      const copies = everythingStored(repo.dir).split(`install with ${LICENSE}`).length - 1;
      assert.equal(copies, 1);
    } finally {
      repo.cleanup();
    }
  });

  test('a gap a git hook records is redacted with the repository patterns before it is spooled', async () => {
    const repo = initialisedRepo();
    try {
      setPatterns(repo, [PATTERN]);
      repo.commit('acme patterns');
      assert.equal(
        (await trail(repo.dir, 'record', 'deployment', '--env', 'prod', '--commit', 'a'.repeat(40))).code,
        0,
      );
      // A push to a host that cannot be reached: git's message quotes the remote's address.
      repo.git('remote', 'add', 'mirror', `https://git.example.invalid/missing-${LICENSE}.git`);
      const hook = trailProcess(repo.dir, ['hook', 'git', 'pre-push', 'mirror'], '');
      assert.equal(hook.code, 0, 'a git hook never fails the push');

      const [gap] = gaps(repo);
      assert.match(gap?.why ?? '', /missing-\[REDACTED:acme\]\.git/);
      // (The remote's address in .git/config is the user's own; Trail's spool must not copy it.)
      const spool = readFileSync(join(repo.dir, '.git/trail/spool/gaps.jsonl'), 'utf8');
      assert.ok(!spool.includes(LICENSE), 'the license key is not in the spool');
    } finally {
      repo.cleanup();
    }
  });
});
