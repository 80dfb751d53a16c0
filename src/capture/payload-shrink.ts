/**
 * Shortens a JSON payload too large to keep whole, while it streams in, so a hook never holds
 * more than a few MiB whatever the agent sends. Claude Code's PostToolUse for a Write or Edit
 * repeats the file three times (tool_input.content, tool_response.content and originalFile,
 * then every line again in structuredPatch): a 1.4 MB file makes a 4.4 MB payload, yet what a
 * hook records from it is a few ids, a path and short texts.
 *
 * Two cuts keep the JSON valid and leave what adapters read intact:
 * - a string longer than `HEAD + TAIL` characters keeps its first `HEAD` and last `TAIL`
 *   characters, joined by a note of how much was left out. Adapters keep at most the head of
 *   a prompt, 64 Ki characters, and the tail of a command's output, 2,000; they cut around
 *   the secrets they see whole (core/cut.ts), so HEAD keeps CUT_MARGIN more than they do: a
 *   secret this cut goes through is past what they keep, never the end of it;
 * - an array whose text has passed `ARRAY_KEEP` characters drops its further elements (the
 *   lines of a structured patch, which no adapter reads).
 * Objects keep every member, since the fields Trail needs (tool_use_id) may come last.
 */
import { StringDecoder } from 'node:string_decoder';
import { CUT_MARGIN } from '../core/cut.js';

const HEAD = 64 * 1024 + CUT_MARGIN;
const TAIL = 64 * 1024;
const ARRAY_KEEP = 256 * 1024;
/** What ends a run of plain text, outside a string and inside one. */
const STRUCTURAL = /["[\]{},]/g;
const STRING_SPECIAL = /["\\]/g;

interface Container {
  array: boolean;
  /** Output length when the container opened, to measure an array's own text. */
  openedAt: number;
  /** Further elements are skipped, up to this array's closing bracket. */
  dropping: boolean;
}

export class PayloadShrinker {
  private readonly decoder = new StringDecoder('utf8');
  private readonly out: string[] = [];
  private outLength = 0;
  private readonly stack: Container[] = [];
  /** Inside a string: its decoded text so far (head, then a rolling tail), and escape state. */
  private inString = false;
  private head = '';
  private tail = '';
  private length = 0;
  private escape = '';
  private overflowed = false;

  /** `limit` bounds the shortened text: past it, the payload cannot be kept at all. */
  constructor(private readonly limit: number) {}

  write(bytes: Buffer): void {
    if (!this.overflowed) this.scan(this.decoder.write(bytes));
  }

  /** The shortened JSON text, or undefined when even that is over the limit. */
  end(): string | undefined {
    if (!this.overflowed) this.scan(this.decoder.end());
    return this.overflowed ? undefined : this.out.join('');
  }

  private get skipping(): boolean {
    return this.stack.some((c) => c.dropping);
  }

  private emit(text: string): void {
    if (this.overflowed || text.length === 0 || this.skipping) return;
    this.out.push(text);
    this.outLength += text.length;
    if (this.outLength > this.limit) {
      this.overflowed = true;
      this.out.length = 0;
    }
  }

  private scan(text: string): void {
    let i = 0;
    while (i < text.length && !this.overflowed) {
      if (this.inString) {
        i = this.scanString(text, i);
        continue;
      }
      STRUCTURAL.lastIndex = i;
      const end = STRUCTURAL.exec(text)?.index ?? text.length;
      this.emit(text.slice(i, end));
      if (end === text.length) return;
      this.structural(text[end]!);
      i = end + 1;
    }
  }

  private structural(char: string): void {
    const top = this.stack[this.stack.length - 1];
    switch (char) {
      case '"':
        this.inString = true;
        this.head = '';
        this.tail = '';
        this.length = 0;
        return;
      case '[':
      case '{':
        this.emit(char);
        this.stack.push({ array: char === '[', openedAt: this.outLength, dropping: false });
        return;
      case ']':
      case '}':
        this.stack.pop();
        this.emit(char);
        return;
      case ',':
        // Past the array's budget, the element this comma begins and those after it go.
        if (top?.array && !this.skipping && this.outLength - top.openedAt > ARRAY_KEEP) top.dropping = true;
        else this.emit(char);
    }
  }

  /** Reads string content from `i`; returns where reading stopped. */
  private scanString(text: string, i: number): number {
    if (this.escape.length > 0) {
      // An escape sequence cut by a chunk boundary: `\` then one character, or `\u` and 4.
      this.escape += text[i];
      const complete = this.escape[1] === 'u' ? this.escape.length === 6 : this.escape.length === 2;
      if (complete) {
        this.append(decodeEscape(this.escape));
        this.escape = '';
      }
      return i + 1;
    }
    STRING_SPECIAL.lastIndex = i;
    const end = STRING_SPECIAL.exec(text)?.index ?? text.length;
    this.append(text.slice(i, end));
    if (end === text.length) return end;
    if (text[end] === '\\') {
      this.escape = '\\';
      return end + 1;
    }
    this.inString = false;
    this.emit(this.shortened());
    return end + 1;
  }

  private append(piece: string): void {
    if (this.skipping) return;
    this.length += piece.length;
    const room = HEAD - this.head.length;
    if (room > 0) {
      this.head += piece.slice(0, room);
      piece = piece.slice(room);
    }
    if (piece.length === 0) return;
    this.tail += piece;
    if (this.tail.length > 2 * TAIL) this.tail = this.tail.slice(-TAIL);
  }

  private shortened(): string {
    const left = this.length - HEAD - TAIL;
    const text =
      left <= 0
        ? this.head + this.tail
        : `${this.head}…[${left} characters left out]…${this.tail.slice(-TAIL)}`;
    this.head = '';
    this.tail = '';
    return JSON.stringify(text);
  }
}

/** A JSON escape's character; a malformed one (the payload is not JSON) stands as U+FFFD. */
function decodeEscape(sequence: string): string {
  try {
    return JSON.parse(`"${sequence}"`) as string;
  } catch {
    return '\ufffd';
  }
}
