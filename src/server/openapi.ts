/**
 * The OpenAPI 3.1 description of the server, served at /openapi.json. Written by hand beside
 * the routes; a test checks that every route the app registers is described here and the
 * other way round.
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str = (description?: string): Schema => ({ type: 'string', ...(description ? { description } : {}) });
const int = (description?: string): Schema => ({
  type: 'integer',
  minimum: 0,
  ...(description ? { description } : {}),
});
const arr = (items: Schema): Schema => ({ type: 'array', items });
const nullable = (schema: Schema): Schema => ({ oneOf: [schema, { type: 'null' }] });

function query(name: string, description: string, schema: Schema = str(), required = false): Schema {
  return { name, in: 'query', required, description, schema };
}

function path(name: string, description: string, schema: Schema = str()): Schema {
  return { name, in: 'path', required: true, description, schema };
}

const REPO = path('repo', 'Repository name, URL-encoded (acme%2Fapi)');
const WRITER = path('writer', "Writer id: the writer key's id, 32 hex digits", {
  type: 'string',
  pattern: '^[0-9a-f]{32}$',
});
const REPO_QUERY = query('repo', 'Limit to one repository (default: every repository in the token scope)');
const SINCE = query('since', 'From this date or ISO time (inclusive)', {
  type: 'string',
  format: 'date-time',
});
const UNTIL = query('until', 'Up to this date or ISO time (exclusive)', {
  type: 'string',
  format: 'date-time',
});

const FILTERS = [
  REPO_QUERY,
  SINCE,
  UNTIL,
  query('agent', 'Agent name (any session of the checkpoint)'),
  query('model', 'Model (any session of the checkpoint)'),
  query(
    'author',
    "Any part of the commit author's Name <email>, ignoring case (a name, an email, a domain); % and _ are literal",
  ),
  query('requester', 'Requester named in a session request'),
  query(
    'reviewer',
    "Reviewer of the checkpoint or its commit (ledger or code host; a code host's review counts for every commit of its pull request)",
  ),
  query(
    'status',
    "Review status: each reviewer's latest decision counts, and an open request for changes wins (as trail show)",
    {
      type: 'string',
      enum: ['approved', 'pending', 'changes-requested'],
    },
  ),
  query('path', 'A file path, or a folder when it ends with /'),
  query('commit', 'Commit id or prefix (at least 4 hex digits)'),
  query('q', 'Free text over prompts, request summaries and checkpoint summaries (web search syntax)'),
];

function errors(...codes: number[]): Record<string, Schema> {
  const text: Record<number, string> = {
    400: 'Malformed request',
    401: 'Missing, unknown, revoked or expired token (webhooks: bad signature)',
    403: "The token's role or scope does not allow this",
    404: 'Not found',
    409: 'Inconsistent with the ledger the server witnessed (flagged as an alert)',
    410: 'Purged by retention',
    413: 'Body over the size limit',
    422: 'Invalid records, heads or signatures',
    429: 'Rate limited (see Retry-After)',
    501: 'Not available on this server',
  };
  return Object.fromEntries(
    [401, 429, ...codes].map((code) => [
      String(code),
      { description: text[code], content: { 'application/json': { schema: ref('Error') } } },
    ]),
  );
}

/** 410 for a checkpoint a retention purge removed (purged-checkpoints.ts), not one never held. */
const CHECKPOINT_PURGED: Record<string, Schema> = {
  '410': {
    description:
      "A retention purge removed the checkpoint: the message says when, the cutoff and the reason given (the server's purge) or the retention-purge record's (a clone's); purgedAt, cutoff and reason repeat them",
    content: { 'application/json': { schema: ref('Error') } },
  },
};

function ok(schema: Schema, description = 'OK', status = '200'): Record<string, Schema> {
  return { [status]: { description, content: { 'application/json': { schema } } } };
}

function body(schema: Schema): Schema {
  return { required: true, content: { 'application/json': { schema } } };
}

const SCHEMAS: Record<string, Schema> = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: {
            type: 'string',
            enum: [
              'bad-request',
              'unauthorized',
              'forbidden',
              'not-found',
              'conflict',
              'gone',
              'payload-too-large',
              'invalid',
              'rate-limited',
              'not-implemented',
              'internal',
            ],
          },
          message: str('One line saying what is wrong and what to do'),
          problem: str('For ledger refusals: rewritten, inconsistent-head, modified, bad-signature, ...'),
          writerId: str(),
          seq: int(),
          repo: str('For a purged checkpoint (410): its repository'),
          purgedAt: str('For a purged checkpoint (410): when it was purged'),
          cutoff: str('For a purged checkpoint (410): the purge removed the records older than this'),
          reason: str('For a purged checkpoint (410): why, as the purge recorded it'),
        },
      },
    },
  },
  TreeHead: {
    type: 'object',
    required: ['log', 'size', 'root', 'last', 'time', 'keyId', 'sig'],
    properties: {
      log: str('Writer id'),
      size: int(),
      root: str('RFC 9162 Merkle root, hex'),
      last: str('Leaf hash of the last entry, hex'),
      time: str(),
      keyId: str(),
      sig: str('Ed25519 over the DSSE PAE of the head, base64'),
    },
  },
  TrustedKey: {
    type: 'object',
    required: ['keyId', 'publicKey'],
    properties: {
      keyId: str(),
      publicKey: str('Raw Ed25519 public key, base64'),
      name: str(),
      revokedAt: str(
        'ISO 8601: revoked from this time, as a clone judges it; a time still to come leaves the key in force (heads, signed pushes, reviews) until then',
      ),
      revokedReason: str(),
    },
  },
  Commit: {
    type: 'object',
    required: ['sha', 'parents', 'author', 'authorEmail', 'date', 'subject', 'paths'],
    properties: {
      sha: str('Commit id (40 or 64 hex)'),
      parents: arr(str()),
      author: str('Name <email>'),
      authorEmail: str(),
      date: str('Author date, ISO 8601'),
      subject: str('First line of the message, redacted by the clone'),
      paths: arr(str('Path the commit changed')),
    },
  },
  WriterStatus: {
    type: 'object',
    properties: {
      writerId: str(),
      name: nullable(str()),
      size: int(),
      root: str(),
      last: str(),
      updatedAt: str(),
      headsSeen: int(),
      latestHead: nullable(ref('TreeHead')),
      alerts: int(),
      timestamp: nullable({
        type: 'object',
        description:
          "The largest head an RFC 3161 token the server keeps stamps: its first `size` records existed by `time` on the authority's clock",
        properties: { size: int(), time: str(), authority: str() },
      }),
      stampedTo: {
        type: 'integer',
        description:
          'The largest head size the server keeps an RFC 3161 timestamp token for (0: none); trail push sends the tokens over larger heads',
      },
    },
  },
  PushSignature: {
    type: 'object',
    description:
      "The clone's writer key over DSSE PAE(application/vnd.trail.push.v1+json, canonical JSON of {body, repo, time, what}), body being the request without its signature; required where the repository's key set is locked",
    required: ['keyId', 'time', 'sig'],
    properties: { keyId: str(), time: { type: 'string', format: 'date-time' }, sig: str('Ed25519, base64') },
  },
  IngestResult: {
    type: 'object',
    properties: {
      writerId: str(),
      accepted: int('Entries stored by this push'),
      duplicates: int('Entries already held, identical (no-ops)'),
      headsAdded: int(),
      size: int(),
      root: str(),
    },
  },
  StoredRecord: {
    type: 'object',
    properties: {
      id: str('Record id (SHA-256 of its canonical bytes)'),
      writerId: str(),
      seq: int(),
      record: { type: 'object' },
    },
  },
  CheckpointSummary: {
    type: 'object',
    properties: {
      id: str(),
      repo: str(),
      writerId: str(),
      seq: int(),
      commit: str(),
      time: str(),
      author: nullable(str()),
      branch: nullable(str()),
      agent: nullable(str()),
      model: nullable(str()),
      agents: arr(str()),
      models: arr(str()),
      sessions: arr(str()),
      paths: arr(str()),
      aiLines: int(),
      humanLines: int(),
      unknownLines: int(),
      aiShare: nullable({ type: 'number' }),
      summary: nullable(str()),
      status: { type: 'string', enum: ['approved', 'pending', 'changes-requested'] },
    },
  },
  CheckpointDetail: {
    type: 'object',
    properties: {
      checkpoint: ref('StoredRecord'),
      summary: ref('CheckpointSummary'),
      sessions: arr(ref('StoredRecord')),
      events: arr(ref('StoredRecord')),
      gaps: arr(ref('StoredRecord')),
      reviews: { ...arr(ref('StoredRecord')), description: "The ledger's reviews the server counts" },
      webhookReviews: {
        ...arr(ref('StoredRecord')),
        description:
          "The code hosts' webhook reviews as review records (source github/gitlab, writer id webhook:<host>): in no writer's log, counted as the code host's word. A pull request's review counts for each of its commits (GitHub: base..head through the pushed commits; GitLab: from the target branch's tip by GitLab's latest push webhook, else the head commit alone), as the record of this checkpoint's commit",
      },
      reviewsNotCounted: {
        type: 'array',
        description:
          "The ledger's reviews no key in force for the repository vouches for, as of the server's clock (a revocation dated later leaves its key in force until then, as in a clone): shown, not counted",
        items: {
          type: 'object',
          properties: { review: ref('StoredRecord'), why: str() },
        },
      },
      reviewsOnTimestamp: {
        type: 'object',
        additionalProperties: str(),
        description:
          'Of the reviews counted, those whose key is revoked since and that count only because an RFC 3161 timestamp the server keeps over their log shows they came first: review record id to a line that says so',
      },
      tests: arr(ref('StoredRecord')),
      deployments: arr(ref('StoredRecord')),
      rollbacks: arr(ref('StoredRecord')),
      corrections: arr(ref('StoredRecord')),
      codeHost: {
        type: 'object',
        description:
          'Webhook events (reviews, merges, deployments, pushes) for the commit, and the reviews of a pull request it is a commit of',
      },
    },
  },
  SessionDetail: {
    type: 'object',
    description:
      'One agent session as `trail show <session> --json` gives it: its events sorted by what they tell (prompts, reasoning, decisions, constraints, alternatives, risks, context, commands, validations, repairs, edits, toolCalls), each with at, sessionId and provenance',
    properties: {
      repo: str(),
      id: str("The record id of the session's newest record"),
      session: { type: 'object', description: 'The session record (request, boundary, startedAt, endedAt)' },
      writerId: str(),
      checkpoints: {
        type: 'array',
        description:
          'The checkpoints that carried the session, oldest first: none for a session that changed nothing',
        items: { type: 'object', properties: { id: str(), commit: str(), time: str() } },
      },
      prompts: arr({ type: 'object' }),
      commands: arr({ type: 'object' }),
      validations: arr({ type: 'object' }),
      edits: arr({ type: 'object' }),
      usage: {
        ...arr({ type: 'object' }),
        description: "Each model's latest usage record: the session's running total",
      },
      captureGaps: arr({ type: 'object' }),
    },
  },
  Alert: {
    type: 'object',
    properties: {
      id: int(),
      repo: str(),
      writerId: nullable(str()),
      kind: str(),
      seq: nullable(int()),
      message: str(),
      detail: {},
      tokenId: nullable(str()),
      at: str(),
    },
  },
  Totals: {
    type: 'object',
    properties: {
      key: str(),
      checkpoints: int(),
      aiLines: int(),
      humanLines: int(),
      unknownLines: int(),
      aiShare: nullable({ type: 'number' }),
    },
  },
  TokenSpec: {
    type: 'object',
    required: ['name', 'role'],
    properties: {
      name: str(),
      role: { type: 'string', enum: ['admin', 'auditor', 'reviewer', 'ingest'] },
      orgs: arr(str()),
      repos: arr(str()),
      expiresAt: { type: 'string', format: 'date-time' },
    },
  },
};

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Trail server',
      version: '1',
      description:
        'Ingests Trail ledgers from many repositories, witnesses every tree head, and answers audit queries. ' +
        'Every /api/v1 route takes `Authorization: Bearer <token>`; every request is written to the access log.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths: {
      '/health': { get: { summary: 'Liveness', security: [], responses: ok({ type: 'object' }) } },
      '/openapi.json': { get: { summary: 'This document', security: [], responses: ok({ type: 'object' }) } },
      '/api/v1/repos': {
        get: {
          summary: 'Repositories in the token scope',
          responses: { ...ok({ type: 'object' }), ...errors() },
        },
      },
      '/api/v1/repos/{repo}/keys': {
        post: {
          summary:
            'Register trusted writer keys (role ingest or admin; creates the repository on first push)',
          parameters: [REPO],
          requestBody: body({
            type: 'object',
            required: ['keys'],
            properties: { keys: arr(ref('TrustedKey')) },
          }),
          responses: { ...ok({ type: 'object' }), ...errors(400, 403, 422) },
        },
      },
      '/api/v1/repos/{repo}/writers': {
        get: {
          summary: "Each writer's size, root and newest tree head, and the repository's keys",
          parameters: [REPO],
          responses: {
            ...ok({
              type: 'object',
              properties: {
                writers: arr(ref('WriterStatus')),
                keys: arr({
                  type: 'object',
                  properties: {
                    keyId: str(),
                    publicKey: str(),
                    name: nullable(str()),
                    revokedAt: nullable(str()),
                    inForce: {
                      type: 'boolean',
                      description: 'false: the key set is locked and no admin approved this key',
                    },
                  },
                }),
                keySetLocked: { type: 'boolean' },
              },
            }),
            ...errors(403, 404),
          },
        },
      },
      '/api/v1/repos/{repo}/writers/{writer}/entries': {
        get: {
          summary: 'Pull entry lines and the tree heads covering them',
          parameters: [
            REPO,
            WRITER,
            query('from', 'First seq', int()),
            query('limit', 'Most entries (1..10000)', int()),
          ],
          responses: {
            ...ok({
              type: 'object',
              properties: {
                writerId: str(),
                from: int(),
                size: int(),
                entries: arr(str()),
                heads: arr(ref('TreeHead')),
              },
            }),
            ...errors(400, 403, 404, 410),
          },
        },
        post: {
          summary: 'Push entry lines from seq `from` and the tree heads covering them (idempotent)',
          parameters: [REPO, WRITER],
          requestBody: body({
            type: 'object',
            required: ['from', 'entries', 'heads'],
            properties: { from: int(), entries: arr(str()), heads: arr(ref('TreeHead')), writerName: str() },
          }),
          responses: { ...ok(ref('IngestResult')), ...errors(400, 403, 404, 409, 413, 422) },
        },
      },
      '/api/v1/repos/{repo}/writers/{writer}/stamps': {
        get: {
          summary:
            "The RFC 3161 timestamp tokens the server keeps over the writer's heads larger than `after`, smallest first (at most 1,000): what trail pull writes into its copy of the log",
          parameters: [REPO, WRITER, query('after', 'Head size the clone holds tokens up to', int())],
          responses: {
            ...ok({
              type: 'object',
              properties: {
                writerId: str(),
                stamps: arr({
                  type: 'object',
                  properties: { size: int(), token: str('DER in base64'), time: str(), authority: str() },
                }),
              },
            }),
            ...errors(400, 403, 404),
          },
        },
        post: {
          summary:
            "Push RFC 3161 timestamp tokens over the writer's tree heads the server holds (trail timestamp); each is kept only where it vouches for that head under an authority the server's operator trusts (trail serve --timestamp-authority), one per head size",
          parameters: [REPO, WRITER],
          requestBody: body({
            type: 'object',
            required: ['stamps'],
            properties: {
              stamps: arr({
                type: 'object',
                required: ['size', 'token'],
                properties: { size: int(), token: str('the token (CMS SignedData), DER in base64') },
              }),
            },
          }),
          responses: {
            ...ok({
              type: 'object',
              properties: {
                repo: str(),
                writerId: str(),
                stamps: arr({
                  type: 'object',
                  properties: {
                    size: int(),
                    status: { type: 'string', enum: ['stored', 'held', 'refused'] },
                    why: str('why a token was refused'),
                    time: str("the authority's time, for a token stored now"),
                    authority: str(),
                  },
                }),
              },
            }),
            ...errors(400, 403, 404, 413),
          },
        },
      },
      '/api/v1/repos/{repo}/writers/{writer}/consistency': {
        get: {
          summary: 'RFC 9162 consistency proof between two sizes of a log',
          parameters: [
            REPO,
            WRITER,
            query('from', 'Old size', int()),
            query('to', 'New size (default: current)', int()),
          ],
          responses: {
            ...ok({
              type: 'object',
              properties: { from: int(), to: int(), fromRoot: str(), toRoot: str(), proof: arr(str()) },
            }),
            ...errors(400, 403, 404, 410),
          },
        },
      },
      '/api/v1/repos/{repo}/commits': {
        post: {
          summary:
            'Push the commits of the branch trail push runs on, merges left out (role ingest or admin); a commit already held is skipped, so reports can list commits without a checkpoint',
          parameters: [REPO],
          requestBody: body({
            type: 'object',
            required: ['commits'],
            properties: {
              commits: { ...arr(ref('Commit')), description: 'At most 2,000 per request' },
              signature: ref('PushSignature'),
            },
          }),
          responses: {
            ...ok({ type: 'object', properties: { repo: str(), received: int(), added: int() } }),
            ...errors(400, 403, 404, 422),
          },
        },
      },
      '/api/v1/repos/{repo}/policy': {
        post: {
          summary:
            "Push the repository's .trail/policy.yml as read at a commit (role ingest or admin); the newest is what the server's reports judge by",
          parameters: [REPO],
          requestBody: body({
            type: 'object',
            required: ['commit', 'policy'],
            properties: {
              commit: str('The commit the policy was read at'),
              policy: nullable(str('The text of .trail/policy.yml; null when the commit has none')),
              trackedSince: str(
                "When Trail began tracking the repository (.trail/config.json's trackedSince, ISO 8601). Left out, the one last sent stays in force",
              ),
              signature: ref('PushSignature'),
              trackedSinceSignature: ref('PushSignature'),
            },
          }),
          responses: {
            ...ok({ type: 'object', properties: { repo: str(), changed: { type: 'boolean' } } }),
            ...errors(400, 403, 404, 422),
          },
        },
      },
      '/api/v1/commits/{sha}': {
        get: {
          summary:
            'The commits trail push sent with this id or id prefix (at most 20), each with its repository and newest checkpoint id (null: none); for a full id none sent, the code-host pushes that named it',
          parameters: [
            path('sha', 'Commit id or prefix: 7 to 64 hex digits'),
            query('repo', 'Only this repository', str()),
          ],
          responses: {
            ...ok({
              type: 'object',
              properties: {
                commits: arr({
                  allOf: [ref('Commit')],
                  properties: { repo: str(), checkpoint: nullable(str()) },
                }),
                reported: arr({
                  type: 'object',
                  properties: {
                    repo: str(),
                    host: str(),
                    ref: str(),
                    time: str(),
                    // null: GitLab does not say, and the commits pushed cannot tell yet.
                    forced: nullable({ type: 'boolean' }),
                  },
                }),
              },
            }),
            ...errors(400, 403, 404),
          },
        },
      },
      '/api/v1/repos/{repo}/commits/{sha}': {
        get: {
          summary: 'Detail of the newest checkpoint of a commit',
          parameters: [REPO, path('sha', 'Full commit id')],
          responses: { ...ok(ref('CheckpointDetail')), ...errors(400, 403, 404), ...CHECKPOINT_PURGED },
        },
      },
      '/api/v1/repos/{repo}/blame': {
        get: {
          summary:
            "Per-line origin of a file at a commit, from the checkpoint's attribution (recorded ranges only)",
          parameters: [
            REPO,
            query('commit', 'Full commit id', str(), true),
            query('path', 'File path', str(), true),
          ],
          responses: { ...ok({ type: 'object' }), ...errors(400, 403, 404) },
        },
      },
      '/api/v1/checkpoints': {
        get: {
          summary: 'Search checkpoints, newest first, paged by cursor',
          parameters: [
            ...FILTERS,
            query('limit', 'Page size (1..500, default 50)', int()),
            query('cursor', 'nextCursor of the previous page'),
          ],
          responses: {
            ...ok({
              type: 'object',
              properties: { checkpoints: arr(ref('CheckpointSummary')), nextCursor: nullable(str()) },
            }),
            ...errors(400, 403, 404),
          },
        },
      },
      '/api/v1/checkpoints/{id}': {
        get: {
          summary: 'A checkpoint with its sessions, events, reviews, tests, deployments and code-host events',
          parameters: [path('id', 'Checkpoint record id (64 hex digits)'), REPO_QUERY],
          responses: {
            ...ok(ref('CheckpointDetail')),
            ...errors(400, 403),
            '404': {
              description: 'No checkpoint with this id in the repositories the token can read (never held)',
              content: { 'application/json': { schema: ref('Error') } },
            },
            ...CHECKPOINT_PURGED,
          },
        },
      },
      '/api/v1/sessions': {
        get: {
          summary:
            'Agent sessions, newest first, each with how many checkpoints carried it (carried=none: the sessions that changed nothing, sealed alone)',
          parameters: [
            REPO_QUERY,
            query('since', 'Sessions first recorded at or after this date or time'),
            query('until', 'Sessions first recorded before this date or time'),
            query('agent', "The session's agent, as its newest record names it"),
            query('model', "The session's model, as its newest record names it"),
            query('requester', "Who asked for the session's work, as its newest record names them"),
            query('carried', 'none: carried by no checkpoint; some: by at least one', {
              type: 'string',
              enum: ['none', 'some'],
            }),
            query('limit', 'At most this many (1-500, default 50)', { type: 'integer' }),
            query('cursor', 'The nextCursor of the page before'),
          ],
          responses: {
            ...ok({
              type: 'object',
              properties: {
                nextCursor: nullable(str()),
                sessions: arr({
                  type: 'object',
                  properties: {
                    repo: str(),
                    sessionId: str(),
                    agent: nullable(str()),
                    model: nullable(str()),
                    requester: nullable(str()),
                    firstSeen: str(),
                    lastSeen: str(),
                    checkpoints: int(),
                  },
                }),
              },
            }),
            ...errors(400, 403, 404),
          },
        },
      },
      '/api/v1/sessions/{id}': {
        get: {
          summary:
            'An agent session whole: every event it recorded, its usage, and the checkpoints that carried it (none for a session that changed nothing, sealed alone)',
          parameters: [path('id', "The agent's session id"), REPO_QUERY],
          responses: {
            ...ok(ref('SessionDetail')),
            ...errors(400, 403, 404),
          },
        },
      },
      '/api/v1/stats': {
        get: {
          summary: 'AI share of committed lines, grouped',
          parameters: [
            query('by', 'Grouping', { type: 'string', enum: ['month', 'agent', 'model', 'repo'] }),
            ...FILTERS,
          ],
          responses: {
            ...ok({
              type: 'object',
              properties: { by: str(), groups: arr(ref('Totals')), total: ref('Totals') },
            }),
            ...errors(400, 403, 404),
          },
        },
      },
      '/api/v1/reports/{kind}': {
        get: {
          summary: 'A report generated by src/report (501 while it is not installed)',
          parameters: [
            path('kind', 'Report kind'),
            REPO_QUERY,
            SINCE,
            query(
              'until',
              'Up to this ISO time (exclusive), or through this date or month (the whole day, as trail report --until)',
              {
                type: 'string',
                format: 'date-time',
              },
            ),
            query('format', 'json, csv, md, html or pdf'),
          ],
          responses: {
            '200': { description: 'The report, in the requested format' },
            ...errors(400, 403, 404, 501),
          },
        },
      },
      '/api/v1/ledger': {
        get: {
          summary:
            'Ledger status per repository and writer: sizes, newest heads, alerts; whether the key set is locked and which keys wait for approval',
          parameters: [REPO_QUERY],
          responses: { ...ok({ type: 'object' }), ...errors(403, 404) },
        },
      },
      '/api/v1/alerts': {
        get: {
          summary: 'Refused pushes that looked like tampering',
          parameters: [REPO_QUERY, SINCE, query('limit', 'Most alerts (1..1000)', int())],
          responses: {
            ...ok({ type: 'object', properties: { alerts: arr(ref('Alert')) } }),
            ...errors(403, 404),
          },
        },
      },
      '/api/v1/access-log': {
        get: {
          summary:
            'Who called which route, for which repository (repo) or, for a read over several without ?repo=, which ones (repos), when, with what answer; ?repo= also finds the reads that ranged over it',
          parameters: [
            REPO_QUERY,
            query('token', 'Token id'),
            SINCE,
            query('limit', 'Most entries (1..1000)', int()),
          ],
          responses: { ...ok({ type: 'object' }), ...errors(403) },
        },
      },
      '/api/v1/admin/tokens': {
        get: {
          summary: 'Tokens within the admin scope (never their secrets)',
          responses: { ...ok({ type: 'object' }), ...errors(403) },
        },
        post: {
          summary: 'Create a token; the secret is in this answer only',
          requestBody: body(ref('TokenSpec')),
          responses: { ...ok({ type: 'object' }, 'Created', '201'), ...errors(400, 403) },
        },
      },
      '/api/v1/admin/tokens/{id}/revoke': {
        post: {
          summary: 'Revoke a token',
          parameters: [path('id', 'Token id')],
          responses: { ...ok({ type: 'object' }), ...errors(403, 404) },
        },
      },
      '/api/v1/admin/webhook-secrets': {
        post: {
          summary: "Set a code host's webhook secret, server-wide or for an organisation or repository",
          requestBody: body({
            type: 'object',
            required: ['host', 'secret'],
            properties: {
              host: { type: 'string', enum: ['github', 'gitlab'] },
              repo: str(),
              org: str(),
              secret: str(),
            },
          }),
          responses: { ...ok({ type: 'object' }, 'Created', '201'), ...errors(400, 403) },
        },
      },
      '/api/v1/admin/purge': {
        post: {
          summary: 'Retention purge of one repository before a time, written to the purge log',
          requestBody: body({
            type: 'object',
            required: ['repo', 'before', 'reason'],
            properties: { repo: str(), before: { type: 'string', format: 'date-time' }, reason: str() },
          }),
          responses: { ...ok({ type: 'object' }), ...errors(400, 403, 404, 422) },
        },
      },
      '/api/v1/admin/key-lock': {
        post: {
          summary:
            "Lock (or unlock) a repository's key set: keys registered so far are approved, keys pushed later wait for an admin's approval",
          requestBody: body({
            type: 'object',
            required: ['repo', 'locked'],
            properties: { repo: str(), locked: { type: 'boolean' } },
          }),
          responses: { ...ok({ type: 'object' }), ...errors(400, 403, 404) },
        },
      },
      '/api/v1/admin/key-approvals': {
        post: {
          summary: 'Approve a key pushed after its repository’s key set was locked',
          requestBody: body({
            type: 'object',
            required: ['repo', 'keyId'],
            properties: { repo: str(), keyId: str() },
          }),
          responses: { ...ok({ type: 'object' }), ...errors(400, 403, 404) },
        },
      },
      '/webhooks/github': {
        post: {
          summary: 'GitHub deliveries: pull_request_review, pull_request (closed), deployment_status, push',
          description:
            'A pull_request_review counts for every commit of the pull request (base..head through the commits trail push sent), including those pushed after it',
          security: [],
          parameters: [
            { name: 'X-GitHub-Event', in: 'header', required: true, schema: str() },
            { name: 'X-Hub-Signature-256', in: 'header', required: true, schema: str() },
            { name: 'X-GitHub-Delivery', in: 'header', required: false, schema: str() },
          ],
          requestBody: body({ type: 'object' }),
          responses: {
            ...ok({ type: 'object' }, 'Recorded', '201'),
            '200': {
              description: 'Duplicate: this delivery id, this body or this review was already recorded',
            },
            '202': { description: 'Verified but not an event Trail records' },
            ...errors(400, 422),
          },
        },
      },
      '/webhooks/gitlab': {
        post: {
          summary: 'GitLab deliveries: Merge Request Hook (approval, merge), Deployment Hook, Push Hook',
          security: [],
          parameters: [
            { name: 'X-Gitlab-Event', in: 'header', required: true, schema: str() },
            { name: 'X-Gitlab-Token', in: 'header', required: true, schema: str() },
          ],
          requestBody: body({ type: 'object' }),
          responses: {
            ...ok({ type: 'object' }, 'Recorded', '201'),
            '200': {
              description: 'Duplicate: this delivery id, this body or this review was already recorded',
            },
            '202': { description: 'Verified but not an event Trail records' },
            ...errors(400, 422),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A Trail API token (trail_...)' },
      },
      schemas: SCHEMAS,
    },
  };
}
