/**
 * Secret redaction, measured on two corpora:
 * - test/fixtures/secrets/secrets.jsonl: realistic lines (prompts, commands, output, .env,
 *   YAML, code) each holding one randomly generated fake secret of a known format;
 * - test/fixtures/secrets/benign/: ordinary code, configuration, lockfile and log text
 *   (git SHAs, UUIDs, digests, base64 data, placeholders) that holds no secret at all.
 * Recall (secrets caught / secrets) and false positives (benign lines changed) are printed
 * so docs/redaction.md can quote them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { TrailError } from '../../src/core/errors.js';
import {
  BUILTIN_RULES,
  compileRules,
  credentialNames,
  isSecretName,
  redactText,
  redactTexts,
  redactValue,
} from '../../src/core/redact.js';

interface CorpusEntry {
  id: string;
  format: string;
  text: string;
  secret: string;
}

const FIXTURES = new URL('../fixtures/secrets/', import.meta.url);
const corpus: CorpusEntry[] = readFileSync(new URL('secrets.jsonl', FIXTURES), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as CorpusEntry);
const benign = readdirSync(new URL('benign/', FIXTURES))
  .sort()
  .map((name) => ({ name, text: readFileSync(new URL(`benign/${name}`, FIXTURES), 'utf8') }));

/** The lines of a file, without the empty string after its final newline. */
function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Deterministic pseudo-random strings (SHA-256 in counter mode), so measured rates do not flake. */
function randomStrings(seed: string, count: number, length: number, alphabet: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let value = '';
    for (let block = 0; value.length < length; block++) {
      for (const byte of createHash('sha256').update(`${seed}:${i}:${block}`).digest()) {
        if (value.length < length) value += alphabet[byte % alphabet.length];
      }
    }
    out.push(value);
  }
  return out;
}

function assertCode(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof TrailError, `expected a TrailError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    assert.doesNotMatch(error.message, /\n/, 'one line');
    return true;
  });
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe('the corpus of fake secrets', () => {
  test('has at least 60 entries across at least 25 formats, each secret inside its text', () => {
    assert.ok(corpus.length >= 60, `${corpus.length} entries`);
    const formats = new Set(corpus.map((entry) => entry.format));
    assert.ok(formats.size >= 25, `${formats.size} formats`);
    assert.equal(new Set(corpus.map((entry) => entry.id)).size, corpus.length, 'ids are unique');
    for (const entry of corpus) {
      // Six: the shortest password with a digit or symbol that counts (hunter2, pa55wd).
      assert.ok(entry.secret.length >= 6, `${entry.id}: secret too short to mean anything`);
      assert.ok(entry.text.includes(entry.secret), `${entry.id}: secret not in text`);
    }
  });

  for (const entry of corpus) {
    test(`${entry.id} (${entry.format}) is redacted`, () => {
      const result = redactText(entry.text);
      assert.ok(!result.text.includes(entry.secret), `secret still in: ${result.text}`);
      assert.ok(result.findings.length > 0, 'a finding is reported');
      assert.match(result.text, /\[REDACTED:[a-z0-9-]+\]/);
      for (const finding of result.findings) {
        assert.ok(finding.count > 0);
        assert.ok(!JSON.stringify(finding).includes(entry.secret), 'findings never hold the secret');
      }
    });
  }

  test('recall over the whole corpus', () => {
    const missed = corpus.filter((entry) => {
      const result = redactText(entry.text);
      return result.text.includes(entry.secret) || result.findings.length === 0;
    });
    const caught = corpus.length - missed.length;
    const formats = new Set(corpus.map((entry) => entry.format)).size;
    console.log(
      `redaction recall: ${caught}/${corpus.length} secrets caught (${((100 * caught) / corpus.length).toFixed(1)}%) ` +
        `across ${formats} formats, ${BUILTIN_RULES.length} built-in patterns`,
    );
    assert.deepEqual(
      missed.map((entry) => entry.id),
      [],
    );
  });

  test('redacting twice finds nothing more (markers are not secrets)', () => {
    for (const entry of corpus) {
      const once = redactText(entry.text);
      const twice = redactText(once.text);
      assert.deepEqual(twice.findings, [], entry.id);
      assert.equal(twice.text, once.text);
    }
  });
});

describe('benign text', () => {
  test('has at least 300 lines in several languages', () => {
    const lines = benign.reduce((sum, file) => sum + linesOf(file.text).length, 0);
    assert.ok(lines >= 300, `${lines} lines`);
    assert.ok(benign.length >= 6, `${benign.length} files`);
  });

  for (const file of benign) {
    test(`${file.name} comes back unchanged with no findings`, () => {
      const result = redactText(file.text);
      assert.deepEqual(result.findings, []);
      assert.equal(result.text, file.text);
    });
  }

  test('false positives over every benign line', () => {
    let lines = 0;
    const changed: string[] = [];
    for (const file of benign) {
      linesOf(file.text).forEach((line, index) => {
        lines++;
        if (redactText(line).text !== line) changed.push(`${file.name}:${index + 1}: ${line}`);
      });
    }
    console.log(`redaction false positives: ${changed.length}/${lines} benign lines changed`);
    assert.deepEqual(changed, []);
  });
});

describe('values assigned to secret-looking names', () => {
  // The generic rule has no prefix to go by: it judges the value (length, entropy, not made
  // of words). Measure it on random values of the sizes real secrets have.
  const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const forms = [
    (v: string) => `API_KEY=${v}`,
    (v: string) => `export SESSION_SECRET='${v}'`,
    (v: string) => `  client_secret: ${v}`,
    (v: string) => `{"auth_token": "${v}"}`,
    (v: string) => `const signingKey = "${v}";`,
    (v: string) => `deploy --api-key ${v}`,
    (v: string) => `password: ${v}`,
  ];
  const measure = (length: number, alphabet: string) => {
    const values = randomStrings(`${length}/${alphabet.length}`, 700, length, alphabet);
    const missed = values.filter((value, i) =>
      redactText(forms[i % forms.length]!(value)).text.includes(value),
    );
    return { total: values.length, missed: missed.length };
  };

  test('recall on random values of 16 to 40 characters', () => {
    const rows: string[] = [];
    for (const [length, alphabet, name, maxMissed] of [
      [16, BASE62, 'base62', 0.02],
      [20, BASE62, 'base62', 0.01],
      [24, BASE62, 'base62', 0.005],
      [32, '0123456789abcdef', 'hex', 0.005],
      [40, `${BASE62}+/`, 'base64', 0.005],
    ] as const) {
      const { total, missed } = measure(length, alphabet);
      rows.push(`${length} ${name} ${total - missed}/${total}`);
      assert.ok(missed / total <= maxMissed, `${length} ${name}: ${missed} of ${total} missed`);
    }
    console.log(`redaction recall on random assigned values: ${rows.join(', ')}`);
  });
});

describe('what stays and what goes', () => {
  test('the context around a secret is kept', () => {
    const cases: Array<[string, string]> = [
      [
        'export GITHUB_TOKEN=ghp_Zq3Kd81mVxT0pLw7Ry2BcN5uHf9sEa4GjQ6o',
        'export GITHUB_TOKEN=[REDACTED:github-token]',
      ],
      [
        'postgres://orders:Vb7qL2xN9kTz@db.internal:5432/orders',
        'postgres://orders:[REDACTED:url-password]@db.internal:5432/orders',
      ],
      ['Authorization: Bearer 9fQk2LxVb7Nw3TzR8mYc', 'Authorization: Bearer [REDACTED:authorization-header]'],
      ['password = "Vb7qL2xN9kTz"', 'password = "[REDACTED:secret-assignment]"'],
      ["apiKey: 'k29XvLq7TzN3bWc8RmYf'", "apiKey: '[REDACTED:secret-assignment]'"],
      ['DB_PASSWORD=Vb7qL2xN9kTz # local only', 'DB_PASSWORD=[REDACTED:secret-assignment] # local only'],
      ['HEROKU_API_KEY=550e8400-e29b-41d4-a716-446655440000', 'HEROKU_API_KEY=[REDACTED:secret-assignment]'],
      [
        'https://hooks.slack.com/services/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',
        'https://hooks.slack.com/services/[REDACTED:slack-webhook]',
      ],
    ];
    for (const [input, expected] of cases) assert.equal(redactText(input).text, expected);
  });

  test('placeholders, references, hashes and ids are not secrets', () => {
    const benignLines = [
      'password = ""',
      "password = ''",
      'password = process.env.DB_PASSWORD',
      'const token = await getToken(session);',
      'api_key = os.environ["OPENAI_API_KEY"]',
      'GITHUB_TOKEN=<your-token>',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell or CI placeholder, not a template
      'token: ${SECRET}',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell or CI placeholder, not a template
      'API_KEY="${API_KEY:?set it}"',
      'password: changeme',
      'DATABASE_URL=postgres://user:password@localhost:5432/app',
      'https://registry.npmjs.org/zod/-/zod-4.1.12.tgz',
      'commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904',
      'request_id: 550e8400-e29b-41d4-a716-446655440000',
      'sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae',
      '"data": "SGVsbG8sIHdvcmxkISBUaGlzIGlzIGp1c3QgdGV4dC4="',
      'max_tokens: 4096',
      'secretName: db-credentials',
      'password_hash: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell or CI placeholder, not a template
      'Authorization: Bearer ${TOKEN}',
      'curl -H "Authorization: Bearer $GITHUB_TOKEN" https://api.github.com/user',
      'STRIPE_SECRET_KEY=sk_test_xxxxxxxxxxxxxxxxxxxxxxxx',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell or CI placeholder, not a template
      'token: ${{ secrets.NPM_TOKEN }}',
      'export PWD=/home/dana/src/trail',
    ];
    for (const line of benignLines) {
      const result = redactText(line);
      assert.deepEqual(result.findings, [], line);
      assert.equal(result.text, line);
    }
  });

  test('an unquoted password with digits is code only where a secret word is a word of its name', () => {
    // `monkey`, `keyboard`, `author` hold `key` and `auth` inside a word: they are passwords.
    for (const value of ['monkey123', 'keyboard1', 'author2023', 'donkey99', 'turkey2024', 'hunter2secret']) {
      for (const line of [`password=${value}`, `PGPASSWORD=${value}`, `password: ${value}`]) {
        const result = redactText(line);
        assert.equal(result.findings.length, 1, line);
        assert.ok(!result.text.includes(value), result.text);
      }
    }
    // A secret word that starts the name or one of its capitalised words reads as a variable.
    for (const value of [
      'passwordField2',
      'secretInput2',
      'newSecret2',
      'apiKey1',
      'authToken2',
      'tokens3',
    ]) {
      const line = `password = ${value}`;
      assert.deepEqual(redactText(line).findings, [], line);
    }
  });

  test('several secrets in one text are each replaced and counted', () => {
    const text = [
      'AWS_ACCESS_KEY_ID=AKIAQ4ZJ7XN2LKP5RW3M',
      'AWS_SECRET_ACCESS_KEY=Lk2Vb7Nw3TzR8mYc4Jp1XqS9dF6gH0aE5uI3oZ7x',
      'also AKIAV6WB3NQ8ZT2KJ4PX in the output',
    ].join('\n');
    const result = redactText(text);
    assert.deepEqual(result.findings, [
      { rule: 'aws-access-key-id', count: 2 },
      { rule: 'aws-secret-access-key', count: 1 },
    ]);
    assert.ok(!/AKIA|Lk2Vb7/.test(result.text));
  });

  test('a multi-line private key is one redaction and the lines around it stay', () => {
    const key = corpus.find((entry) => entry.format === 'private-key-rsa')!.secret;
    const text = `before\n${key}\nafter`;
    assert.equal(redactText(text).text, 'before\n[REDACTED:private-key]\nafter');
  });

  test('every built-in rule is global, described and named in kebab-case', () => {
    for (const rule of BUILTIN_RULES) {
      assert.ok(rule.pattern.global, rule.id);
      assert.match(rule.id, /^[a-z0-9]+(?:-[a-z0-9]+)*$/);
      assert.ok(rule.description.length > 10, rule.id);
    }
  });
});

describe('redactValue', () => {
  const payload = () =>
    deepFreeze({
      session_id: '7f1c7a2e-3b4d-4c55-9e66-0a1b2c3d4e5f',
      tool_name: 'Bash',
      tool_input: {
        command: 'curl -H "Authorization: Bearer 9fQk2LxVb7Nw3TzR8mYc" https://api.acme.io',
        timeout: 120,
        background: false,
      },
      messages: [
        { role: 'user', content: 'deploy with glpat-Qz8Lk2Vb7Nw3TzR8mYc4 please' },
        { role: 'assistant', content: 'Done.' },
      ],
      env: { DB_PASSWORD: 'Vb7qL2xN9kTz', HOME: '/home/dana' },
      headers: { 'x-api-key': 'k29XvLq7TzN3bWc8RmYfP4sD' },
      note: null,
    });

  test('redacts strings at any depth and names their JSON paths', () => {
    const input = payload();
    const { value, findings } = redactValue(input);
    assert.equal(
      value.tool_input.command,
      'curl -H "Authorization: Bearer [REDACTED:authorization-header]" https://api.acme.io',
    );
    assert.equal(value.messages[0]!.content, 'deploy with [REDACTED:gitlab-token] please');
    assert.equal(value.env.DB_PASSWORD, '[REDACTED:secret-assignment]');
    assert.equal(value.headers['x-api-key'], '[REDACTED:secret-assignment]');
    assert.deepEqual(findings, [
      { field: 'tool_input.command', rule: 'authorization-header', count: 1 },
      { field: 'messages[0].content', rule: 'gitlab-token', count: 1 },
      { field: 'env.DB_PASSWORD', rule: 'secret-assignment', count: 1 },
      { field: 'headers["x-api-key"]', rule: 'secret-assignment', count: 1 },
    ]);
    // Everything else is as it was.
    assert.equal(value.tool_input.timeout, 120);
    assert.equal(value.tool_input.background, false);
    assert.equal(value.env.HOME, '/home/dana');
    assert.equal(value.note, null);
    assert.equal(value.messages[1]!.content, 'Done.');
  });

  test('never mutates its input', () => {
    const input = payload(); // frozen: any write would throw
    const before = JSON.stringify(input);
    redactValue(input);
    assert.equal(JSON.stringify(input), before);
  });

  test('a bare string is its own field, and a clean value has no findings', () => {
    assert.deepEqual(redactValue('token ghp_Zq3Kd81mVxT0pLw7Ry2BcN5uHf9sEa4GjQ6o').findings, [
      { field: '', rule: 'github-token', count: 1 },
    ]);
    const clean = { a: [1, 'two', { three: 'commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904' }] };
    const result = redactValue(clean);
    assert.deepEqual(result.findings, []);
    assert.deepEqual(result.value, clean);
  });

  test('a cycle is an input error, not a stack overflow', () => {
    const cyclic: Record<string, unknown> = { a: 'x' };
    cyclic.self = cyclic;
    assertCode(() => redactValue(cyclic), 'INPUT_INVALID', /cyclic/);
  });
});

describe('credential names', () => {
  test('isSecretName', () => {
    for (const name of [
      'AWS_SECRET_ACCESS_KEY',
      'AWS_ACCESS_KEY_ID',
      'AWS_SESSION_TOKEN',
      'GITHUB_TOKEN',
      'GH_PAT',
      'DATABASE_URL',
      'REDIS_URL',
      'SENTRY_DSN',
      'DB_PASSWORD',
      'SMTP_PASS',
      'OPENAI_API_KEY',
      'STRIPE_SECRET_KEY',
      'JWT_SECRET',
      'NPM_TOKEN',
      'NODE_AUTH_TOKEN',
      'GOOGLE_APPLICATION_CREDENTIALS',
      'SECRET_KEY_BASE',
      'API_KEY_V2',
      'clientSecret',
      'apiKey',
      'x-api-key',
      'password',
    ]) {
      assert.equal(isSecretName(name), true, name);
    }
    for (const name of [
      'PATH',
      'HOME',
      'PWD',
      'OLDPWD',
      'SSH_AUTH_SOCK',
      'MAX_TOKENS',
      'TOKEN_LIMIT',
      'PASSWORD_FILE',
      'PASSWORD_MIN_LENGTH',
      'password_hash',
      'secret_name',
      'next_page_token',
      'tokenizer',
      'API_KEY_HEADER',
      'PUBLIC_KEY',
      'SORT_KEY',
      'HEX_PAT',
      'AWS_REGION',
      'KUBECONFIG',
    ]) {
      assert.equal(isSecretName(name), false, name);
    }
  });

  test('credentialNames returns the sorted names, never a value', () => {
    const env = {
      PATH: '/usr/bin:/bin',
      GITHUB_TOKEN: 'ghp_Zq3Kd81mVxT0pLw7Ry2BcN5uHf9sEa4GjQ6o',
      AWS_SECRET_ACCESS_KEY: 'Lk2Vb7Nw3TzR8mYc4Jp1XqS9dF6gH0aE5uI3oZ7x',
      AWS_ACCESS_KEY_ID: 'AKIAQ4ZJ7XN2LKP5RW3M',
      DATABASE_URL: 'postgres://app:Vb7qL2xN9kTz@db:5432/app',
      ANTHROPIC_API_KEY: 'sk-ant-api03-not-a-real-key',
      EMPTY_TOKEN: '',
      UNSET_PASSWORD: undefined,
      PWD: '/home/dana',
      MAX_TOKENS: '4096',
    };
    const names = credentialNames(env);
    assert.deepEqual(names, [
      'ANTHROPIC_API_KEY',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'DATABASE_URL',
      'GITHUB_TOKEN',
    ]);
    const out = JSON.stringify(names);
    for (const value of Object.values(env)) {
      if (value && value.length > 4) assert.ok(!out.includes(value), 'no value leaks');
    }
  });
});

describe('user patterns (redact.patterns)', () => {
  test('compiled patterns run first and name their findings', () => {
    const rules = compileRules([
      { id: 'acme-license', pattern: 'ACME-LIC-[A-Z0-9]{20}' },
      { id: 'acme-internal', pattern: '(?i)internal_code=(?<secret>[a-z0-9]{12})' },
    ]);
    assert.equal(rules.length, BUILTIN_RULES.length + 2);
    const result = redactText(
      'license ACME-LIC-Q4ZJ7XN2LKP5RW3MV6WB and INTERNAL_CODE=ab12cd34ef56 with ghp_Zq3Kd81mVxT0pLw7Ry2BcN5uHf9sEa4GjQ6o',
      rules,
    );
    assert.equal(
      result.text,
      'license [REDACTED:acme-license] and INTERNAL_CODE=[REDACTED:acme-internal] with [REDACTED:github-token]',
    );
    assert.deepEqual(result.findings, [
      { rule: 'acme-license', count: 1 },
      { rule: 'acme-internal', count: 1 },
      { rule: 'github-token', count: 1 },
    ]);
  });

  test('no patterns means the built-in rules', () => {
    assert.deepEqual(
      compileRules([]).map((rule) => rule.id),
      BUILTIN_RULES.map((rule) => rule.id),
    );
  });

  test('an invalid pattern is an INPUT_INVALID error naming the id on one line', () => {
    assertCode(
      () => compileRules([{ id: 'broken-rule', pattern: 'abc(' }]),
      'INPUT_INVALID',
      /"broken-rule"/,
    );
    assertCode(
      () => compileRules([{ id: 'stars', pattern: '*x' }]),
      'INPUT_INVALID',
      /"stars".*regular expression/,
    );
    assertCode(
      () => compileRules([{ id: 'empty', pattern: 'x*' }]),
      'INPUT_INVALID',
      /"empty".*empty string/,
    );
    assertCode(() => compileRules([{ id: 'github-token', pattern: 'x' }]), 'INPUT_INVALID', /"github-token"/);
    assertCode(
      () =>
        compileRules([
          { id: 'twice', pattern: 'a' },
          { id: 'twice', pattern: 'b' },
        ]),
      'INPUT_INVALID',
      /"twice"/,
    );
    assertCode(
      () => compileRules([{ id: 'has space', pattern: 'x' }]),
      'INPUT_INVALID',
      /redact\.patterns\[0\]/,
    );
  });
});

// Speed is measured in bench/redact.ts; these prove the same inputs come out right, and the
// test timeout catches a pattern that backtracks catastrophically (it would never finish).
describe('at scale', () => {
  const MiB = 1 << 20;
  const fill = (unit: string) => unit.repeat(Math.ceil(MiB / unit.length)).slice(0, MiB);

  test('1 MiB of realistic session text: every secret in it is gone', () => {
    const sample = [...corpus.map((entry) => entry.text), ...benign.map((file) => file.text)].join('\n');
    const text = fill(`${sample}\n`);
    const result = redactText(text);
    const present = corpus.filter((entry) => text.includes(entry.secret));
    assert.ok(present.length > corpus.length / 2, 'most of the corpus is in the sample');
    for (const entry of present) assert.ok(!result.text.includes(entry.secret), entry.id);
  });

  test('1 MiB adversarial shapes finish, and text with no secret in it comes out unchanged', {
    timeout: 60_000,
  }, () => {
    const unchanged = {
      letters: fill('a'),
      dashes: fill('x-'),
      colons: fill('a:'),
      equals: fill('a='),
      'url without @': fill('x://user:'),
      'unterminated key': fill('-----BEGIN RSA PRIVATE KEY-----\n'),
      'short flags': fill('mysql redis-cli -u x docker login '),
      cookies: fill('Cookie: a=b; '),
      'set-cookie and curl -b': fill('Set-Cookie: x=1; curl -b a='),
      'password is, unfinished': fill('the password is password is is '),
    };
    for (const [name, text] of Object.entries(unchanged)) {
      assert.equal(redactText(text).text, text, name);
    }
    const others = [
      fill('QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3+/'),
      fill('a="'),
      fill('ghp_glpat-sk-ant-api03-xoxb-'),
      fill('eyJhbGciOi.'),
      fill('Authorization: Bearer '),
      fill('password = "'),
      fill(';password='),
      fill('--token '),
      fill('password is a1b2c3d4'),
      fill('token="{{{{{{{{{{{{{{{{'),
    ];
    for (const text of others) {
      // Whatever these give, redacting the result again changes nothing: markers are stable.
      const once = redactText(text).text;
      assert.equal(redactText(once).text, once, text.slice(0, 24));
    }
  });
});

test('redactTexts: many texts in one pass give what each gives alone, newlines and all', () => {
  const token = `ghp_${'abcdefghijklmnopqrstuvwxyz0123456789'}`;
  const texts = ['fix the build', `leak ${token}`, 'src/a.ts', '', 'AKIAIOSFODNN7EXAMPLE'];
  const alone = texts.map((t) => redactText(t).text);
  assert.deepEqual(redactTexts(texts), alone);
  assert.notEqual(alone[1], texts[1], 'the token is found');
  // A text holding a newline, or a secret that would span two texts once joined, is done alone.
  const multiline = ['a\nb', `x ${token}`];
  assert.deepEqual(
    redactTexts(multiline),
    multiline.map((t) => redactText(t).text),
  );
  const spanning = ['-----BEGIN RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEA', '-----END RSA PRIVATE KEY-----'];
  assert.deepEqual(
    redactTexts(spanning),
    spanning.map((t) => redactText(t).text),
  );
  assert.deepEqual(redactTexts(['clean', 'text']), ['clean', 'text']);
});

test('secrets assigned inside a JSON-escaped string (tool arguments kept as JSON text) are found', () => {
  const args = JSON.stringify({
    query:
      'why does AWS_SECRET_ACCESS_KEY="pay6hlrF5EJ+qRwENMCofpprrfYVxbFA721wB7nQ" fail, also DB_PASSWORD="Zq8vLm2xPw9rTk4nQ"',
    nested: JSON.stringify({ apiKey: 'sk9Xq2LmVt7RwP4nZk8J' }),
  });
  const { text } = redactText(args);
  for (const secret of ['pay6hlrF5EJ', 'Zq8vLm2xPw9rTk4nQ', 'sk9Xq2LmVt7RwP4nZk8J']) {
    assert.ok(!text.includes(secret), `${secret} in ${text}`);
  }
  // Still the JSON text it was, with the values replaced.
  const parsed = JSON.parse(text) as { query: string; nested: string };
  assert.match(parsed.query, /^why does AWS_SECRET_ACCESS_KEY="\[REDACTED:secret-assignment\]" fail/);
  // Names that are not secret-looking keep their values.
  assert.equal(
    redactText(JSON.stringify({ q: 'color=\\"blue\\"' })).text,
    JSON.stringify({ q: 'color=\\"blue\\"' }),
  );
});
