/**
 * A commit whose checkpoint names a session only because a person changed one of that
 * session's earlier lines: the session did no work in this commit, so its ticket and its start
 * are not this change's (the SLSA provenance, the reports' request facts), though the
 * checkpoint still names it for blame's `human*`.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail } from '../helpers/cli.js';
import type { TempRepo } from '../helpers/temp-repo.js';
import { tempRepo } from '../helpers/temp-repo.js';

interface Statement {
  subject: Array<{ digest: { gitCommit: string } }>;
  predicate: {
    buildDefinition: { externalParameters: { tickets?: Array<{ id: string }>; prompt?: string } };
    runDetails: { metadata: { invocationId?: string; startedOn?: string; finishedOn?: string } };
  };
}

/** The statements `trail report slsa --format jsonl` signs, one per commit with a checkpoint. */
async function slsaStatements(dir: string): Promise<Statement[]> {
  const slsa = await trail(dir, 'report', 'slsa', '--format', 'jsonl');
  assert.equal(slsa.code, 0, slsa.stderr);
  return slsa.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(Buffer.from(JSON.parse(line).payload, 'base64').toString('utf8')) as Statement);
}

describe('a session named only for a line a person changed', () => {
  let repo: TempRepo;
  after(() => repo?.cleanup());

  test("its ticket and start are not the later change's", async () => {
    repo = tempRepo();
    assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
    repo.commit('Trail: trust this clone');
    const first = new ScriptedClaude(repo.dir).start().prompt('Add a greeting helper (PAY-42)');
    first.write('src/greet.ts', 'export function greet(name: string) {\n  return "hi " + name;\n}\n');
    first.stop();
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'greet');

    // SLSA's startedOn is to the second: the second session starts in a later second than the
    // first, or a fast machine gives both the same start and the check below cannot tell them.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // A person changes the first session's line 2; a second session writes another file.
    repo.write('src/greet.ts', 'export function greet(name: string) {\n  return "hello " + name;\n}\n');
    const second = new ScriptedClaude(repo.dir).start().prompt('Add a slugify helper for the notes page');
    second.write('src/slug.ts', "export const slug = (s: string) => s.toLowerCase().replace(/ /g, '-');\n");
    second.stop();
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'slug, and a greeting by hand');
    const head = repo.git('rev-parse', 'HEAD');

    const show = JSON.parse((await trail(repo.dir, 'show', 'HEAD', '--json')).stdout) as {
      checkpoint: { sessions: Array<{ sessionId: string }> };
    };
    assert.deepEqual(
      show.checkpoint.sessions.map((s) => s.sessionId).sort(),
      [first.sessionId, second.sessionId].sort(),
      'the checkpoint still names both: blame shows the changed line as human*',
    );

    const statements = await slsaStatements(repo.dir);
    const statement = statements.find((s) => s.subject[0]!.digest.gitCommit === head)!;
    const { externalParameters } = statement.predicate.buildDefinition;
    assert.deepEqual(externalParameters.tickets ?? [], [], "PAY-42 is the first session's ticket");
    assert.equal(externalParameters.prompt, 'Add a slugify helper for the notes page');
    assert.equal(statement.predicate.runDetails.metadata.invocationId, second.sessionId);
    const earlier = statements.find((s) => s.subject[0]!.digest.gitCommit !== head)!;
    assert.ok(
      statement.predicate.runDetails.metadata.startedOn! > earlier.predicate.runDetails.metadata.startedOn!,
      "started when the second session started, not the first's start",
    );
  });
});

describe('a session that goes on past a commit', () => {
  let repo: TempRepo;
  after(() => repo?.cleanup());

  test('the commit’s provenance finishes when it was sealed, not when the session ended later', async () => {
    repo = tempRepo();
    assert.equal((await trail(repo.dir, 'init', '--yes')).code, 0);
    repo.commit('Trail: trust this clone');
    const session = new ScriptedClaude(repo.dir).start().prompt('Add a greeting helper');
    session.write('src/greet.ts', 'export const greet = (name: string) => "hi " + name;\n').stop();
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'greet');
    const first = repo.git('rev-parse', 'HEAD');
    // The provenance's times are whole seconds: the session ends in a later one.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    session.prompt('Add a farewell helper too');
    session.write('src/bye.ts', 'export const bye = (name: string) => "bye " + name;\n').stop().end();
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'bye');

    const shown = JSON.parse((await trail(repo.dir, 'show', first, '--json')).stdout) as {
      checkpoint: { time: string };
    };
    const statement = (await slsaStatements(repo.dir)).find((s) => s.subject[0]!.digest.gitCommit === first)!;
    const { finishedOn } = statement.predicate.runDetails.metadata;
    assert.equal(finishedOn, `${shown.checkpoint.time.slice(0, 19)}Z`);
  });
});
