/**
 * `trail export --format git-ai`: notes on refs/notes/ai that Trail did not write (git-ai's
 * own, above all) are someone's record and stay unless --force; nothing to write makes no
 * notes commit; and paths go in the form git-ai's parser reads back, or not at all.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RecordOf } from '../../src/core/records.js';
import type { StoredRecord } from '../../src/core/trail-index.js';
import { gitAiNote, isTrailNote } from '../../src/export/git-ai.js';
import { trail } from '../helpers/cli.js';
import { ScriptedRepo, T0 } from '../report/fixture.js';

/** A note as git-ai itself writes one: its own version in the metadata. */
const GIT_AI_NOTE = `src/c1.ts
  s_0123456789abcd::t_0123456789abcd 1
---
{
  "schema_version": "authorship/3.0.0",
  "git_ai_version": "1.0.23",
  "base_commit_sha": "0000000000000000000000000000000000000000",
  "prompts": {}
}
`;

async function withRepo(body: (s: ScriptedRepo) => Promise<void>): Promise<void> {
  const s = await ScriptedRepo.create();
  try {
    await body(s);
  } finally {
    s.cleanup();
  }
}

const noteOf = (s: ScriptedRepo, commit: string) => `${s.repo.git('notes', '--ref=ai', 'show', commit)}\n`;

describe('trail export --format git-ai --write-notes', () => {
  test('a note Trail did not write is kept, and said so; --force replaces it', () =>
    withRepo(async (s) => {
      const c1 = await s.change({ name: 'c1', day: 1 });
      const c2 = await s.change({ name: 'c2', day: 2 });
      s.repo.git('notes', '--ref=ai', 'add', '-m', GIT_AI_NOTE.trimEnd(), c1.sha);

      const written = await trail(s.dir, 'export', '--format', 'git-ai', '--write-notes', '--json');
      assert.equal(written.code, 0, written.stderr);
      assert.deepEqual(JSON.parse(written.stdout), {
        ref: 'refs/notes/ai',
        commits: [c2.sha],
        kept: [c1.sha],
      });
      assert.equal(
        written.stderr,
        'wrote 1 git-ai note to refs/notes/ai\nkept 1 note on refs/notes/ai that Trail did not write, and wrote none for their commits (--force replaces them)\n',
      );
      assert.equal(noteOf(s, c1.sha), GIT_AI_NOTE, 'git-ai’s note is as it was');
      assert.ok(isTrailNote(noteOf(s, c2.sha)));

      // A second run finds c2's note as it would write it: nothing is written, the ref stays.
      const ref = s.repo.git('rev-parse', 'refs/notes/ai');
      const again = await trail(s.dir, 'export', '--format', 'git-ai', '--write-notes', '--json');
      assert.deepEqual(JSON.parse(again.stdout).commits, []);
      assert.match(again.stderr, /^wrote 0 git-ai notes to refs\/notes\/ai \(1 already as written\)\n/);
      assert.equal(s.repo.git('rev-parse', 'refs/notes/ai'), ref, 'no empty notes commit');
      assert.equal(noteOf(s, c1.sha), GIT_AI_NOTE);

      // Trail's own notes are Trail's to replace when they differ from what it would write.
      // As an older Trail wrote it: another version in its metadata.
      const older = noteOf(s, c2.sha).replace(/("git_ai_version": ?"trail-)[^"]*"/, '$10.0.1"');
      assert.notEqual(older, noteOf(s, c2.sha));
      s.repo.git('notes', '--ref=ai', 'add', '-f', '-m', older, c2.sha);
      const redone = await trail(s.dir, 'export', '--format', 'git-ai', '--write-notes', '--json');
      assert.deepEqual(JSON.parse(redone.stdout).commits, [c2.sha]);

      const forced = await trail(s.dir, 'export', '--format', 'git-ai', '--write-notes', '--force', '--json');
      assert.equal(forced.code, 0, forced.stderr);
      assert.deepEqual(JSON.parse(forced.stdout), { ref: 'refs/notes/ai', commits: [c1.sha] });
      assert.doesNotMatch(forced.stderr, /kept/);
      assert.ok(isTrailNote(noteOf(s, c1.sha)), 'replaced on --force');
    }));

  test('with no checkpoint there is nothing to write, and no notes commit is made', () =>
    withRepo(async (s) => {
      const r = await trail(s.dir, 'export', '--format', 'git-ai', '--write-notes');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, 'wrote 0 git-ai notes to refs/notes/ai\n');
      assert.equal(s.repo.git('for-each-ref', 'refs/notes/'), '', 'no refs/notes/ai');
    }));

  test('--force applies to --write-notes only', () =>
    withRepo(async (s) => {
      const r = await trail(s.dir, 'export', '--format', 'git-ai', '--force');
      assert.equal(r.code, 2);
      assert.equal(r.stderr, 'trail: --force applies to --format git-ai --write-notes only\n');
    }));
});

describe('git-ai paths', () => {
  const paths = {
    plain: 'src/plain.ts',
    backslash: 'src/back\\ slash.ts',
    tab: 'src/tab\there.ts',
    divider: '---',
    quote: 'src/say "hi".ts',
    newline: 'src/two\nlines.ts',
  };
  const ai = [{ start: 1, end: 1, origin: 'ai' as const, sessionId: 'sess-1' }];
  const checkpoint = {
    kind: 'checkpoint',
    v: 1,
    time: new Date(T0).toISOString(),
    actor: { type: 'service', id: 'trail' },
    provenance: 'observed',
    commit: 'a'.repeat(40),
    sessions: [{ sessionId: 'sess-1', agent: 'claude-code', model: 'claude-sonnet-4-5' }],
    attribution: Object.fromEntries(Object.values(paths).map((p) => [p, ai])),
  };

  test('a path is quoted as it is, since git-ai strips the quotes and unescapes nothing', () => {
    const stored = {
      id: 'b'.repeat(64),
      writerId: 'w',
      seq: 0,
      record: checkpoint,
    } as unknown as StoredRecord<RecordOf<'checkpoint'>>;
    const note = gitAiNote(stored, '1.0.0');
    const named = note.text
      .split('\n---\n')[0]!
      .split('\n')
      .filter((line) => !line.startsWith('  '));
    assert.deepEqual(
      named.sort(),
      ['"---"', '"src/back\\ slash.ts"', '"src/tab\there.ts"', 'src/plain.ts'].sort(),
    );
    // A double quote or a newline has no form git-ai reads back: left out, and said so.
    assert.deepEqual(note.leftOut.sort(), [paths.newline, paths.quote].sort());
  });

  test('the export says how many paths it left out', () =>
    withRepo(async (s) => {
      const c1 = await s.change({ name: 'c1', day: 1 });
      await s.append([
        { ...checkpoint, commit: c1.sha, time: new Date(T0 + 3 * 24 * 3600_000).toISOString() },
      ]);
      const r = await trail(s.dir, 'export', '--format', 'git-ai');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stderr,
        'left 2 file paths out of the git-ai notes: the format cannot carry a path holding a double quote or a newline\n',
      );
      assert.match(r.stdout, /^"src\/back\\ slash\.ts"$/m);
      assert.doesNotMatch(r.stdout, /say/);
    }));
});
