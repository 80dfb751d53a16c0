/**
 * Secret redaction. Everything Trail captures (prompts, commands and their output, file
 * edits) passes through here before it is written anywhere, so a secret never reaches the
 * ledger: each secret value becomes `[REDACTED:<rule-id>]`, the surrounding context (the
 * variable name, the URL's scheme and host, "Bearer ") stays, and records keep only which
 * field and which rule, never the value.
 *
 * Two kinds of rule:
 * - vendor formats with a recognisable shape (`ghp_…`, `AKIA…`, `sk-ant-…`, PEM blocks), which
 *   are redacted wherever they appear;
 * - context rules (a password in a URL, an Authorization header, a value assigned to a
 *   secret-looking name), which only fire when the value itself looks like a secret: not a
 *   placeholder (`<your-token>`, `${SECRET}`, `changeme`), not a code reference
 *   (`process.env.X`), and for non-password names random enough (length >= 16, Shannon
 *   entropy >= 3 bits per character, not made of words).
 *
 * Redaction must never become the slow path, so every pattern is linear on a backtracking
 * engine: tokens only start where a run of token characters starts (a lookbehind, not `\b`,
 * which would let `x-x-x-…` start a scan at every dash), every repetition is bounded, and no
 * quantified group can split the same text two ways.
 *
 * A token with a long, distinctive prefix (`ghp_`, `glpat-`, `sk-ant-`, `npm_`) may start
 * right after `-` or `_` (`bot-ghp_…`, `deploy_npm_…`, `token-ghp_….txt`): its lookbehind
 * only refuses a letter or a digit, since a missed secret is the worst failure and such a
 * prefix does not occur inside ordinary identifiers. A short or common prefix (`SK` + hex,
 * `key-`, `eyJ`, `hvs.`, `EAAA`, legacy `sk-`) keeps the wider guard: after `-` or `_` it is
 * as likely to be the middle of a slug, a hash or a base64url value.
 */
import { TrailError } from './errors.js';

export interface RedactionRule {
  id: string;
  description: string;
  /** A global RegExp. It is run on a private copy, so its `lastIndex` is never touched. */
  pattern: RegExp;
  /**
   * The capture group that holds the secret; only that part is replaced. Absent: a group
   * named `secret` if the pattern has one, else the whole match.
   */
  secretGroup?: number;
  /** A further check on a candidate (entropy, placeholders); absent means every match is a secret. */
  accept?: (secret: string, match: RegExpExecArray) => boolean;
  /**
   * Whether the search resumes after a rejected candidate rather than one character into it:
   * for a rule whose candidates are long (a whole header) and cannot hold another, which
   * would otherwise be searched again from every position inside.
   */
  skipRejected?: boolean;
}

export interface TextFinding {
  rule: string;
  count: number;
}

export interface ValueFinding {
  /** JSON path of the string that held the secret, e.g. `tool_input.command`, `env[2]`. */
  field: string;
  rule: string;
  count: number;
}

/** Bits per character a value assigned to a secret-looking name must reach to count as random. */
export const MIN_SECRET_ENTROPY = 3;
/** Shortest value assigned to a (non-password) secret-looking name that counts as a secret. */
export const MIN_SECRET_LENGTH = 16;
/** Shortest literal assigned to a password-like name that counts as a password. */
const MIN_PASSWORD_LENGTH = 8;
/**
 * Shortest literal of a password-like name that counts when it holds a digit or a symbol
 * (`hunter2`, `pa55wd`, `123456`): people choose passwords that short, and a label or enum
 * value that short is letters alone (`Login`, `hidden`), which still needs MIN_PASSWORD_LENGTH.
 */
const MIN_MIXED_PASSWORD_LENGTH = 6;

export const SECRET_ASSIGNMENT_RULE = 'secret-assignment';

// ---------------------------------------------------------------------------------------
// Heuristics shared by the context rules
// ---------------------------------------------------------------------------------------

/** Shannon entropy of a string, in bits per UTF-16 code unit. */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

// $VAR, ${VAR}, $(command), {{ template }}, %VAR%, #{ruby}, {python_format}, f'{self.password}',
// <your-token>, an earlier [REDACTED:…], xxxxxxxx / ********.
const PLACEHOLDER_SHAPE =
  /^\$[A-Za-z_]\w*$|\$\{[^{}$]*\}|\$\(|\{\{[^{}]*\}\}|^%[A-Za-z_]\w*%$|^#\{[^{}]*\}$|\{[A-Za-z_][\w.]*\}|<[A-Za-z_][\w .-]*>|\[REDACTED|^(.)\1*$/s;
const PLACEHOLDER_WORDS = [
  'changeme',
  'changethis',
  'replaceme',
  'replacewith',
  'your',
  'example',
  'placeholder',
  'dummy',
  'redacted',
  'notasecret',
  'notreal',
  'goeshere',
  'todo',
  'fixme',
  'insert',
];
const FILLER = ['xxxxx', '*****', '.....', '12345678'];
const PLACEHOLDER_VALUES = new Set([
  'password',
  'passwd',
  'pass',
  'secret',
  'token',
  'apikey',
  'test',
  'testing',
  'admin',
  'root',
  'none',
  'null',
  'nil',
  'undefined',
  'true',
  'false',
  'string',
  'default',
  'empty',
  'value',
  'foo',
  'bar',
  'foobar',
]);

/** A value that stands for a secret rather than being one: `<your-token>`, `${SECRET}`, `changeme`. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v.length === 0) return true;
  if (PLACEHOLDER_SHAPE.test(v)) return true;
  const lower = v.toLowerCase().replace(/=+$/, '');
  if (PLACEHOLDER_VALUES.has(lower)) return true;
  // somepassword, mysecret, yourpass: a word about the secret, not a secret
  if (/^[a-z]*(?:password|passwd|secret|pass)[a-z]*$/.test(lower)) return true;
  if (FILLER.some((filler) => lower.includes(filler))) return true;
  // `your-token-here`, `replace-with-a-long-random-string`; a random value that happens to
  // hold "todo" or "your" is still a secret.
  const squashed = lower.replace(/[-_ .]/g, '');
  return PLACEHOLDER_WORDS.some((word) => squashed.includes(word)) && isWordy(v);
}

/** Words without a vowel that code and configuration use all the time. */
const ABBREVIATIONS = new Set(
  (
    'http https html xml sql tls ssl ssh dns pdf csv jwt tcp gcp png jpg svg npm pnpm cdn smtp www crlf ' +
    'xss csrf rpc grpc ttl pwd cwd src dst std ctx msg pkg btn cfg cnt tmp str cmd sdk mfa pkcs hmac ' +
    'dkim spf ntp pgp gpg vpc rds nfs lts tsx jsx css scss rgb hsl bsd gnu gpl mvc crm cms sms txt rtf ' +
    'dll ptr fmt lst mgmt mgr ctrl vnc rdp ldap krb cpp hpp pkg bytes rst wsl svc dvc ws wss'
  ).split(' '),
);

const PIECE_SEPARATORS = /[-_./:@+=,~$!?#%&*|\\]+/;

/**
 * Whether one piece of an identifier, path or host name reads as words: `postgres`,
 * `onLastEventIdUpdate`, `XMLHttpRequest`, `sha256Hex`, `Ed25519PrivateKey`, `v2`, `8080`.
 * The piece is cut the way camelCase is written: a lowercase head, then Capitalised words,
 * acronyms and numbers. Random text breaks that grammar (a lowercase run right after a
 * capital run, `hEEy`), cuts into many short segments (`xKpQrT`, `MQnaHSUV`), or has
 * segments nobody can say (`Dmmp`, `dzgxg`).
 */
function isWordPiece(piece: string): boolean {
  if (/^\d+$/.test(piece) || /^[A-Za-z]{1,3}\d{0,6}$/.test(piece)) return true;
  if (piece.length > 32 || !/^[A-Za-z0-9]+$/.test(piece)) return false;
  if (piece.length >= 12 && /^[0-9a-f]+$/i.test(piece) && /\d/.test(piece)) return false; // a hex number
  const segments = camelSegments(piece);
  if (segments === undefined) return false;
  let short = 0;
  let letters = 0;
  let words = 0;
  for (const [index, segment] of segments.entries()) {
    if (/^\d/.test(segment)) continue;
    letters += segment.length;
    words++;
    if (segment.length <= 2 && (index > 0 || /^[A-Z]$/.test(segment))) short++;
    // Acronyms (KDF, CSRF) and lowercase heads (cst, ctx) are often unsayable.
    const exempt =
      segment.length <= 4 && (/^[A-Z]+$/.test(segment) || (index === 0 && /^[a-z]+$/.test(segment)));
    if (
      segment.length >= 3 &&
      !exempt &&
      !/[aeiouy]/i.test(segment) &&
      !ABBREVIATIONS.has(segment.toLowerCase())
    ) {
      return false;
    }
    if (/[^aeiouy]{5}/i.test(segment) && !/^[A-Z]+$/.test(segment)) return false;
  }
  return short <= 1 && (letters < 12 || words <= Math.ceil(letters / 4));
}

/**
 * Cuts `onLastEventIdUpdate` into on|Last|Event|Id|Update and `XMLHttpRequest` into
 * XML|Http|Request, numbers apart (`sha|256|sum`); undefined when the piece does not follow
 * camelCase (a lowercase run right after a capital run that is not a word's first letter).
 */
function camelSegments(piece: string): string[] | undefined {
  const segments: string[] = [];
  const isLower = (c: string | undefined) => c !== undefined && c >= 'a' && c <= 'z';
  const isUpper = (c: string | undefined) => c !== undefined && c >= 'A' && c <= 'Z';
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  let i = 0;
  while (i < piece.length) {
    const start = i;
    const c = piece[i];
    if (isDigit(c)) {
      while (isDigit(piece[i])) i++;
    } else if (isLower(c)) {
      // Only at the start (`onLast`) or after a number (`md5sum`).
      if (start > 0 && !isDigit(piece[start - 1])) return undefined;
      while (isLower(piece[i])) i++;
    } else if (isUpper(c)) {
      while (isUpper(piece[i])) i++;
      if (isLower(piece[i])) {
        // XMLHttp: the last capital starts the next word.
        if (i - 1 > start) segments.push(piece.slice(start, i - 1));
        const word = i - 1;
        while (isLower(piece[i])) i++;
        segments.push(piece.slice(word, i));
        continue;
      }
    } else {
      return undefined;
    }
    segments.push(piece.slice(start, i));
  }
  return segments;
}

/**
 * True when every piece of the value is a word or a number: `process.env.DB_PASSWORD`,
 * `/run/secrets/db_password`, `postgres-primary-01`. Random secrets mix letters, digits and
 * case inside one piece, or have pieces longer than words.
 */
export function isWordy(value: string): boolean {
  // A hex number, dashed or not (a UUID, a key): no piece of it is a word.
  const hex = value.replace(/-/g, '');
  if (hex.length >= 16 && /^[0-9a-f]+$/i.test(hex) && /\d/.test(hex) && /[a-f]/i.test(hex)) return false;
  for (const piece of value.split(PIECE_SEPARATORS)) {
    if (piece.length > 0 && !isWordPiece(piece)) return false;
  }
  return true;
}

const IDENTIFIER_PATH = /^[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)*$/;

/**
 * Words that make a name with digits read as code (`passwordField2`, `newSecret2`, `apiKey1`),
 * besides those ending in one of SECRET_SUFFIXES (`dbpassword2`).
 */
const CODE_NAME_WORD =
  /^(?:pwd|secrets|tokens|keys?|creds?|credentials?|auth[nz]?|authent\w*|authoriz\w*|\w*accesskey)$/;

/**
 * An unquoted value that reads as code (`config.password`, `passwordInput`,
 * `AuthenticationMD5Password`), not as a literal. Without a dot, an underscore or a secret
 * word among the words of the name, a name with digits (`ow32Tgna`, `hunter22`) is taken as
 * a literal password. A word of the name is its first word or a capitalised one: in
 * `monkey123`, `turkey2024` or `hunter2secret` no secret word starts a word of a name, so
 * they are passwords, not code.
 */
function isCodeReference(value: string): boolean {
  if (!IDENTIFIER_PATH.test(value) || !isWordy(value)) return false;
  if (/[._]/.test(value) || !/\d/.test(value)) return true;
  const segments = camelSegments(value.replace(/\$/g, '')) ?? [];
  return segments.some((segment, index) => {
    if (index > 0 && !/^[A-Z]/.test(segment)) return false;
    const word = segment.toLowerCase();
    return SECRET_SUFFIXES.some((suffix) => word.endsWith(suffix)) || CODE_NAME_WORD.test(word);
  });
}

/** Whether a value assigned to a secret-looking name is itself a secret. */
function looksLikeSecret(value: string, passwordLike: boolean, unquoted: boolean): boolean {
  if (isPlaceholder(value) || /\s/.test(value)) return false;
  if (unquoted && isCodeReference(value)) return false; // config.password, passwordInput
  // A YAML tag, not a value: `password: !vault |`, CloudFormation's `!Ref DbPassword`.
  if (unquoted && /^![A-Za-z]/.test(value)) return false;
  if (passwordLike) {
    if (value.length < MIN_MIXED_PASSWORD_LENGTH) return false;
    if (value.length < MIN_PASSWORD_LENGTH && /^\p{L}+$/u.test(value)) return false;
    if (/^\p{Lu}?\p{Ll}+$/u.test(value)) return false; // one word: a label, not a password
    return !(isWordy(value) && /[/.:]/.test(value)); // a path, URL or member expression
  }
  return value.length >= MIN_SECRET_LENGTH && shannonEntropy(value) >= MIN_SECRET_ENTROPY && !isWordy(value);
}

// ---------------------------------------------------------------------------------------
// Secret-looking names
// ---------------------------------------------------------------------------------------

/** Last name segments that make a name a secret: `DB_PASSWORD`, `clientSecret`, `_auth`. */
const SECRET_LAST = new Set([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'credential',
  'credentials',
  'creds',
  'apikey',
  'auth',
  'authorization',
  'dsn',
  'privatekey',
  'secretkey',
  'accesskey',
]);
/** The same words glued to a prefix: `dbpassword`, `authtoken`, `clientsecret`. */
const SECRET_SUFFIXES = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'secretkey',
  'privatekey',
];
const PASSWORD_WORDS = new Set(['password', 'passwd', 'pwd', 'pass', 'passphrase']);
/** `<qualifier>_KEY` is a secret: API_KEY, SIGNING_KEY, STRIPE_KEY; SORT_KEY, PUBLIC_KEY are not. */
const KEY_QUALIFIERS = new Set(
  (
    'api access secret private signing sign encryption encrypt decryption master auth client app ' +
    'application account license licence webhook session service sas storage subscription shared ' +
    'deploy consumer hmac jwt cookie crypto cipher aes server admin root write ingest ingestion ' +
    'management mgmt stripe sendgrid mailgun twilio openai anthropic google gcp azure aws datadog dd ' +
    'newrelic sentry algolia mapbox pusher segment mixpanel amplitude heroku cloudflare fastly ' +
    'firebase supabase vercel netlify slack discord telegram openrouter groq mistral cohere replicate ' +
    'huggingface hf pinecone resend postmark brevo mailchimp mandrill paypal braintree plaid shopify ' +
    'recaptcha captcha maps gemini deepseek xai perplexity together fireworks elevenlabs deepgram'
  ).split(' '),
);
const PASS_QUALIFIERS = new Set(
  (
    'db database user admin root smtp mail email imap pop ftp sftp ldap proxy http basic auth login web app ' +
    'api redis mysql pg postgres mongo sql amqp rabbit rabbitmq vnc wifi key keystore truststore store'
  ).split(' '),
);
const PAT_QUALIFIERS = new Set(
  'gh github gitlab gl ado devops azure bitbucket personal access git hf'.split(' '),
);
/** `next_page_token`, `eos_token`, `cancellationToken` name tokens that are not credentials. */
const NON_SECRET_TOKEN_QUALIFIERS = new Set(
  (
    'page next continuation cursor pagination resumption sync cancellation cancel idempotency request start end ' +
    'stop eos bos pad unk sep cls mask special max min num input output prompt completion total cache'
  ).split(' '),
);
/** Trailing qualifiers that do not change what a name holds: `API_KEY_V2`, `PASSWORD_PROD`. */
const VALUE_QUALIFIERS = new Set(
  (
    'v value val base data string str b64 base64 hex raw plain plaintext text prod production dev ' +
    'development staging stage test live local new old current primary secondary backup ' +
    'confirmation confirm encoded'
  ).split(' '),
);
const CONNECTION_NOUNS = new Set(
  (
    'database db redis mongo mongodb postgres postgresql pg mysql mariadb mssql sql amqp rabbitmq broker ' +
    'elasticsearch kafka cache'
  ).split(' '),
);
/** Credential variables whose names do not end in a secret word. */
const CREDENTIAL_NAMES = new Set(['aws_access_key_id']);

function nameSegments(name: string): string[] {
  const out: string[] = [];
  for (const part of name.split(/[^A-Za-z0-9]+/)) {
    for (const segment of part.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g) ?? [])
      out.push(segment.toLowerCase());
  }
  return out;
}

function endsInSecretWord(segments: string[]): boolean {
  const last = segments[segments.length - 1];
  const previous = segments[segments.length - 2];
  if (last === undefined) return false;
  if (last === 'token' && previous !== undefined && NON_SECRET_TOKEN_QUALIFIERS.has(previous)) return false;
  if (SECRET_LAST.has(last)) return true;
  // DB_PASS, SMTP_PASS; ResultPass is a compiler pass
  if (last === 'pass') return previous === undefined || PASS_QUALIFIERS.has(previous);
  // GH_PAT, GITLAB_PAT; HEX_PAT is a pattern
  if (last === 'pat') return previous === undefined || PAT_QUALIFIERS.has(previous);
  if (SECRET_SUFFIXES.some((word) => last.length > word.length && last.endsWith(word))) return true;
  return last === 'key' && previous !== undefined && KEY_QUALIFIERS.has(previous);
}

/** Segments with trailing qualifiers (`_V2`, `_PROD`, `_VALUE`) removed, at most two. */
function coreSegments(name: string): string[] {
  let segments = nameSegments(name);
  for (let i = 0; i < 2 && segments.length > 1; i++) {
    const last = segments[segments.length - 1]!;
    if (!VALUE_QUALIFIERS.has(last) && !/^\d+$/.test(last)) break;
    segments = segments.slice(0, -1);
  }
  return segments;
}

/**
 * Whether a variable, key or flag name says it holds a credential: AWS_SECRET_ACCESS_KEY,
 * GITHUB_TOKEN, DATABASE_URL, *_PASSWORD, *_API_KEY, *_SECRET, *_TOKEN, clientSecret, x-api-key.
 * The secret word must end the name (after `_V2`, `_PROD`…), so TOKEN_LIMIT, PASSWORD_FILE,
 * password_hash and max_tokens are not secrets.
 */
export function isSecretName(name: string): boolean {
  let known = secretNameCache.get(name);
  if (known === undefined) {
    // Code repeats the same few names; the cache keeps the assignment rules cheap on them.
    if (secretNameCache.size >= 4096) secretNameCache.clear();
    known = classifyName(name);
    secretNameCache.set(name, known);
  }
  return known;
}

const secretNameCache = new Map<string, boolean>();

function classifyName(name: string): boolean {
  if (name.length === 0 || name.length > 128) return false;
  const upper = name.toUpperCase();
  if (upper === 'PWD' || upper === 'OLDPWD') return false; // the shell's working directories
  const segments = nameSegments(name);
  const last = segments[segments.length - 1];
  const previous = segments[segments.length - 2];
  if (CREDENTIAL_NAMES.has(segments.join('_'))) return true;
  if (last === 'string' && previous === 'connection') return true;
  if ((last === 'url' || last === 'uri') && previous !== undefined && CONNECTION_NOUNS.has(previous))
    return true;
  return endsInSecretWord(coreSegments(name));
}

function isPasswordName(name: string): boolean {
  const last = coreSegments(name).at(-1) ?? '';
  return PASSWORD_WORDS.has(last) || /(?:password|passwd|passphrase)$/.test(last);
}

/** The names (never the values) of the variables in `env` that hold credentials, sorted. */
export function credentialNames(env: Record<string, string | undefined>): string[] {
  return Object.keys(env)
    .filter((name) => {
      const value = env[name];
      return value !== undefined && value !== '' && isSecretName(name);
    })
    .sort();
}

// ---------------------------------------------------------------------------------------
// Accept checks
// ---------------------------------------------------------------------------------------

/** Rejects filler such as `ghp_xxxxxxxx…`, `sk-…XXXXXXXX`. */
function notFiller(secret: string): boolean {
  return !/(.)\1{7}/.test(secret);
}

/** A PEM body with real key material: 32+ base64 characters, not `XXXX` filler (DER has long `AAAA` runs). */
function keyMaterial(block: string): boolean {
  const body = block.replace(/-----[^-]*-----|\\[rn]|\s/g, '');
  return /[A-Za-z0-9+/]{32}/.test(body) && new Set(body).size >= 16;
}

function notPlaceholder(secret: string): boolean {
  return !isPlaceholder(secret);
}

/** RFC 2606 / RFC 6761 names reserved for documentation: `https://abc:xyz@example.com`. */
const DOCUMENTATION_HOST = /(?:^|\.)example\.(?:com|org|net)$|\.(?:example|test|invalid)$/i;

function urlPassword(secret: string, match: RegExpExecArray): boolean {
  const host = /^[A-Za-z0-9.-]*/.exec(
    match.input.slice(match.index + match[0].length, match.index + match[0].length + 256),
  );
  return !isPlaceholder(secret) && !DOCUMENTATION_HOST.test(host?.[0] ?? '');
}

const AUTH_SCHEMES = new Set(['bearer', 'basic', 'token', 'bot', 'digest', 'negotiate', 'ntlm', 'apikey']);

function authValue(secret: string): boolean {
  return !AUTH_SCHEMES.has(secret.toLowerCase()) && !isWordy(secret) && !isPlaceholder(secret);
}

function randomToken(secret: string): boolean {
  return /\d/.test(secret) && /[A-Za-z]/.test(secret) && !isWordy(secret) && !isPlaceholder(secret);
}

/** A Cookie header holds a credential when one of its values reads as a random token. */
function cookieWithToken(header: string): boolean {
  return header.split(';').some((pair) => {
    const value = pair.slice(pair.indexOf('=') + 1).trim();
    return pair.includes('=') && value.length >= 16 && randomToken(value);
  });
}

function assigned(nameGroup: number, unquoted: boolean) {
  return (secret: string, match: RegExpExecArray): boolean => {
    const name = match[nameGroup] ?? '';
    if (!isSecretName(name)) return false;
    if (unquoted) {
      // `token = makeToken(x)`, `key = keys[i]`: a call or an index is code, not a literal;
      // so is `x.createToken = y.createToken`.
      const next = match.input[match.index + match[0].length];
      if (next === '(' || next === '[') return false;
      const last = name.split('.').at(-1)!.toLowerCase();
      if (last.length >= 3 && secret.toLowerCase().endsWith(last)) return false;
      // arn:aws:secretsmanager:…:secret:billing/prod-AbCdEf is a path of colon fields
      if (match.input[match.index - 1] === ':' && /^[^:=]*:(?![:=])/.test(match[0])) return false;
    }
    return looksLikeSecret(secret, isPasswordName(name), unquoted);
  };
}

/** A password named in a sentence: a literal with a digit or a symbol in it, never a bare word. */
function proseAssignedPassword(secret: string): boolean {
  // Words joined by dashes or dots (`user-defined`, `read-only`) are prose, not a password.
  return (
    /[^\p{L}]/u.test(secret) &&
    !/^\p{L}+(?:[-.']\p{L}+)+$/u.test(secret) &&
    looksLikeSecret(secret, true, true)
  );
}

/** `Password=…` counts only inside a `key=value;` connection string, not as a code keyword argument. */
function connectionStringPassword(secret: string, match: RegExpExecArray): boolean {
  const before = match.input.slice(Math.max(0, match.index - 8), match.index);
  const after = match.input[match.index + match[0].length];
  if (!/;\s*$/.test(before) && after !== ';') return false;
  const value = secret.trim();
  return !isPlaceholder(value) && !isCodeReference(value) && !/\([^()]*\)/.test(value);
}

function discordToken(secret: string): boolean {
  const [id = '', ...rest] = secret.split('.');
  return /\d/.test(id) && !isWordy(id) && rest.every((part) => !isWordy(part));
}

// ---------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------

const PEM_LABEL = '[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----';

// Vendor tokens start where a run of token characters starts, or for a distinctive prefix
// where a run of letters and digits starts (see the module comment), and come before the
// context rules, so an overlap is named after the vendor.
export const BUILTIN_RULES: RedactionRule[] = [
  {
    id: 'private-key',
    description:
      'PEM, OpenSSH and PGP private key blocks (RSA, EC, DSA, PKCS#8, encrypted), also JSON-escaped or truncated',
    // The body may hold anything but the next `-----`, so an unterminated BEGIN costs one
    // scan; without an END the block is the base64 lines that follow (e.g. `head id_rsa`).
    // A body with no real key material (`\nXXXX\nXXXX\n` in documentation) is a placeholder.
    pattern: new RegExp(
      String.raw`-----BEGIN${PEM_LABEL}(?:(?:[^-]|-(?!----)){1,65536}-----END${PEM_LABEL}|(?:(?:\r?\n|\\r\\n|\\n)[A-Za-z0-9+/=]{1,128}){1,2000})`,
      'g',
    ),
    accept: keyMaterial,
  },
  {
    id: 'jwt',
    description: 'JSON Web Tokens (eyJ….eyJ….signature)',
    pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{0,2048}/g,
  },
  {
    id: 'anthropic-api-key',
    description: 'Anthropic API, admin and OAuth keys (sk-ant-api03-…, sk-ant-admin01-…, sk-ant-oat01-…)',
    pattern: /(?<![A-Za-z0-9])sk-ant-[a-z]{2,8}\d{2}-[A-Za-z0-9_-]{40,400}/g,
    accept: notFiller,
  },
  {
    id: 'openai-api-key',
    description:
      'OpenAI keys (sk-proj-…, sk-svcacct-…, sk-admin-…, legacy sk-…) and other sk- style LLM API keys',
    // Only the named forms may follow `-` or `_`: legacy `sk-` + 32 letters and digits could
    // be the tail of a slug (`cache-sk-<hash>`).
    pattern:
      /(?<![A-Za-z0-9])sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{20,400}|or-v1-[a-f0-9]{64})|(?<![A-Za-z0-9_-])sk-[A-Za-z0-9]{32,200}(?![A-Za-z0-9_-])/g,
    accept: notFiller,
  },
  {
    id: 'github-token',
    description: 'GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)',
    pattern: /(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{50,251})/g,
    accept: notFiller,
  },
  {
    id: 'gitlab-token',
    description: 'GitLab tokens (glpat-, gldt-, glrt-, glptt-, glcbt-, glimt-, glft-, glsoat-, gloas-)',
    pattern:
      /(?<![A-Za-z0-9])(?:glpat|gldt|glrt|glptt|glcbt|glimt|glft|glsoat|glagent|gloas|glffct)-[A-Za-z0-9_-]{20,255}/g,
    accept: notFiller,
  },
  {
    id: 'slack-token',
    description: 'Slack tokens (xoxb-, xoxp-, xoxa-, xoxo-, xoxs-, xoxr-, xoxe-, xapp-)',
    // `xapp` is also a plain app name (`my-xapp-v2-build-12`); only `xox?-` may follow `-` or `_`.
    pattern: /(?:(?<![A-Za-z0-9])xox[abposre]|(?<![A-Za-z0-9_-])xapp)-[A-Za-z0-9-]{10,250}/g,
    accept: (secret) => /\d/.test(secret) && notFiller(secret),
  },
  {
    id: 'slack-webhook',
    description: 'Slack incoming-webhook and workflow URLs (the path after hooks.slack.com/services/)',
    pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/([A-Za-z0-9_/+-]{16,300})/g,
    secretGroup: 1,
  },
  {
    id: 'stripe-key',
    description:
      'Stripe secret and restricted keys (sk_live_, rk_live_, sk_test_, rk_test_) and webhook secrets (whsec_)',
    pattern: /(?<![A-Za-z0-9])(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,247}|whsec_[A-Za-z0-9+/=]{24,128})/g,
    accept: notFiller,
  },
  {
    id: 'aws-access-key-id',
    description: 'AWS access key ids (AKIA…, ASIA…, ABIA…, ACCA…)',
    pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])/g,
  },
  {
    id: 'aws-secret-access-key',
    description: 'AWS secret access keys assigned to aws_secret_access_key / SecretAccessKey',
    pattern:
      /(?<![A-Za-z0-9])(?:aws_?)?secret_?access_?key["']?[ \t]{0,4}(?:=>|[:=])[ \t]{0,4}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
    secretGroup: 1,
    accept: notPlaceholder,
  },
  {
    id: 'gcp-api-key',
    description: 'Google Cloud / Firebase API keys (AIza…)',
    pattern: /(?<![A-Za-z0-9])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g,
  },
  {
    id: 'google-oauth',
    description: 'Google OAuth client secrets (GOCSPX-…) and access tokens (ya29.…)',
    pattern: /(?<![A-Za-z0-9])(?:GOCSPX-[A-Za-z0-9_-]{28}|ya29\.[A-Za-z0-9_-]{30,2048})/g,
  },
  {
    id: 'azure-storage-key',
    description: 'Azure storage / Service Bus keys in connection strings (AccountKey=…, SharedAccessKey=…)',
    pattern: /(?<![A-Za-z0-9])(?:AccountKey|SharedAccessKey)=([A-Za-z0-9+/]{20,200}={0,2})/gi,
    secretGroup: 1,
  },
  {
    id: 'azure-sas-signature',
    description: 'Azure shared access signatures in URLs (the sig= parameter)',
    pattern: /[?&]sig=([A-Za-z0-9%+/]{20,200}(?:%3D|=){0,2})/gi,
    secretGroup: 1,
  },
  {
    id: 'presigned-url-signature',
    description:
      'Signatures of AWS S3 and Google Cloud Storage presigned URLs (X-Amz-Signature=, X-Goog-Signature=): the URL grants access until it expires',
    pattern: /[?&](?:X-Amz-Signature|X-Goog-Signature)=([0-9a-fA-F]{64,1024})(?![0-9a-fA-F])/g,
    secretGroup: 1,
    accept: notFiller,
  },
  {
    id: 'azure-ad-client-secret',
    description: 'Microsoft Entra ID (Azure AD) client secrets (xxx8Q~…)',
    pattern: /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/g,
  },
  {
    id: 'npm-token',
    description: 'npm access tokens (npm_…)',
    pattern: /(?<![A-Za-z0-9])npm_[A-Za-z0-9]{36,64}(?![A-Za-z0-9])/g,
    accept: notFiller,
  },
  {
    id: 'pypi-token',
    description: 'PyPI upload tokens (pypi-Ag…)',
    pattern: /(?<![A-Za-z0-9])pypi-Ag[A-Za-z0-9_-]{50,500}/g,
  },
  {
    id: 'huggingface-token',
    description: 'Hugging Face access tokens (hf_…)',
    pattern: /(?<![A-Za-z0-9])hf_[A-Za-z0-9]{34,40}(?![A-Za-z0-9])/g,
    accept: randomToken,
  },
  {
    id: 'twilio-api-key',
    description: 'Twilio API key SIDs (SK + 32 hex); auth tokens are caught by secret-assignment',
    pattern: /(?<![A-Za-z0-9_-])SK[0-9a-fA-F]{32}(?![A-Za-z0-9])/g,
  },
  {
    id: 'sendgrid-api-key',
    description: 'SendGrid API keys (SG.x.y)',
    pattern: /(?<![A-Za-z0-9_-])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g,
  },
  {
    id: 'mailgun-api-key',
    description: 'Mailgun API keys (key-… and the 32-8-8 hex form)',
    pattern: /(?<![A-Za-z0-9_-])(?:key-[0-9a-f]{32}|[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})(?![A-Za-z0-9_-])/g,
  },
  {
    id: 'mailchimp-api-key',
    description: 'Mailchimp API keys (32 hex + -usN)',
    pattern: /(?<![A-Za-z0-9_-])[0-9a-f]{32}-us\d{1,2}(?![A-Za-z0-9_-])/g,
  },
  {
    id: 'discord-bot-token',
    description: 'Discord bot tokens (base64 id . timestamp . hmac)',
    pattern:
      /(?<![A-Za-z0-9_-])[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}(?![A-Za-z0-9_-])/g,
    accept: discordToken,
  },
  {
    id: 'discord-webhook',
    description: 'Discord webhook URLs (the token after /api/webhooks/<id>/)',
    pattern:
      /https:\/\/(?:(?:ptb|canary)\.)?discord(?:app)?\.com\/api\/webhooks\/\d{5,30}\/([A-Za-z0-9_-]{50,100})/g,
    secretGroup: 1,
  },
  {
    id: 'telegram-bot-token',
    description: 'Telegram bot tokens (<bot id>:AA…)',
    // The Bot API takes the token glued to `bot` in its URLs (api.telegram.org/bot<token>/getMe),
    // so a letter, digit or `:` before the id refuses it unless it is the `t` of `bot`. One
    // negative lookbehind, not `(?<=bot)|(?<!…)`: an alternation there costs 7x on every line.
    pattern: /(?<![A-Za-su-z0-9:]|(?<!bo)t)\d{8,10}:AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])/g,
  },
  {
    id: 'shopify-token',
    description: 'Shopify access tokens and shared secrets (shpat_, shpca_, shppa_, shpss_)',
    pattern: /(?<![A-Za-z0-9])shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}(?![A-Za-z0-9])/g,
  },
  {
    id: 'digitalocean-token',
    description: 'DigitalOcean tokens (dop_v1_, doo_v1_, dor_v1_)',
    pattern: /(?<![A-Za-z0-9])do[opr]_v1_[a-f0-9]{64}(?![A-Za-z0-9])/g,
  },
  {
    id: 'vault-token',
    description: 'HashiCorp Vault tokens (hvs., hvb., hvr.)',
    pattern: /(?<![A-Za-z0-9_.-])hv[sbr]\.[A-Za-z0-9_-]{24,255}/g,
    accept: randomToken,
  },
  {
    id: 'terraform-cloud-token',
    description: 'Terraform Cloud / Enterprise API tokens (….atlasv1.…)',
    pattern: /(?<![A-Za-z0-9])[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,100}/g,
  },
  {
    id: 'doppler-token',
    description: 'Doppler tokens (dp.pt., dp.st., dp.sa., dp.ct.)',
    pattern: /(?<![A-Za-z0-9])dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}(?![A-Za-z0-9])/g,
  },
  {
    id: 'linear-api-key',
    description: 'Linear API keys (lin_api_…)',
    pattern: /(?<![A-Za-z0-9])lin_api_[A-Za-z0-9]{40}(?![A-Za-z0-9])/g,
  },
  {
    id: 'postman-api-key',
    description: 'Postman API keys (PMAK-…)',
    pattern: /(?<![A-Za-z0-9])PMAK-[a-f0-9]{24}-[a-f0-9]{34}(?![A-Za-z0-9])/g,
  },
  {
    id: 'databricks-token',
    description: 'Databricks personal access tokens (dapi…)',
    pattern: /(?<![A-Za-z0-9])dapi[a-f0-9]{32}(?:-\d)?(?![A-Za-z0-9])/g,
  },
  {
    id: 'grafana-token',
    description: 'Grafana Cloud tokens (glc_…) and service account tokens (glsa_…)',
    pattern: /(?<![A-Za-z0-9])(?:glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})/g,
  },
  {
    id: 'sentry-token',
    description: 'Sentry organization and user auth tokens (sntrys_, sntryu_)',
    pattern: /(?<![A-Za-z0-9])sntry[su]_[A-Za-z0-9+/=_.-]{40,400}/g,
  },
  {
    id: 'square-token',
    description: 'Square access tokens (EAAA…, sq0atp-…) and OAuth secrets (sq0csp-…)',
    // `EAAA` is common inside base64url data, so only `sq0…-` may follow `-` or `_`.
    pattern:
      /(?:(?<![A-Za-z0-9_-])EAAA[A-Za-z0-9_-]{60}|(?<![A-Za-z0-9])sq0(?:atp|csp)-[A-Za-z0-9_-]{22,43})(?![A-Za-z0-9_-])/g,
  },
  {
    id: 'age-secret-key',
    description: 'age encryption secret keys (AGE-SECRET-KEY-1…)',
    pattern: /AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}/g,
  },
  {
    id: 'docker-hub-token',
    description: 'Docker Hub personal and organisation access tokens (dckr_pat_…, dckr_oat_…)',
    pattern: /(?<![A-Za-z0-9])dckr_(?:pat|oat)_[A-Za-z0-9_-]{24,60}(?![A-Za-z0-9_-])/g,
    accept: notFiller,
  },
  {
    id: 'supabase-token',
    description: 'Supabase personal access tokens (sbp_…)',
    pattern: /(?<![A-Za-z0-9])sbp_[a-f0-9]{40}(?![A-Za-z0-9])/g,
  },
  {
    id: 'pulumi-token',
    description: 'Pulumi access tokens (pul-…)',
    pattern: /(?<![A-Za-z0-9])pul-[a-f0-9]{40}(?![A-Za-z0-9])/g,
  },
  {
    id: 'atlassian-api-token',
    description: 'Atlassian (Jira, Confluence) API tokens (ATATT3…)',
    pattern: /(?<![A-Za-z0-9])ATATT3[A-Za-z0-9_=-]{100,300}/g,
  },
  // Context rules: the value is redacted only when it looks like a secret.
  {
    id: 'url-password',
    description:
      'Passwords in URLs and connection URIs (scheme://user:PASSWORD@host); the user and host stay',
    pattern: /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,30}:\/\/[^\s:@/?#[\]]{0,128}:([^\s/?#]{1,128})@/g,
    secretGroup: 1,
    accept: urlPassword,
  },
  {
    id: 'authorization-header',
    description: 'Authorization header credentials (Bearer, Basic, token, …); the scheme stays',
    pattern:
      /(?<![A-Za-z0-9_-])authorization["']?[ \t]{0,4}[:=][ \t]{0,4}["']?(?:(?:bearer|basic|token|bot|digest|negotiate|ntlm|apikey|sso-key)[ \t]+)?([A-Za-z0-9._~+/=:-]{8,4096})/gi,
    secretGroup: 1,
    accept: authValue,
  },
  {
    id: 'bearer-token',
    description: 'Bearer tokens outside an Authorization header (-H "Bearer …", token_type + value)',
    pattern: /(?<![A-Za-z0-9_-])[Bb]earer[ \t]+([A-Za-z0-9._~+/-]{16,4096}=*)/g,
    secretGroup: 1,
    accept: randomToken,
  },
  {
    id: 'basic-auth-credentials',
    description: 'Passwords given to curl -u / --user user:PASSWORD',
    pattern:
      /(?<![A-Za-z0-9_-])curl(?![\w-])[^\r\n]{0,200}?[ \t](?:-u|--user)[ \t=]+["']?[^\s:"']{1,128}:([^\s"']{1,256})/g,
    secretGroup: 1,
    accept: notPlaceholder,
  },
  {
    id: 'cli-password-short-flag',
    description:
      'Passwords given as short flags to tools that take them on the command line: mysql -pSECRET, sshpass -p SECRET, redis-cli -a SECRET, docker|podman|helm login -p SECRET, mongosh -p SECRET',
    pattern:
      /(?<![A-Za-z0-9_-])(?:(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)(?![\w-])[^\r\n|;&]{0,200}?[ \t]-p|sshpass[ \t]+-p[ \t]*|redis-cli(?![\w-])[^\r\n|;&]{0,200}?[ \t]-a[ \t]+|(?:docker|podman|nerdctl|helm(?:[ \t]+registry)?)[ \t]+login(?![\w-])[^\r\n|;&]{0,200}?[ \t]-p[ \t]+|mongo(?:sh)?(?![\w-])[^\r\n|;&]{0,200}?[ \t]-p[ \t]+)["']?([^\s"'-][^\s"']{0,255})/g,
    secretGroup: 1,
    accept: notPlaceholder,
  },
  {
    id: 'aws-configure-secret',
    description:
      'AWS secret keys and session tokens given to aws configure set (aws_secret_access_key VALUE)',
    pattern:
      /(?<![A-Za-z0-9_-])aws[ \t]+configure[ \t]+set[ \t]+(?:--profile[ \t]+\S{1,64}[ \t]+)?(?:[\w-]{1,64}\.)?(?:aws_secret_access_key|aws_session_token)[ \t]+["']?([^\s"']{8,2048})/g,
    secretGroup: 1,
    accept: notPlaceholder,
  },
  {
    id: 'cookie-header',
    description:
      'Cookie request headers holding a session or token value (the whole cookie list; Cookie: theme=dark stays)',
    pattern: /(?<![A-Za-z0-9_-])cookie["']?[ \t]{0,4}:[ \t]{0,4}([^\r\n"']{16,4096})/gi,
    secretGroup: 1,
    accept: cookieWithToken,
    skipRejected: true,
  },
  {
    id: 'set-cookie-value',
    description: 'Set-Cookie values that read as session tokens; the name and attributes stay',
    pattern: /(?<![A-Za-z0-9_-])set-cookie["']?[ \t]{0,4}:[ \t]{0,4}[^=;\r\n"']{1,128}=([^;\s"']{16,4096})/gi,
    secretGroup: 1,
    accept: randomToken,
  },
  {
    id: 'curl-cookie',
    description: 'Cookie values given to curl -b / --cookie name=VALUE',
    pattern:
      /(?<![A-Za-z0-9_-])curl(?![\w-])[^\r\n]{0,200}?[ \t](?:-b|--cookie)[ \t=]+["']?[^=\s"';]{1,128}=([^;\s"']{16,4096})/g,
    secretGroup: 1,
    accept: randomToken,
  },
  {
    id: 'netrc-password',
    description: '.netrc entries (machine HOST login USER password SECRET)',
    pattern:
      /(?<![A-Za-z0-9_-])(?:machine\s+\S{1,256}|default)\s+login\s+\S{1,256}\s+password\s+["']?([^\s"']{1,256})/g,
    secretGroup: 1,
    accept: notPlaceholder,
  },
  {
    id: 'password-in-prose',
    description:
      'A password given in a sentence (the password is …, my passphrase was …) when it holds a digit or a symbol',
    // Prompts say where to log in: "use admin, the password is Summer2024!". A bare word
    // after "password is" is usually prose ("is incorrect", "is stored in Vault"), so the value
    // must mix in a digit or symbol, as the short-password rule asks. The value may not end in
    // the sentence's own full stop or comma, which stays.
    pattern:
      /(?<![A-Za-z0-9_-])(?:password|passphrase|passwd|passcode)[ \t]+(?:is|was|will be|would be)[ \t]+(?:now[ \t]+|still[ \t]+)?["'`]?([^\s"'`]{5,127}[^\s"'`.,;:?)])/gi,
    secretGroup: 1,
    accept: proseAssignedPassword,
  },
  {
    id: 'connection-string-password',
    description: 'Password=… / Pwd=… in key=value; connection strings (ADO.NET, ODBC, JDBC)',
    pattern: /(?<![A-Za-z0-9_.-])(?:password|pwd)[ \t]*=[ \t]*([^;\r\n"']{1,256})(?=;|["']|$)/gim,
    secretGroup: 1,
    accept: connectionStringPassword,
  },
  {
    id: 'xml-secret',
    description: 'XML elements with secret-looking names (<password>…</password>, <apiKey>…</apiKey>)',
    pattern: /<([A-Za-z_][\w.:-]{0,60})>([^<>\s]{1,512})<\/\1>/g,
    secretGroup: 2,
    accept: assigned(1, false),
  },
  {
    id: 'cli-flag-secret',
    description: 'Command-line flags with secret-looking names (--password X, --api-key=X, --token X)',
    pattern: /(?<![A-Za-z0-9_-])--([A-Za-z][A-Za-z0-9_-]{1,60})(?:=|[ \t]+)["']?([^\s"'`-][^\s"'`]{0,1023})/g,
    secretGroup: 2,
    accept: assigned(1, false),
  },
  {
    id: SECRET_ASSIGNMENT_RULE,
    description:
      'Quoted values assigned to secret-looking names in code, JSON, YAML and env files (password = "…", apiKey: \'…\', "token": "…")',
    pattern:
      /(?<![\w.$-])(["']?)([A-Za-z_$][\w.$-]{0,79})\1\]?(?:\??[ \t]*:[ \t]*&?[A-Za-z_$][\w$.<>[\], |]{0,40}?[ \t]*(?==))?[ \t]{0,8}(?::=|=>|={1,3}|:(?![:=]))[ \t]{0,8}(["'`])((?:(?!\3)[^\r\n]){1,1024})\3/g,
    secretGroup: 4,
    accept: assigned(2, false),
  },
  {
    id: SECRET_ASSIGNMENT_RULE,
    description:
      'The same with JSON-escaped quotes, as in a tool call\'s arguments kept as a JSON string (token=\\"…\\", \\"apiKey\\": \\"…\\")',
    // A value inside a JSON string has its quotes escaped: the rule above sees `\"` and stops.
    pattern:
      /(?<![\w.$-])((?:\\["'])?)([A-Za-z_$][\w.$-]{0,79})\1\]?[ \t]{0,8}(?::=|=>|={1,3}|:(?![:=]))[ \t]{0,8}\\(["'])((?:(?!\\\3)[^\r\n]){1,1024})\\\3/g,
    secretGroup: 4,
    accept: assigned(2, false),
  },
  {
    id: SECRET_ASSIGNMENT_RULE,
    description:
      'Unquoted values assigned to secret-looking names in env files, shell (export X=…), YAML, INI and TOML',
    pattern:
      /(?<![\w.$-])(["']?)([A-Za-z_$][\w.$-]{0,79})\1\]?[ \t]{0,8}(?::=|=>|={1,3}|:(?![:=]))[ \t]{0,8}((?:[^\s"'`,;:=&|()[\]{}<>\\]|&(?![\w.-]{1,64}=)){1,1024}={0,3})/g,
    secretGroup: 3,
    accept: assigned(2, true),
  },
];

// ---------------------------------------------------------------------------------------
// User patterns
// ---------------------------------------------------------------------------------------

const RULE_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

/**
 * The rules to run: the user's patterns (from `redact.patterns` in `.trail/config.json`)
 * first, so their findings carry the user's id, then the built-in rules. A pattern is a
 * JavaScript regular expression source; a leading `(?i)` makes it case-insensitive, and a
 * group named `secret` limits the redaction to that group.
 */
export function compileRules(extraPatterns: ReadonlyArray<{ id: string; pattern: string }>): RedactionRule[] {
  const ids = new Set(BUILTIN_RULES.map((rule) => rule.id));
  const extra = extraPatterns.map((entry, index): RedactionRule => {
    const id: unknown = entry?.id;
    if (typeof id !== 'string' || !RULE_ID.test(id)) {
      throw new TrailError(
        'INPUT_INVALID',
        `redact.patterns[${index}]: id must be 1-64 letters, digits, '.', '_' or '-'; fix it in .trail/config.json`,
      );
    }
    if (ids.has(id)) {
      throw new TrailError(
        'INPUT_INVALID',
        `redact.patterns "${id}": the id is already used by another rule; choose another id in .trail/config.json`,
      );
    }
    ids.add(id);
    const source: unknown = entry.pattern;
    if (typeof source !== 'string' || source.length === 0) {
      throw new TrailError('INPUT_INVALID', `redact.patterns "${id}": pattern must be a non-empty string`);
    }
    const caseless = source.startsWith('(?i)');
    let pattern: RegExp;
    try {
      pattern = new RegExp(caseless ? source.slice(4) : source, caseless ? 'gi' : 'g');
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new TrailError(
        'INPUT_INVALID',
        `redact.patterns "${id}": not a valid regular expression (${reason}); fix it in .trail/config.json`,
        { cause: error },
      );
    }
    if (pattern.test('')) {
      throw new TrailError(
        'INPUT_INVALID',
        `redact.patterns "${id}": the pattern matches the empty string; make it match the secret itself`,
      );
    }
    return { id, description: `user pattern from .trail/config.json (redact.patterns)`, pattern };
  });
  return [...extra, ...BUILTIN_RULES];
}

// ---------------------------------------------------------------------------------------
// Redaction
// ---------------------------------------------------------------------------------------

export function redactionMarker(ruleId: string): string {
  return `[REDACTED:${ruleId}]`;
}

/** Each rule runs on a private copy with `d` (match indices, to locate the secret group) and `g`. */
const executable = new WeakMap<RegExp, RegExp>();

function executableFor(pattern: RegExp): RegExp {
  let re = executable.get(pattern);
  if (!re) {
    let flags = pattern.flags;
    if (!flags.includes('g')) flags += 'g';
    if (!flags.includes('d')) flags += 'd';
    re = new RegExp(pattern.source, flags.replace('y', ''));
    executable.set(pattern, re);
  }
  return re;
}

interface Span {
  start: number;
  end: number;
  rule: number;
}

/**
 * Candidate spans of every rule, then kept in rule order: a span that overlaps one already
 * kept is dropped, so the most specific rule names the finding and a secret is replaced once.
 */
function findSpans(text: string, rules: readonly RedactionRule[]): Span[] {
  const kept: Span[] = [];
  let covered: Uint8Array | undefined;
  rules.forEach((rule, ruleIndex) => {
    const re = executableFor(rule.pattern);
    re.lastIndex = 0;
    for (let match = re.exec(text); match !== null; match = re.exec(text)) {
      if (match[0].length === 0) {
        re.lastIndex = match.index + 1;
        continue;
      }
      const indices = match.indices;
      const range =
        rule.secretGroup !== undefined
          ? indices?.[rule.secretGroup]
          : (indices?.groups?.secret ?? indices?.[0]);
      if (range === undefined || range[1] <= range[0]) continue;
      const secret = text.slice(range[0], range[1]);
      if (rule.accept && !rule.accept(secret, match)) {
        // A rejected candidate (`$env:X` read as name `$env`) may hide a real one inside it.
        if (!rule.skipRejected) re.lastIndex = match.index + 1;
        continue;
      }
      covered ??= new Uint8Array(text.length);
      const [start, end] = range;
      if (covered.subarray(start, end).includes(1)) continue;
      covered.fill(1, start, end);
      kept.push({ start, end, rule: ruleIndex });
    }
  });
  return kept.sort((a, b) => a.start - b.start);
}

/**
 * Where `text` holds secrets, as `[start, end)` ranges in order, without their values: what
 * redactText would replace. For a caller that must cut a text and may not cut one in two.
 */
export function secretSpans(
  text: string,
  rules: readonly RedactionRule[] = BUILTIN_RULES,
): Array<{ start: number; end: number }> {
  if (text.length === 0) return [];
  return findSpans(text, rules).map(({ start, end }) => ({ start, end }));
}

function countFindings(spans: Span[], rules: readonly RedactionRule[]): TextFinding[] {
  const counts = new Map<string, number>();
  const order = [...spans].sort((a, b) => a.rule - b.rule);
  for (const span of order) {
    const id = rules[span.rule]!.id;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return [...counts].map(([rule, count]) => ({ rule, count }));
}

/**
 * Replaces every secret in `text` with `[REDACTED:<rule-id>]` and reports how many each rule
 * found. The findings never contain the secrets.
 */
export function redactText(
  text: string,
  rules: readonly RedactionRule[] = BUILTIN_RULES,
): { text: string; findings: TextFinding[] } {
  if (text.length === 0) return { text, findings: [] };
  const spans = findSpans(text, rules);
  if (spans.length === 0) return { text, findings: [] };
  let out = '';
  let at = 0;
  for (const span of spans) {
    out += text.slice(at, span.start) + redactionMarker(rules[span.rule]!.id);
    at = span.end;
  }
  out += text.slice(at);
  return { text: out, findings: countFindings(spans, rules) };
}

/**
 * Many short texts (commit subjects, author names, paths) through the redactor in one pass:
 * each rule scans one joined text instead of being started once per text, which for tens of
 * thousands of texts is most of the cost. The texts are joined by newlines and split back;
 * where that cannot give them back one for one (a text holding a newline, or a secret found
 * across two of them), each goes through on its own.
 */
export function redactTexts(
  texts: readonly string[],
  rules: readonly RedactionRule[] = BUILTIN_RULES,
): string[] {
  if (texts.some((t) => t.includes('\n'))) return texts.map((t) => redactText(t, rules).text);
  const joined = texts.join('\n');
  const redacted = redactText(joined, rules).text;
  if (redacted === joined) return [...texts];
  const split = redacted.split('\n');
  return split.length === texts.length ? split : texts.map((t) => redactText(t, rules).text);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function childPath(path: string, key: string): string {
  const step = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  if (step === key) return path === '' ? key : `${path}.${key}`;
  return `${path}[${step}]`;
}

export interface RedactValueOptions {
  /**
   * Strings left as they are, by JSON path and value: fields that hold ids or digests by
   * schema, which other records point at (see redact-record.ts). Absent: every string.
   */
  keep?: (path: string, value: string) => boolean;
  /**
   * Whether object member names are redacted too. Records and spool lines key some objects
   * by data (a checkpoint's attribution by file path), and a secret there is as stored as
   * in a value; a payload's names are the agent's schema, so they are left alone by default.
   */
  keys?: boolean;
}

/**
 * Redacts every string inside a JSON value (object members and array items, at any depth)
 * and returns a new value; the input is never modified. Each finding names the string's
 * JSON path (`tool_input.command`, `messages[3].content`; the empty path is the value itself).
 * A string under a secret-looking key (`"DB_PASSWORD": "…"`) that looks like a secret is
 * replaced whole, as `secret-assignment`, even without a name inside the string.
 */
export function redactValue<T>(
  value: T,
  rules: readonly RedactionRule[] = BUILTIN_RULES,
  options: RedactValueOptions = {},
): { value: T; findings: ValueFinding[] } {
  const findings: ValueFinding[] = [];
  const byKey = rules.some((rule) => rule.id === SECRET_ASSIGNMENT_RULE);
  const ancestors = new Set<object>();
  const { keep, keys = false } = options;

  const walk = (node: unknown, path: string, key: string | undefined): unknown => {
    if (typeof node === 'string') {
      if (keep?.(path, node)) return node;
      const result = redactText(node, rules);
      for (const finding of result.findings) findings.push({ field: path, ...finding });
      if (
        byKey &&
        result.findings.length === 0 &&
        key !== undefined &&
        isSecretName(key) &&
        looksLikeSecret(node.trim(), isPasswordName(key), false)
      ) {
        findings.push({ field: path, rule: SECRET_ASSIGNMENT_RULE, count: 1 });
        return redactionMarker(SECRET_ASSIGNMENT_RULE);
      }
      return result.text;
    }
    if (node === null || typeof node !== 'object') return node;
    if (ancestors.has(node))
      throw new TrailError('INPUT_INVALID', `${path || 'value'}: cannot redact a cyclic value`);
    if (Array.isArray(node)) {
      ancestors.add(node);
      let changed = false;
      const copy = node.map((item, i) => {
        const next = walk(item, `${path}[${i}]`, undefined);
        if (next !== item) changed = true;
        return next;
      });
      ancestors.delete(node);
      return changed ? copy : node;
    }
    if (!isPlainObject(node)) return node;
    ancestors.add(node);
    let changed = false;
    const entries = Object.entries(node).map(([k, item]): [string, unknown] => {
      let name = k;
      if (keys) {
        const result = redactText(k, rules);
        name = result.text;
        for (const finding of result.findings) findings.push({ field: childPath(path, name), ...finding });
      }
      // The original name decides whether the member is a secret assignment (`DB_PASSWORD`).
      const next = walk(item, childPath(path, name), k);
      if (next !== item || name !== k) changed = true;
      return [name, next];
    });
    ancestors.delete(node);
    // fromEntries defines own properties, so a `__proto__` key stays a key.
    return changed ? Object.fromEntries(entries) : node;
  };

  return { value: walk(value, '', undefined) as T, findings };
}
