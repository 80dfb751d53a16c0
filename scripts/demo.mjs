#!/usr/bin/env node
// `npm start`: Trail end to end on a fresh machine, in one folder (trail-demo-<user> in the
// system's temp folder, or TRAIL_DEMO_DIR). It makes a small payments repository, drives two Claude Code sessions
// through Trail's real hooks (each hook is `bin/trail hook claude-code <Event>` as its own
// process, with the payload Claude Code sends), runs the repository's real tests (one fails,
// the agent repairs it, it passes), has a person edit the agent's code before committing,
// attaches the CI test report, records a signed review and a deployment, starts `trail serve`
// (PGlite in the demo folder), has an RFC 3161 authority stamp the ledger (OpenSSL's TSA on this
// machine, scripts/local-tsa.mjs, where openssl is installed), pushes the ledger and its token
// with an ingest token, runs `trail verify`, and prints the dashboard's address with an
// auditor token to sign in with.
//
// The folder is outside the checkout by default: the demo repository's files are nobody's
// source, and `npm test` lints everything in the checkout.
//
// Environment: TRAIL_DEMO_DIR (the folder, wiped and made again on each run),
// TRAIL_DEMO_PORT (default: a free port), TRAIL_DEMO_EXIT=1 (check the dashboard answers,
// then stop instead of serving until Ctrl-C: for CI and tests).
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { hasOpenssl, startLocalAuthority } from './local-tsa.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const TRAIL = join(root, 'bin', 'trail');
const MARKER = '.trail-demo-folder';
const REPO_NAME = 'acme/payments';
const DEV = { name: 'Dana Developer', email: 'dana@acme.example' };
const REVIEWER = 'riley@acme.example';

function defaultFolder() {
  let user = 'user';
  try {
    user = userInfo().username.replace(/[^A-Za-z0-9._-]/g, '_') || user;
  } catch {
    // no user name on this system: one shared folder name will do
  }
  return join(tmpdir(), `trail-demo-${user}`);
}

const demoDir = resolve(process.env.TRAIL_DEMO_DIR || defaultFolder());
const repoDir = join(demoDir, 'payments');
const serverDir = join(demoDir, 'server');
const transcriptDir = join(demoDir, 'transcripts');
const authorityDir = join(demoDir, 'timestamping-authority');
const exitAfterPrint = process.env.TRAIL_DEMO_EXIT === '1';

// Children see neither the caller's git configuration (commit signing, hooksPath) nor a Trail
// session, server or database of the caller's, nor the test runner's IPC context.
const env = { ...process.env };
for (const key of Object.keys(env)) {
  if (
    key.startsWith('TRAIL_') ||
    key.startsWith('GIT_') ||
    key === 'DATABASE_URL' ||
    key === 'NODE_TEST_CONTEXT'
  )
    delete env[key];
}
Object.assign(env, {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: DEV.name,
  GIT_AUTHOR_EMAIL: DEV.email,
  GIT_COMMITTER_NAME: DEV.name,
  GIT_COMMITTER_EMAIL: DEV.email,
});

function fail(message) {
  console.error(`demo: ${message}`);
  process.exit(1);
}

const began = Date.now();
function step(text) {
  console.error(`\n== ${text}  [${((Date.now() - began) / 1000).toFixed(1)} s]`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? repoDir,
    env: { ...env, ...options.env },
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) fail(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (!options.allowFailure && result.status !== 0) {
    fail(`${command} ${args.join(' ')} exited ${result.status}\n${result.stderr}${result.stdout}`);
  }
  return { code: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
}

const git = (...args) => run('git', args).stdout.trim();

/** `trail ...` as a person would type it; what it says for people is shown. */
function trail(args, options = {}) {
  const result = run(process.execPath, [TRAIL, ...args], options);
  if (!options.quiet) showSaid(result.stderr);
  return result;
}

/** What trail said for people, indented under the step. */
function showSaid(stderr) {
  const said = stderr.trim();
  if (said) console.error(said.replace(/^/gm, '   '));
}

/**
 * `trail ...` while this process keeps serving: the demo's timestamping authority answers from
 * this process, which a synchronous run would block.
 */
function trailBeside(args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [TRAIL, ...args], {
      cwd: repoDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let said = '';
    child.stderr.on('data', (chunk) => {
      said += chunk;
    });
    child.stdout.resume();
    child.once('error', reject);
    child.once('exit', (code) => {
      showSaid(said);
      if (code === 0) resolvePromise();
      else reject(new Error(`trail ${args.join(' ')} exited ${code}`));
    });
  });
}

function write(path, content) {
  const full = join(repoDir, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
}

// --- the folder ------------------------------------------------------------------------------

function prepareFolder() {
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) fail('dist/ is missing: run `npm run build` first');
  if (existsSync(demoDir)) {
    const entries = readdirSync(demoDir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      fail(`${demoDir} exists and is not a demo folder made by this script; choose another TRAIL_DEMO_DIR`);
    }
    rmSync(demoDir, { recursive: true, force: true });
  }
  mkdirSync(transcriptDir, { recursive: true });
  writeFileSync(join(demoDir, MARKER), 'made by scripts/demo.mjs; deleted and made again by each run\n');
  mkdirSync(repoDir, { recursive: true });
}

// --- a Claude Code session through the real hooks ---------------------------------------------

class ClaudeSession {
  constructor(model) {
    this.sessionId = randomUUID();
    this.model = model;
    this.transcript = join(transcriptDir, `${this.sessionId}.jsonl`);
    this.tool = 0;
    this.message = 0;
    writeFileSync(this.transcript, '');
  }

  hook(event, fields) {
    const payload = {
      session_id: this.sessionId,
      transcript_path: this.transcript,
      cwd: repoDir,
      permission_mode: 'acceptEdits',
      hook_event_name: event,
      ...fields,
    };
    const result = run(process.execPath, [TRAIL, 'hook', 'claude-code', event], {
      input: JSON.stringify(payload),
      allowFailure: true,
    });
    if (result.code !== 0) fail(`hook ${event} exited ${result.code}: ${result.stderr}`);
  }

  /** A line of the transcript Claude Code keeps; the Stop hook reads reasoning and usage from it. */
  log(type, message) {
    const line = {
      type,
      sessionId: this.sessionId,
      cwd: repoDir,
      version: '2.1.12',
      gitBranch: 'main',
      uuid: randomUUID(),
      timestamp: new Date().toISOString(),
      message,
    };
    appendFileSync(this.transcript, `${JSON.stringify(line)}\n`);
  }

  start() {
    this.hook('SessionStart', { source: 'startup', model: this.model });
    return this;
  }

  prompt(text) {
    this.log('user', { role: 'user', content: text });
    this.hook('UserPromptSubmit', { prompt: text });
    return this;
  }

  think(text, outputTokens = 400) {
    this.log('assistant', {
      id: `msg_demo_${this.sessionId.slice(0, 8)}_${++this.message}`,
      type: 'message',
      role: 'assistant',
      model: this.model,
      content: [{ type: 'thinking', thinking: text }],
      usage: {
        input_tokens: 1200,
        output_tokens: outputTokens,
        cache_read_input_tokens: 18_000,
        cache_creation_input_tokens: 2400,
      },
    });
    return this;
  }

  write(path, content) {
    const id = `toolu_demo_${++this.tool}`;
    const file = join(repoDir, path);
    const input = { file_path: file, content };
    this.hook('PreToolUse', { tool_name: 'Write', tool_input: input, tool_use_id: id });
    write(path, content);
    this.hook('PostToolUse', {
      tool_name: 'Write',
      tool_input: input,
      tool_response: { filePath: file, success: true },
      tool_use_id: id,
    });
    return this;
  }

  /** Runs the repository's tests for real and reports them as the Bash tool would. */
  runTests() {
    const command = 'node --test';
    const id = `toolu_demo_${++this.tool}`;
    this.hook('PreToolUse', { tool_name: 'Bash', tool_input: { command }, tool_use_id: id });
    const started = Date.now();
    const result = run(process.execPath, ['--test'], { allowFailure: true });
    const output = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-12).join('\n');
    const duration = Date.now() - started;
    if (result.code === 0) {
      this.hook('PostToolUse', {
        tool_name: 'Bash',
        tool_input: { command },
        tool_response: { stdout: output, stderr: '', interrupted: false, isImage: false },
        tool_use_id: id,
        duration_ms: duration,
      });
    } else {
      this.hook('PostToolUseFailure', {
        tool_name: 'Bash',
        tool_input: { command },
        tool_use_id: id,
        error: `Exit code ${result.code}\n${output}`,
        is_interrupt: false,
        duration_ms: duration,
      });
    }
    console.error(`   ${command}: exit ${result.code}`);
    return result.code;
  }

  stop() {
    this.hook('Stop', { stop_hook_active: false });
    return this;
  }

  end() {
    this.hook('SessionEnd', { reason: 'prompt_input_exit' });
    return this;
  }
}

/**
 * What the agent reports through Trail's MCP server (`trail mcp`, stdio), as Claude Code would
 * call it: decisions, constraints, rejected alternatives, risks and context, in its session.
 */
async function reportThroughMcp(session, calls) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [TRAIL, 'mcp'],
    cwd: repoDir,
    env: { ...env, TRAIL_SESSION_ID: session.sessionId },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'claude-code', version: '2.1.12' });
  await client.connect(transport);
  try {
    for (const [name, args] of calls) {
      const result = await client.callTool({ name, arguments: args });
      if (result.isError) fail(`MCP ${name}: ${JSON.stringify(result.content)}`);
    }
  } finally {
    await client.close();
  }
}

// --- the story ---------------------------------------------------------------------------------

const CHARGES = `// Charges and the refunds made against them.
export const charges = new Map();

export function createCharge(id, amountCents) {
  charges.set(id, { id, amountCents, refundedCents: 0 });
  return charges.get(id);
}
`;

const REFUNDS_V1 = `import { charges } from './charges.js';

export class RefundError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** Refunds part or all of a charge; never more than what is left of it. */
export function refund(chargeId, amountCents) {
  const charge = charges.get(chargeId);
  if (!charge) throw new RefundError('not-found', \`no charge \${chargeId}\`);
  if (!Number.isInteger(amountCents) || amountCents <= 0) {
    throw new RefundError('invalid', 'a refund is a positive whole number of cents');
  }
  const left = charge.amountCents - charge.refundedCents;
  if (amountCents >= left) {
    throw new RefundError('too-large', \`refund of \${amountCents} exceeds the \${left} left on \${chargeId}\`);
  }
  charge.refundedCents += amountCents;
  return { chargeId, amountCents, leftCents: left - amountCents };
}
`;

const REFUNDS_TEST = `import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createCharge } from '../src/charges.js';
import { refund } from '../src/refunds.js';

describe('refunds', () => {
  test('a partial refund leaves the rest', () => {
    createCharge('ch_1', 5000);
    assert.equal(refund('ch_1', 2000).leftCents, 3000);
  });

  test('the whole remaining amount can be refunded', () => {
    createCharge('ch_2', 5000);
    refund('ch_2', 1000);
    assert.equal(refund('ch_2', 4000).leftCents, 0);
  });

  test('a refund above what is left is refused', () => {
    createCharge('ch_3', 5000);
    refund('ch_3', 4000);
    assert.throws(() => refund('ch_3', 1001), { code: 'too-large' });
  });
});
`;

const RATE_LIMIT = `// Per-merchant refund rate limit: a burst of 20, refilled at 2 per second.
const buckets = new Map();

export function allowRefund(merchantId, nowMs = Date.now()) {
  const bucket = buckets.get(merchantId) ?? { tokens: 20, at: nowMs };
  bucket.tokens = Math.min(20, bucket.tokens + ((nowMs - bucket.at) / 1000) * 2);
  bucket.at = nowMs;
  buckets.set(merchantId, bucket);
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}
`;

/**
 * The demo's RFC 3161 timestamping authority: OpenSSL's TSA on this machine (scripts/local-tsa.mjs),
 * where openssl is installed. It shows what a token does; its clock is this machine's, so a
 * team trusts an authority it does not run.
 */
let authority;

async function buildRepository() {
  step(`a payments repository in ${repoDir}`);
  git('init', '-q', '-b', 'main');
  git('remote', 'add', 'origin', `https://git.acme.example/${REPO_NAME}.git`);
  write(
    'package.json',
    `${JSON.stringify({ name: 'payments', private: true, type: 'module', scripts: { test: 'node --test' } }, null, 2)}\n`,
  );
  write('README.md', '# payments\n\nCharges and refunds for the Acme shop.\n');
  write('src/charges.js', CHARGES);
  write(
    'CONTRIBUTING.md',
    '# Contributing\n\n- Money is integer cents, never floats.\n- Every change ships with tests (`npm test`).\n',
  );
  git('add', '-A');
  git('commit', '-q', '-m', 'Charges');

  step('trail init: writer key, trusted key, git and agent hooks');
  if (hasOpenssl()) {
    mkdirSync(authorityDir, { recursive: true });
    authority = await startLocalAuthority({ dir: authorityDir, name: 'Trail Demo' });
  } else console.error('   (no openssl here: the demo makes no RFC 3161 timestamp)');
  trail(['init', '--yes']);
  // This team expects tests and lint on every change: a check not run is recorded as skipped.
  const configPath = join(repoDir, '.trail', 'config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  config.checks = { ...config.checks, required: ['test', 'lint'] };
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  if (authority) {
    // What a team does once: trust its authority's CA and name its address (timestamp.url).
    trail(['timestamp', 'trust', authority.caFile, '--name', 'demo-tsa', '--url', authority.url]);
  }
  git('add', '-A');
  git('commit', '-q', '-m', "Trail: trust this clone's key; require tests and lint");

  step('Claude Code session 1 (claude-sonnet-4-6): PAY-142, refunds never exceed the charge');
  const one = new ClaudeSession('claude-sonnet-4-6').start();
  one.prompt(
    'PAY-142: refunds must never exceed what is left of the original charge. Return a clear error ' +
      'code when they would, and cover partial refunds with tests. Keep amounts in integer cents.',
  );
  one.think(
    'I need to see how charges are stored before adding refunds. src/charges.js keeps a Map of ' +
      'charges with amountCents and refundedCents, so the remaining amount is amountCents - refundedCents.',
  );
  await reportThroughMcp(one, [
    [
      'record_context',
      { source: 'file', ref: 'src/charges.js', note: 'how charges and refunded amounts are stored' },
    ],
    [
      'record_context',
      { source: 'doc', ref: 'CONTRIBUTING.md', note: 'money is integer cents; tests required' },
    ],
    [
      'record_constraint',
      { constraint: 'Amounts are integer cents, never floats', source: 'CONTRIBUTING.md' },
    ],
    [
      'record_constraint',
      { constraint: 'A refund may take the remaining amount exactly, never more', source: 'PAY-142' },
    ],
    [
      'record_alternative',
      {
        approach: 'Validate refunds in the HTTP handler',
        rejected_because:
          'batch refunds and the admin console bypass the handler; the rule belongs next to the data',
      },
    ],
    [
      'record_alternative',
      {
        approach: 'Allow a 1% tolerance for currency rounding',
        rejected_because:
          'amounts are integer cents, so there is nothing to round; tolerance would let money leak',
      },
    ],
    [
      'record_risk',
      {
        risk: 'Two concurrent refunds can both pass the check before either is recorded (no locking in this in-memory store)',
        severity: 'high',
      },
    ],
    [
      'record_decision',
      {
        decision: 'Throw RefundError with code too-large',
        why: 'callers map codes to HTTP 422 without parsing messages',
      },
    ],
  ]);
  one.write('src/refunds.js', REFUNDS_V1);
  one.write('test/refunds.test.js', REFUNDS_TEST);
  if (one.runTests() === 0) fail('the first test run was expected to fail (the off-by-one is deliberate)');
  one.think(
    'The test "the whole remaining amount can be refunded" fails: the check uses >= so refunding ' +
      'exactly what is left is refused. It must be >, since PAY-142 allows the remaining amount exactly.',
    250,
  );
  one.write('src/refunds.js', REFUNDS_V1.replace('amountCents >= left', 'amountCents > left'));
  if (one.runTests() !== 0) fail('the repaired code was expected to pass its tests');
  one.think('All three tests pass. Lint is not set up in this repository, so it was not run.', 120);
  one.stop().end();

  step('a person edits the agent\u2019s code before committing');
  const edited = REFUNDS_V1.replace('amountCents >= left', 'amountCents > left').replace(
    "'a refund is a positive whole number of cents'",
    "'refunds must be a positive whole number of cents (PAY-142)'",
  );
  write('src/refunds.js', edited);
  write(
    'README.md',
    '# payments\n\nCharges and refunds for the Acme shop. Refunds never exceed the charge (PAY-142).\n',
  );
  git('add', '-A');
  git('commit', '-q', '-m', 'PAY-142: refunds never exceed the charge');
  const first = git('rev-parse', 'HEAD');

  step('CI: the test report attached to the commit');
  const junit = join(demoDir, 'junit.xml');
  run(process.execPath, ['--test', '--test-reporter=junit', `--test-reporter-destination=${junit}`]);
  trail(['tests', 'attach', junit, '--commit', first]);

  step(`review by ${REVIEWER}, who read the reasoning; deployment to production`);
  trail([
    'review',
    first,
    '--approve',
    '--examined-reasoning',
    '--reviewer',
    REVIEWER,
    '-m',
    'Checked the repair: > instead of >= matches PAY-142. The concurrency risk is tracked in PAY-150.',
  ]);
  trail([
    'deploy',
    '--env',
    'production',
    '--commit',
    first,
    '--url',
    'https://deploy.acme.example/payments/812',
  ]);

  step('Claude Code session 2 (claude-opus-4-6): PAY-150, rate-limit refunds (awaiting review)');
  const two = new ClaudeSession('claude-opus-4-6').start();
  two.prompt(
    'PAY-150: rate-limit refunds per merchant (burst 20, then 2 per second) so a leaked key cannot drain charges.',
  );
  two.think('A token bucket per merchant gives the burst and the steady rate asked for, with no timer.');
  await reportThroughMcp(two, [
    [
      'record_alternative',
      {
        approach: 'A fixed one-minute window counter',
        rejected_because: 'allows 2x the rate at window edges',
      },
    ],
    [
      'record_risk',
      {
        risk: 'Buckets live in process memory: several instances each allow the full rate',
        severity: 'medium',
      },
    ],
  ]);
  two.write('src/rate-limit.js', RATE_LIMIT);
  two.stop().end();
  git('add', '-A');
  git('commit', '-q', '-m', 'PAY-150: rate-limit refunds per merchant');

  // A session that asks and checks but changes nothing: sealed alone at its end, it is in
  // the dashboard's Sessions list (carried by no commit), not on any checkpoint page.
  step('Claude Code session 3 (claude-sonnet-4-6): a question answered, nothing changed');
  const three = new ClaudeSession('claude-sonnet-4-6').start();
  three.prompt('Why would a second partial refund of a charge fail? Look before changing anything.');
  three.runTests();
  three.stop().end();

  step('a hand-written commit with no agent session');
  write(
    'CONTRIBUTING.md',
    '# Contributing\n\n- Money is integer cents, never floats.\n- Every change ships with tests (`npm test`).\n- Refund rules: see PAY-142.\n',
  );
  git('add', '-A');
  git('commit', '-q', '-m', 'Docs: point to the refund rules');
  return first;
}

// --- the server ----------------------------------------------------------------------------------

function startServer() {
  const port = process.env.TRAIL_DEMO_PORT || '0';
  // Its own process group: Ctrl-C in the terminal reaches this script, which stops the
  // server once and waits for it to close its database.
  // The server keeps the tokens trail push brings where its operator trusts the authority.
  const trusts = authority ? ['--timestamp-authority', authority.caFile] : [];
  const child = spawn(
    process.execPath,
    [TRAIL, 'serve', '--port', port, '--data', serverDir, '--json', ...trusts],
    {
      cwd: demoDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  writeFileSync(join(demoDir, 'server.pid'), `${child.pid}\n`);
  process.on('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolvePromise, reject) => {
    // `--json` prints one JSON document (over several lines) once the server listens.
    const lines = createInterface({ input: child.stdout });
    let text = '';
    lines.on('line', (line) => {
      text += `${line}\n`;
      try {
        const info = JSON.parse(text);
        lines.close();
        resolvePromise({ child, ...info });
      } catch {
        // not complete yet
      }
    });
    child.once('exit', (code) => reject(new Error(`trail serve exited ${code}\n${stderr}`)));
  });
}

async function api(url, token, path, body) {
  const response = await fetch(`${url}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${json?.error?.message ?? ''}`);
  return json;
}

async function main() {
  prepareFolder();
  const first = await buildRepository();

  step('trail serve: PGlite in the demo folder');
  const server = await startServer();
  const stop = () =>
    new Promise((done) => {
      authority?.close();
      if (server.child.exitCode !== null || server.child.signalCode !== null) return done();
      server.child.once('exit', () => done());
      server.child.kill('SIGINT');
    });
  try {
    if (!server.adminToken) throw new Error('the server did not create its first admin token');
    const ingest = await api(server.url, server.adminToken, '/api/v1/admin/tokens', {
      name: 'demo clone (push)',
      role: 'ingest',
      repos: [REPO_NAME],
    });
    const auditor = await api(server.url, server.adminToken, '/api/v1/admin/tokens', {
      name: 'demo auditor (dashboard)',
      role: 'auditor',
    });

    if (authority) {
      step('trail timestamp: the demo authority stamps the newest signed head (git push would too)');
      await trailBeside(['timestamp']);
    }

    step(`trail push: the ledger to ${server.url} as ${REPO_NAME}`);
    trail(['push', '--server', server.url, '--token', ingest.token, '--repo', REPO_NAME]);

    step('trail verify: every record, chain, Merkle root and signature');
    trail(['verify']);

    const listed = await api(
      server.url,
      auditor.token,
      `/api/v1/checkpoints?repo=${encodeURIComponent(REPO_NAME)}`,
    );
    if (!listed.checkpoints.some((c) => c.commit === first))
      throw new Error('the server does not list the demo checkpoint');
    const dashboard = `${server.url}/`;
    if (exitAfterPrint) {
      const page = await fetch(dashboard);
      if (!page.ok) throw new Error(`the dashboard answered ${page.status}`);
    }

    console.log('');
    console.log(`Dashboard: ${dashboard}`);
    console.log(`Sign in with this auditor token: ${auditor.token}`);
    console.log(`Admin token (API only): ${server.adminToken}`);
    console.log(`Demo repository: ${repoDir}  (try: cd ${repoDir} && ${TRAIL} show HEAD~2)`);
    console.log(`Checkpoints on the server: ${listed.checkpoints.length}`);
    if (exitAfterPrint) {
      await stop();
      return;
    }
    console.log('Serving until Ctrl-C.');
  } catch (error) {
    await stop();
    throw error;
  }
  await new Promise((done) => {
    const finish = async () => {
      await stop();
      done();
    };
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    server.child.once('exit', () => done());
  });
  console.error('demo: server stopped');
}

main().catch((error) => fail(error instanceof Error ? error.message : String(error)));
