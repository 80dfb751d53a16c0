/**
 * Secrets that reach the ledger by ways other than agent hooks: `trail record` (flags and
 * files), `trail deploy --url`, `trail rollback --reason`, `trail tests attach` (a failure
 * message), `trail review -m`, the SDK's appendRecords, capture gaps whose error messages
 * quote what failed, and a commit message. None may be stored anywhere git or Trail keeps bytes, except
 * the commit message in git's own commit object, which is the person's and not Trail's copy.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { recordGap } from '../../src/capture/gaps.js';
import { appendRecords } from '../../src/index.js';
import { loadIndex } from '../../src/ledger/read.js';
import { findRepo } from '../../src/ledger/repo.js';
import { everythingStored } from '../helpers/agent-hooks.js';
import { ScriptedClaude } from '../helpers/claude-session.js';
import { trail, trailProcess } from '../helpers/cli.js';
import { initialisedRepo } from '../helpers/trail-repo.js';

// Fake secrets in well-known formats, each spelled once so a leak names its way in.
const GITHUB = `ghp_${'R4nd0mT0k3n'.repeat(3)}abc`;
const AWS = 'AKIAZ7Q2W3E4R5T6Y7U8';
const SLACK = `xoxb-${'1234567890'}-${'0987654321'}-${'aB3dE5gH7jK9mN1pQ3sT5vW7'}`;
const STRIPE = `sk_live_${'51HxYzAbCdEfGhIjKlMnOpQr'}`;
const GITLAB = `glpat-${'Xy7Zq2Wv9Rt4Lm8Kp3Nb'}`;
const NPM = `npm_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}`;
const OPENAI = `sk-proj-${'Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8L9z0X1c2V3b4'}`;

describe('records from outside capture are redacted before they are written', () => {
  test('record, deploy, rollback, tests attach, review, the SDK, a gap and a commit message', async () => {
    const repo = initialisedRepo();
    try {
      const base = repo.git('rev-parse', 'HEAD~1');
      const viaFlags = await trail(
        repo.dir,
        'record',
        'event',
        '--sessionId',
        'manual-1',
        '--event.type',
        'command',
        '--event.command',
        `curl -H 'Authorization: token ${GITHUB}' https://api.github.com/user`,
        '--provenance',
        'observed',
      );
      assert.equal(viaFlags.code, 0, viaFlags.stderr);
      assert.match(viaFlags.stderr, /^redacted 1 secret \(github-token\) in event\.command$/m);
      assert.ok(!viaFlags.stderr.includes(GITHUB));

      const file = join(repo.dir, 'record.json');
      writeFileSync(
        file,
        JSON.stringify({
          kind: 'event',
          sessionId: 'manual-1',
          event: { type: 'decision', text: `rotate ${AWS} before Friday` },
        }),
      );
      const viaFile = await trail(repo.dir, 'record', '--file', file, '--json');
      assert.equal(viaFile.code, 0, viaFile.stderr);
      const fileResult = JSON.parse(viaFile.stdout) as { redactions: Array<{ field: string }> };
      assert.deepEqual(
        fileResult.redactions.map((r) => r.field),
        ['event.text'],
      );

      const deploy = await trail(
        repo.dir,
        'deploy',
        '--env',
        'production',
        '--commit',
        'HEAD',
        '--url',
        `https://hooks.example.com/deploy?token=${SLACK}`,
        '--json',
      );
      assert.equal(deploy.code, 0, deploy.stderr);
      assert.ok(!deploy.stdout.includes(SLACK), 'not even echoed');
      const rollback = await trail(
        repo.dir,
        'rollback',
        '--env',
        'production',
        '--from',
        'HEAD',
        '--to',
        base,
        '--reason',
        `the key ${STRIPE} was live in the build`,
      );
      assert.equal(rollback.code, 0, rollback.stderr);

      const junit = join(repo.dir, 'junit.xml');
      writeFileSync(
        junit,
        `<?xml version="1.0"?>\n<testsuite name="api" tests="1" failures="1"><testcase classname="api" name="login"><failure message="401 for ${GITLAB}">token ${GITLAB} refused</failure></testcase></testsuite>\n`,
      );
      const attached = await trail(repo.dir, 'tests', 'attach', junit);
      assert.equal(attached.code, 0, attached.stderr);

      await appendRecords(
        [
          {
            kind: 'event',
            v: 1,
            time: new Date().toISOString(),
            actor: { type: 'agent', id: 'script' },
            provenance: 'observed',
            sessionId: 'manual-1',
            event: { type: 'prompt', text: `use ${NPM} to publish` },
          },
        ],
        repo.dir,
      );

      // A hook given a payload it cannot parse records a gap (V8's message quotes a few
      // characters of it); a failing git command's message can quote a remote with its token.
      const hook = trailProcess(
        repo.dir,
        ['hook', 'claude-code', 'UserPromptSubmit'],
        `{"prompt": ${OPENAI}`,
      );
      assert.equal(hook.code, 0, 'a hook never fails the agent');
      recordGap(await findRepo(repo.dir), {
        what: 'pre-push hook',
        why: `git ls-remote failed: fatal: unable to access 'https://deployer:${OPENAI}@git.example.com/acme/api.git/'`,
      });

      const gapsWaiting = async () =>
        JSON.parse((await trail(repo.dir, 'status', '--json')).stdout).unsealedGaps;
      assert.equal(await gapsWaiting(), 2, 'trail status counts the gaps the next checkpoint carries');

      // An agent's commit, whose message holds a secret, seals the gap and a checkpoint.
      const agent = new ScriptedClaude(repo.dir).start().prompt('add the client');
      agent.write('src/client.ts', 'export const client = {};\n');
      repo.git('add', 'src/client.ts');
      repo.git('commit', '-q', '-m', `add the client (was ${GITHUB})`);
      const review = await trail(
        repo.dir,
        'review',
        'HEAD',
        '--comment',
        '-m',
        `please move ${AWS} out of the code`,
        '--reviewer',
        'rev@example.com',
      );
      assert.equal(review.code, 0, review.stderr);

      const ix = await loadIndex(await findRepo(repo.dir));
      const checkpoint = ix.checkpointByCommit.get(repo.git('rev-parse', 'HEAD'))!.record;
      assert.equal(checkpoint.message, 'add the client (was [REDACTED:github-token])');
      assert.deepEqual(checkpoint.redactions, [{ field: 'message', rule: 'github-token', count: 1 }]);
      const gaps = ix.records.filter((r) => r.record.kind === 'capture-gap');
      assert.equal(gaps.length, 2, 'the gaps were sealed');
      assert.equal(await gapsWaiting(), 0);
      assert.match((await trail(repo.dir, 'status')).stderr, /^capture gaps: 2, all in the ledger$/m);
      assert.equal(ix.records.filter((r) => r.record.kind === 'review').length, 1);
      const verify = await trail(repo.dir, 'verify');
      assert.equal(verify.code, 0, `a review redacted before signing still verifies: ${verify.stderr}`);

      // Git's own commit object holds the message as typed: everything else must not.
      const stored = everythingStored(repo.dir).replaceAll(`add the client (was ${GITHUB})`, '');
      const leaked = Object.entries({ GITHUB, AWS, SLACK, STRIPE, GITLAB, NPM, OPENAI })
        .filter(([, secret]) => stored.includes(secret))
        .map(([name]) => name);
      assert.deepEqual(leaked, []);
    } finally {
      repo.cleanup();
    }
  });

  test('a deployment URL must be an http(s) address without credentials', async () => {
    const repo = initialisedRepo();
    try {
      const cases: Array<[string, RegExp]> = [
        ['not a url', /^trail: --url is not a URL: give an address such as https:\/\/app\.example\.com\n$/],
        ['javascript:alert(1)', /^trail: --url must be an http or https address, not javascript:\n$/],
        ['https://deployer:hunter2@ci.example.com/job/7', /^trail: --url holds a user name or password/],
      ];
      for (const [url, message] of cases) {
        const result = await trail(repo.dir, 'deploy', '--env', 'prod', '--commit', 'HEAD', '--url', url);
        assert.equal(result.code, 2, url);
        assert.match(result.stderr, message);
        assert.ok(!result.stderr.includes('hunter2'));
      }
      assert.equal((await loadIndex(await findRepo(repo.dir))).records.length, 0, 'nothing was recorded');
    } finally {
      repo.cleanup();
    }
  });
});
