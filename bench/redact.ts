/**
 * What redaction costs: 1 MiB of realistic session text (the secret corpus and the benign
 * files of test/fixtures/secrets, repeated) and 1 MiB of each adversarial shape built to make
 * a careless pattern backtrack, beside one plain global regex scan over the same 1 MiB in the
 * same run. Target: 1 MiB redacts in under a second, realistic or adversarial.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { redactText } from '../src/core/redact.js';
import { bestOfRounds, report } from './lib.js';

const FIXTURES = new URL('../test/fixtures/secrets/', import.meta.url);
const secrets = readFileSync(new URL('secrets.jsonl', FIXTURES), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => (JSON.parse(line) as { text: string }).text);
const benign = readdirSync(new URL('benign/', FIXTURES)).map((name) =>
  readFileSync(new URL(`benign/${name}`, FIXTURES), 'utf8'),
);

const MiB = 1 << 20;
const fill = (unit: string) => unit.repeat(Math.ceil(MiB / unit.length)).slice(0, MiB);
const realistic = fill(`${[...secrets, ...benign].join('\n')}\n`);
const adversarial: Record<string, string> = {
  letters: fill('a'),
  base64: fill('QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3+/'),
  dashes: fill('x-'),
  colons: fill('a:'),
  equals: fill('a='),
  quotes: fill('a="'),
  'token prefixes': fill('ghp_glpat-sk-ant-api03-xoxb-'),
  jwt: fill('eyJhbGciOi.'),
  'unterminated key': fill('-----BEGIN RSA PRIVATE KEY-----\n'),
  'url without @': fill('x://user:'),
  authorization: fill('Authorization: Bearer '),
  assignments: fill('password = "'),
  'connection strings': fill(';password='),
  flags: fill('--token '),
  'short flags': fill('mysql redis-cli -u x docker login '),
  cookies: fill('Cookie: a=b; '),
  braces: fill('token="{{{{{{{{{{{{{{{{'),
  'password in prose': fill('the password is password is a1b2c3d4e5f6g7h8 '),
};

redactText(realistic.slice(0, 4096)); // compile and warm the patterns
const work: Record<string, () => unknown> = {
  scan: () => realistic.match(/[A-Za-z0-9_-]{20,}/g),
  realistic: () => redactText(realistic),
};
for (const [name, text] of Object.entries(adversarial)) work[`adversarial: ${name}`] = () => redactText(text);
const bestMs = await bestOfRounds(3, work);
const scanMs = bestMs.scan!;
const realisticMs = bestMs.realistic!;
let worst = { name: '', ms: 0 };
for (const name of Object.keys(adversarial)) {
  const ms = bestMs[`adversarial: ${name}`]!;
  if (ms > worst.ms) worst = { name, ms };
}
const perSecond = (ms: number) => 1000 / ms;
const baseline = {
  name: 'one global regex scan over the same 1 MiB',
  value: perSecond(scanMs),
  unit: 'MiB/s',
};
report({
  bench: 'redact',
  title: 'redaction of 1 MiB of text',
  figures: [
    {
      name: 'realistic session text (secret corpus and benign files)',
      value: perSecond(realisticMs),
      unit: 'MiB/s',
      baseline,
      ratio: perSecond(realisticMs) / baseline.value,
      target: '>= 1 MiB/s (1 MiB in under a second)',
      met: realisticMs < 1000,
    },
    {
      name: `slowest of ${Object.keys(adversarial).length} adversarial inputs (${worst.name})`,
      value: perSecond(worst.ms),
      unit: 'MiB/s',
      baseline,
      ratio: perSecond(worst.ms) / baseline.value,
      target: '>= 1 MiB/s (1 MiB in under a second)',
      met: worst.ms < 1000,
    },
  ],
});
