/**
 * `trail report slsa` and `trail export --format intoto` name a commit alike: one
 * ResourceDescriptor (src/core/commit-descriptor.ts), `ORG/NAME@<sha>` with origin's
 * `git+https://` address where origin is on a host, never the credentials its URL holds, and
 * no address for a local origin. Until 2026-12-07 the in-toto export wrote `git+ORG/NAME@<sha>`
 * where the provenance wrote `ORG/NAME@<sha>`, so a policy matching one missed the other.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { trail } from '../helpers/cli.js';
import type { ScriptedRepo } from '../report/fixture.js';
import { signedStatements, withRepo } from '../report/signed-exports.js';

interface Descriptor {
  name: string;
  uri?: string;
  digest: Record<string, string>;
  annotations?: Record<string, string>;
}

interface Statement {
  subject: Descriptor[];
  predicate: { buildDefinition?: { resolvedDependencies: Descriptor[] } };
}

/** Each bundle's subject by commit, signatures checked; and the bundles' text. */
async function subjectsOf(s: ScriptedRepo) {
  const slsa = await trail(s.dir, 'report', 'slsa');
  assert.equal(slsa.code, 0, slsa.stderr);
  const intoto = await trail(s.dir, 'export', '--format', 'intoto');
  assert.equal(intoto.code, 0, intoto.stderr);
  const byCommit = (jsonl: string) =>
    new Map(
      signedStatements<Statement>(s, jsonl).map((st) => [st.subject[0]!.digest.gitCommit!, st] as const),
    );
  return { slsa: byCommit(slsa.stdout), intoto: byCommit(intoto.stdout), text: slsa.stdout + intoto.stdout };
}

describe('one subject name for a commit in the SLSA provenance and the in-toto export', () => {
  test('origin on a host: ORG/NAME@sha and its git+https address, without the credentials in its URL', () =>
    withRepo(async (s) => {
      const c1 = await s.change({ name: 'c1', day: 1 });
      const c2 = await s.change({ name: 'c2', day: 2 });
      s.repo.git('remote', 'add', 'origin', 'https://alice:ghp_s3cr3tT0ken@github.com/acme/shop.git');
      const { slsa, intoto, text } = await subjectsOf(s);
      assert.deepEqual([...slsa.keys()].sort(), [c1.sha, c2.sha].sort());
      for (const commit of [c1.sha, c2.sha]) {
        const subject = slsa.get(commit)!.subject[0]!;
        assert.deepEqual(intoto.get(commit)!.subject[0], subject, 'the same descriptor in both');
        assert.equal(subject.name, `acme/shop@${commit}`);
        assert.equal(subject.uri, `git+https://github.com/acme/shop@${commit}`);
        assert.deepEqual(subject.digest, { gitCommit: commit });
      }
      // A parent the provenance names is named as a subject would be.
      const [parent] = slsa.get(c2.sha)!.predicate.buildDefinition!.resolvedDependencies;
      assert.deepEqual(parent, {
        name: `acme/shop@${c1.sha}`,
        uri: `git+https://github.com/acme/shop@${c1.sha}`,
        digest: { gitCommit: c1.sha },
      });
      assert.doesNotMatch(text, /ghp_s3cr3tT0ken|alice/, 'no credentials in either bundle');
    }));

  test('origin over ssh: the same https address; a local origin: the name alone', () =>
    withRepo(async (s) => {
      const c1 = await s.change({ name: 'c1', day: 1 });
      s.repo.git('remote', 'add', 'origin', 'git@gitlab.example.com:acme/platform/shop.git');
      let { slsa, intoto } = await subjectsOf(s);
      assert.deepEqual(intoto.get(c1.sha)!.subject[0], slsa.get(c1.sha)!.subject[0]);
      assert.equal(slsa.get(c1.sha)!.subject[0]!.name, `platform/shop@${c1.sha}`);
      assert.equal(
        slsa.get(c1.sha)!.subject[0]!.uri,
        `git+https://gitlab.example.com/acme/platform/shop@${c1.sha}`,
      );

      s.repo.git('remote', 'set-url', 'origin', '/srv/git/acme/shop.git');
      ({ slsa, intoto } = await subjectsOf(s));
      const local = slsa.get(c1.sha)!.subject[0]!;
      assert.deepEqual(intoto.get(c1.sha)!.subject[0], local);
      assert.equal(local.name, `acme/shop@${c1.sha}`);
      assert.equal(local.uri, undefined, 'a local path is no address');
      assert.doesNotMatch(JSON.stringify(local), /srv/);
    }));
});
