/**
 * `trail mcp`: an MCP server (stdio) through which an agent reports what no hook can see:
 * the decisions it took and why, constraints it found, alternatives it rejected, risks it
 * noticed, and the context it relied on. Each call appends one redacted event, with
 * provenance `agent-reported`, to the session it belongs to (manual-session.ts: the
 * session in TRAIL_SESSION_ID, the clone's current one, the most recently active one, or a
 * new `mcp-<date>` session named after the connecting client).
 *
 * Tools follow the MCP tools spec (modelcontextprotocol.io/specification, "Tools"): a name,
 * a description, a JSON Schema for the input (made from the zod shapes by the SDK) and a
 * text result. A failure is returned as a tool error (`isError`), never as a crash, so the
 * agent can read it and carry on.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import type { EventBody } from '../core/records.js';
import type { Repo } from '../ledger/repo.js';
import { appendEvents, CONTEXT_KINDS, captureReady, contextEvent, resolveSession } from './manual-session.js';
import { GuardedStdioTransport } from './mcp-stdio.js';

export interface McpServerOptions {
  env?: NodeJS.ProcessEnv;
  version?: string;
}

/** The server with Trail's tools registered, not yet connected to a transport. */
export function createTrailMcpServer(repo: Repo, options: McpServerOptions = {}): McpServer {
  const env = options.env ?? process.env;
  const server = new McpServer(
    { name: 'trail', version: options.version ?? '0.1.0' },
    {
      instructions:
        'Trail keeps the audit trail of this repository. Record each decision you take (and why), ' +
        'constraints you discover, alternatives you reject, risks you notice and the context you rely on, ' +
        'as you go: reviewers and auditors read them next to the commit.',
    },
  );

  const record = (what: string, event: EventBody) => {
    try {
      if (!captureReady(repo)) {
        return failure('Trail is not set up in this repository (run trail init); nothing was recorded');
      }
      const client = server.server.getClientVersion();
      const session = resolveSession(repo, {
        env,
        autoPrefix: 'mcp',
        recent: true,
        hook: 'mcp',
        ...(client?.name ? { agent: client.name } : {}),
        ...(client?.version ? { agentVersion: client.version } : {}),
      });
      appendEvents(session, [{ event, provenance: 'agent-reported' }], 'mcp');
      return {
        content: [{ type: 'text' as const, text: `recorded ${what} in Trail session ${session.sessionId}` }],
      };
    } catch (error) {
      return failure(`not recorded: ${(error as Error).message}`);
    }
  };

  // Blank text is no statement: an empty decision would be recorded and shown as one.
  const text = z.string().trim().min(1);
  server.registerTool(
    'record_decision',
    {
      title: 'Record a decision',
      description: 'Record a decision you took about the change, and why.',
      inputSchema: { decision: text.describe('what you decided'), why: z.string().optional() },
    },
    ({ decision, why }) =>
      record('the decision', { type: 'decision', text: why?.trim() ? `${decision}\nWhy: ${why}` : decision }),
  );
  server.registerTool(
    'record_constraint',
    {
      title: 'Record a constraint',
      description: 'Record a constraint the change must respect, and where it comes from.',
      inputSchema: {
        constraint: text.describe('the constraint'),
        source: z.string().optional().describe('where it comes from: a file, a ticket, a person'),
      },
    },
    ({ constraint, source }) =>
      record('the constraint', {
        type: 'constraint',
        text: source?.trim() ? `${constraint}\nSource: ${source}` : constraint,
      }),
  );
  server.registerTool(
    'record_alternative',
    {
      title: 'Record a rejected alternative',
      description: 'Record an approach you considered and why you rejected it.',
      inputSchema: { approach: text, rejected_because: text },
    },
    ({ approach, rejected_because }) =>
      record('the alternative', { type: 'alternative', approach, rejectedBecause: rejected_because }),
  );
  server.registerTool(
    'record_risk',
    {
      title: 'Record a risk',
      description: 'Record a risk the change carries, with its severity.',
      inputSchema: { risk: text, severity: z.enum(['low', 'medium', 'high', 'critical']).optional() },
    },
    ({ risk, severity }) =>
      record('the risk', { type: 'risk', text: risk, ...(severity ? { severity } : {}) }),
  );
  server.registerTool(
    'record_context',
    {
      title: 'Record a context source',
      description: 'Record a source you relied on: a file, a URL, a document, a ticket.',
      inputSchema: {
        source: z.enum(CONTEXT_KINDS),
        ref: text.describe('the path, URL, document name or ticket id'),
        note: z.string().optional(),
      },
    },
    ({ source, ref, note }) => record('the context source', contextEvent(source, ref, note)),
  );
  return server;
}

function failure(text: string) {
  return { isError: true, content: [{ type: 'text' as const, text }] };
}

/**
 * Serves on stdin/stdout until the client closes the connection. Malformed input is answered
 * by the transport (mcp-stdio.ts), so a client never waits on a message the SDK dropped.
 */
export async function serveStdio(repo: Repo, options: McpServerOptions = {}): Promise<void> {
  const server = createTrailMcpServer(repo, options);
  const transport = new GuardedStdioTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
    process.stdin.once('close', () => resolve());
  });
  await server.connect(transport);
  await closed;
  // Let a reply to a request that arrived with the end of input go out first.
  await new Promise((resolve) => setImmediate(resolve));
  await server.close();
}
