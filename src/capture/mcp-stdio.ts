/**
 * The stdio transport of `trail mcp`: one JSON-RPC message per line (MCP spec, "Transports",
 * stdio). It stands in for the SDK's StdioServerTransport, which drops a line that is not JSON
 * or not a valid message without answering, and answers a request whose params do not fit its
 * method with an internal error and a dump of schema issues: a client waiting for that answer
 * waits forever. Here every request gets an answer (JSON-RPC 2.0, section 5.1):
 *  - a line that is not JSON: -32700 Parse error, id null;
 *  - a value that is not a valid request: -32600 Invalid Request, with its id when it has one;
 *  - a request whose params do not fit its MCP method: -32602 Invalid params, one line;
 *  - a line over the size limit: -32600, id null (its id cannot be read without keeping it).
 * A malformed notification or response gets no answer (section 4.1: the client expects none),
 * and nothing of a message's contents is ever written to stderr: it can hold prompts.
 */
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ClientRequestSchema,
  ErrorCode,
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  type JSONRPCRequest,
} from '@modelcontextprotocol/sdk/types.js';

/** Tool arguments are text an agent wrote; a line beyond this is refused, not buffered. */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

const NEWLINE = 0x0a;

type ReplyId = string | number | null;

interface ErrorReply {
  jsonrpc: '2.0';
  id: ReplyId;
  error: { code: number; message: string };
}

export interface LineTransportOptions {
  input?: Readable;
  output?: Writable;
  maxLineBytes?: number;
}

export class GuardedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  private readonly input: Readable;
  private readonly output: Writable;
  private readonly maxLineBytes: number;
  /** The current line so far, as the chunks it came in: joined once, when it ends. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Set once a line went over the limit: its rest is skipped up to the next newline. */
  private skippingLine = false;
  private closed = false;

  constructor(options: LineTransportOptions = {}) {
    this.input = options.input ?? process.stdin;
    this.output = options.output ?? process.stdout;
    this.maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  }

  async start(): Promise<void> {
    this.input.on('data', this.onData);
    this.input.on('error', this.onStreamError);
    // A client that went away makes stdout fail (EPIPE): the connection is over, not the process.
    this.output.on('error', this.onStreamError);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.off('data', this.onData);
    this.input.off('error', this.onStreamError);
    this.input.pause();
    this.pending = [];
    this.pendingBytes = 0;
    this.onclose?.();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.write(message);
  }

  private readonly onStreamError = (error: Error) => {
    this.onerror?.(error);
    void this.close();
  };

  private readonly onData = (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    while (!this.closed) {
      const newline = bytes.indexOf(NEWLINE, start);
      this.take(bytes.subarray(start, newline === -1 ? bytes.length : newline));
      if (newline === -1) return;
      this.endLine();
      start = newline + 1;
    }
  };

  private take(piece: Buffer): void {
    if (this.skippingLine || piece.length === 0) return;
    if (this.pendingBytes + piece.length > this.maxLineBytes) {
      this.pending = [];
      this.pendingBytes = 0;
      this.skippingLine = true;
      // Answered now, not at the newline: a client may wait for it before sending the rest.
      this.reply(
        null,
        ErrorCode.InvalidRequest,
        `Invalid Request: a message is limited to ${this.maxLineBytes.toLocaleString('en-US')} bytes`,
      );
      return;
    }
    this.pending.push(piece);
    this.pendingBytes += piece.length;
  }

  private endLine(): void {
    if (this.skippingLine) {
      this.skippingLine = false;
      return;
    }
    const line = Buffer.concat(this.pending, this.pendingBytes).toString('utf8');
    this.pending = [];
    this.pendingBytes = 0;
    // A blank line is whitespace between messages, not a message: nothing to answer.
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // JSON.parse quotes the input in its message: the answer must not echo it.
      this.reply(null, ErrorCode.ParseError, 'Parse error: the line is not valid JSON');
      return;
    }
    if (Array.isArray(value)) {
      this.refuseBatch(value);
      return;
    }
    const checked = JSONRPCMessageSchema.safeParse(value);
    if (!checked.success) {
      if (expectsAnswer(value)) {
        this.reply(idOf(value), ErrorCode.InvalidRequest, `Invalid Request: ${requestProblem(value)}`);
      }
      return;
    }
    const message = checked.data;
    if ('method' in message && 'id' in message) {
      const problem = paramsProblem(message);
      if (problem) {
        this.reply(message.id, ErrorCode.InvalidParams, `Invalid params for ${message.method}: ${problem}`);
        return;
      }
    }
    try {
      this.onmessage?.(message);
    } catch (error) {
      this.onerror?.(error as Error);
    }
  }

  /**
   * JSON-RPC 2.0 section 6 allows batches; MCP dropped them (2025-06-18) and the SDK reads none.
   * Each request in one is refused by its id, in one array as section 6 wants, so none hangs.
   */
  private refuseBatch(values: unknown[]): void {
    if (values.length === 0) {
      this.reply(null, ErrorCode.InvalidRequest, 'Invalid Request: an empty batch');
      return;
    }
    const replies = values
      .filter(expectsAnswer)
      .map((value) =>
        errorReply(idOf(value), ErrorCode.InvalidRequest, 'Invalid Request: batches are not supported'),
      );
    if (replies.length > 0) void this.write(replies);
  }

  private reply(id: ReplyId, code: number, message: string): void {
    void this.write(errorReply(id, code, message));
  }

  private write(payload: JSONRPCMessage | ErrorReply | ErrorReply[]): Promise<void> {
    return new Promise((resolve) => {
      // A reply may still come after close (its request arrived with the end of input); a
      // stdout that failed takes none. The error listener stays for such late writes.
      if (this.output.destroyed || this.output.writableEnded) {
        resolve();
        return;
      }
      if (this.output.write(`${JSON.stringify(payload)}\n`)) resolve();
      else this.output.once('drain', resolve);
    });
  }
}

function errorReply(id: ReplyId, code: number, message: string): ErrorReply {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether an invalid value still wants an answer: a notification (a method, no id) or a
 * response (result or error, no method) must not get one (section 4.1; answering a response
 * could start two peers answering each other forever). Anything else is a failed request.
 */
function expectsAnswer(value: unknown): boolean {
  if (!isRecord(value)) return true;
  if (!('id' in value) && typeof value.method === 'string') return false;
  if (!('method' in value) && ('result' in value || 'error' in value)) return false;
  return true;
}

/** The request's id when it can be read, else null (section 5: "If there was an error in detecting the id"). */
function idOf(value: unknown): ReplyId {
  if (!isRecord(value)) return null;
  const id = value.id;
  if (typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))) return id;
  return null;
}

/** What makes the value an invalid request, in words naming members, never their values. */
function requestProblem(value: unknown): string {
  if (!isRecord(value)) return 'a request must be a JSON object';
  if (value.jsonrpc !== '2.0') return 'jsonrpc must be "2.0"';
  if (typeof value.method !== 'string') return 'method must be a string';
  if ('id' in value && !(typeof value.id === 'string' || Number.isInteger(value.id))) {
    return 'id must be a string or an integer';
  }
  if ('params' in value && !isRecord(value.params)) return 'params must be an object';
  return 'the request has members JSON-RPC does not define';
}

/** Each MCP request schema the SDK knows, by its method name. */
const REQUEST_SCHEMAS = new Map<string, (typeof ClientRequestSchema.options)[number]>(
  ClientRequestSchema.options.map((schema) => [schema.shape.method.value, schema]),
);

/**
 * Why the params do not fit the request's method, on one line; undefined when they fit or the
 * method is not MCP's (the server then answers "Method not found" itself).
 */
function paramsProblem(request: JSONRPCRequest): string | undefined {
  const schema = REQUEST_SCHEMAS.get(request.method);
  if (!schema) return undefined;
  const checked = schema.safeParse(request);
  if (checked.success) return undefined;
  const issue = checked.error.issues[0];
  if (!issue) return 'they do not fit the method';
  const where = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  return `${where}${issue.message}`.replace(/\s+/g, ' ');
}
