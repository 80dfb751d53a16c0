/**
 * Vendor tokens glued to the text before them. Bot names, CI job names, environment
 * prefixes and file names put a `-`, `_`, `.` or `/` right before a token (`bot-ghp_…`,
 * `prod_glpat-…`, `token-ghp_….txt`); a token with a distinctive prefix is redacted there
 * too, and only the token goes: the glued text stays. Short or common prefixes keep their
 * wider guard, so slugs, app names and base64url data that merely contain one stay as they are.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { redactText } from '../../src/core/redact.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE64URL = `${ALNUM}-_`;
const HEX = '0123456789abcdef';
const DIGITS = '0123456789';

/** Deterministic pseudo-random text (SHA-256 in counter mode), so every run sees the same tokens. */
function random(seed: string, length: number, alphabet: string): string {
  let value = '';
  for (let block = 0; value.length < length; block++) {
    for (const byte of createHash('sha256').update(`${seed}:${block}`).digest()) {
      if (value.length < length) value += alphabet[byte % alphabet.length];
    }
  }
  return value;
}

/** One fake token per distinctive prefix, shaped as the vendor issues it. */
const TOKENS: Array<{ rule: string; token: string }> = [
  { rule: 'github-token', token: `ghp_${random('ghp', 36, ALNUM)}` },
  { rule: 'github-token', token: `gho_${random('gho', 36, ALNUM)}` },
  { rule: 'github-token', token: `ghu_${random('ghu', 36, ALNUM)}` },
  { rule: 'github-token', token: `ghs_${random('ghs', 36, ALNUM)}` },
  { rule: 'github-token', token: `ghr_${random('ghr', 36, ALNUM)}` },
  {
    rule: 'github-token',
    token: `github_pat_${random('pat1', 22, ALNUM)}_${random('pat2', 59, ALNUM)}`,
  },
  { rule: 'gitlab-token', token: `glpat-${random('glpat', 20, ALNUM)}` },
  { rule: 'gitlab-token', token: `glrt-${random('glrt', 20, ALNUM)}` },
  {
    rule: 'anthropic-api-key',
    token: `sk-ant-api03-${random('ant', 93, BASE64URL)}AA`,
  },
  { rule: 'openai-api-key', token: `sk-proj-${random('proj', 48, ALNUM)}` },
  {
    rule: 'slack-token',
    token: `xoxb-${random('xoxb1', 12, DIGITS)}-${random('xoxb2', 12, DIGITS)}-${random('xoxb3', 24, ALNUM)}`,
  },
  {
    rule: 'slack-token',
    token: `xoxp-${random('xoxp1', 12, DIGITS)}-${random('xoxp2', 13, DIGITS)}-${random('xoxp3', 32, HEX)}`,
  },
  { rule: 'stripe-key', token: `sk_live_${random('sk_live', 24, ALNUM)}` },
  { rule: 'stripe-key', token: `whsec_${random('whsec', 32, ALNUM)}` },
  { rule: 'npm-token', token: `npm_${random('npm', 36, ALNUM)}` },
  { rule: 'pypi-token', token: `pypi-AgEIcHlwaS5vcmc${random('pypi', 60, BASE64URL)}` },
  { rule: 'huggingface-token', token: `hf_${random('hf', 34, ALNUM)}` },
  { rule: 'shopify-token', token: `shpat_${random('shpat', 32, HEX)}` },
  { rule: 'digitalocean-token', token: `dop_v1_${random('dop', 64, HEX)}` },
  { rule: 'linear-api-key', token: `lin_api_${random('lin', 40, ALNUM)}` },
  { rule: 'postman-api-key', token: `PMAK-${random('pmak1', 24, HEX)}-${random('pmak2', 34, HEX)}` },
  { rule: 'databricks-token', token: `dapi${random('dapi', 32, HEX)}` },
  { rule: 'grafana-token', token: `glc_${random('glc', 48, ALNUM)}` },
  { rule: 'grafana-token', token: `glsa_${random('glsa1', 32, ALNUM)}_${random('glsa2', 8, HEX)}` },
  { rule: 'sentry-token', token: `sntrys_${random('sntrys', 64, ALNUM)}` },
  { rule: 'docker-hub-token', token: `dckr_pat_${random('dckr', 27, BASE64URL)}` },
  { rule: 'supabase-token', token: `sbp_${random('sbp', 40, HEX)}` },
  { rule: 'pulumi-token', token: `pul-${random('pul', 40, HEX)}` },
  {
    rule: 'atlassian-api-token',
    token: `ATATT3xFfGF0${random('atatt', 180, BASE64URL)}=${random('atatt2', 8, HEX)}`,
  },
  { rule: 'gcp-api-key', token: `AIza${random('aiza', 35, BASE64URL)}` },
  { rule: 'google-oauth', token: `GOCSPX-${random('gocspx', 28, BASE64URL)}` },
  { rule: 'google-oauth', token: `ya29.${random('ya29', 120, BASE64URL)}` },
  { rule: 'square-token', token: `sq0atp-${random('sq0atp', 22, BASE64URL)}` },
  { rule: 'doppler-token', token: `dp.pt.${random('doppler', 43, ALNUM)}` },
  {
    rule: 'terraform-cloud-token',
    token: `${random('tfc1', 14, ALNUM)}.atlasv1.${random('tfc2', 67, ALNUM)}`,
  },
  { rule: 'telegram-bot-token', token: `${random('tg1', 10, DIGITS)}:AA${random('tg2', 33, BASE64URL)}` },
];

/** Text glued to the token on its left: a bot name, a CI job, an env prefix, a path. */
const GLUED_BEFORE = ['bot-', 'CI-', 'deploy_', 'prod_', 'build.', 'secrets/'];

describe('a token glued after -, _, . or / is redacted and the glued text stays', () => {
  for (const { rule, token } of TOKENS) {
    test(`${rule}: ${token.slice(0, 8)}…`, () => {
      const marker = `[REDACTED:${rule}]`;
      for (const before of GLUED_BEFORE) {
        const line = `echo ${before}${token} done`;
        assert.equal(redactText(line).text, `echo ${before}${marker} done`, `${before}${token.slice(0, 8)}…`);
      }
      // A file named after the token: the name around it stays (a rule whose token may
      // hold `.` takes the extension with it, which is fine, but never the name before it).
      const file = redactText(`cat /tmp/token-${token}.txt`).text;
      assert.ok(file.startsWith(`cat /tmp/token-${marker}`), file);
      assert.ok(!file.includes(token), file);
    });
  }

  test('telegram-bot-token: the Bot API URL, where the token is glued to `bot`', () => {
    const token = TOKENS.find((entry) => entry.rule === 'telegram-bot-token')!.token;
    assert.equal(
      redactText(`curl -s https://api.telegram.org/bot${token}/getMe`).text,
      'curl -s https://api.telegram.org/bot[REDACTED:telegram-bot-token]/getMe',
    );
    assert.equal(
      redactText(`GET https://api.telegram.org/file/bot${token}/photos/file_0.jpg`).text,
      'GET https://api.telegram.org/file/bot[REDACTED:telegram-bot-token]/photos/file_0.jpg',
    );
  });
});

describe('what a glued prefix does not make a secret', () => {
  test('too short to be a token, glued or not', () => {
    for (const line of [
      'git push origin fork-ghp_short',
      'git checkout fix-glpat-parsing',
      'npm run lint_npm_packages',
      'pip install release-hf_transfer',
      'see docs/sk-ant-api03-format.md',
      'the CI-xoxb-token secret is rotated monthly',
      'make deploy_dapi_client',
    ]) {
      const result = redactText(line);
      assert.deepEqual(result.findings, [], line);
      assert.equal(result.text, line);
    }
  });

  test('short or common prefixes keep their guard after - and _', () => {
    for (const line of [
      // an app called xapp: `xapp-` is a Slack app token only where a word starts
      'docker tag my-xapp-v2-build-20240612 registry.local/my-xapp',
      // legacy `sk-` + 32 letters and digits at the end of a slug is a cache key, not a key
      `restore cache-sk-${random('slug', 32, HEX)}`,
      // `EAAA` inside base64url data is not a Square token
      `"blob": "${random('blob', 40, BASE64URL)}-EAAA${random('blob2', 60, ALNUM)}"`,
      // a prefix glued after a letter or digit is inside a word
      `rapidapi${random('rapid', 32, HEX)}`,
    ]) {
      const result = redactText(line);
      assert.deepEqual(result.findings, [], line);
      assert.equal(result.text, line);
    }
  });
});
