/**
 * A log's entry lines held in one buffer laid out as `0x00 line 0x00 line ...`, so the
 * RFC 6962 leaf input of entry i, `0x00 || line`, is a view into the buffer: verify hashes
 * stored bytes without decoding, copying or re-encoding them. Canonical JSON lines contain
 * neither raw newlines nor NUL (RFC 8785 escapes control characters), so the layout is
 * unambiguous; a line that was tampered to contain one simply splits, and verify says so.
 */
export class EntryList {
  private constructor(
    private readonly bytes: Buffer,
    /** Offset of the 0x00 that precedes each line. */
    private readonly starts: number[],
    /** Offset just past each line. */
    private readonly ends: number[],
  ) {}

  /** From newline-terminated chunks, as stored in git (one chunk per append). */
  static fromChunks(chunks: readonly Uint8Array[]): EntryList {
    const total = chunks.reduce((sum, c) => sum + c.length, 0);
    const bytes = Buffer.allocUnsafe(total + 1);
    bytes[0] = 0;
    let at = 1;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
      // A chunk missing its final newline must not run into the next chunk's first line.
      if (chunk.length > 0 && chunk[chunk.length - 1] !== 0x0a) {
        return EntryList.fromLines(
          chunks.flatMap((c) => Buffer.from(c).toString('utf8').split('\n').filter(Boolean)),
        );
      }
    }
    const starts: number[] = [];
    const ends: number[] = [];
    let lineStart = 1;
    for (;;) {
      const newline = bytes.indexOf(0x0a, lineStart);
      if (newline < 0 || newline >= total + 1) break;
      bytes[newline] = 0;
      if (newline > lineStart) {
        starts.push(lineStart - 1);
        ends.push(newline);
      }
      lineStart = newline + 1;
    }
    return new EntryList(bytes, starts, ends);
  }

  static fromLines(lines: readonly string[]): EntryList {
    return EntryList.fromChunks(lines.map((l) => Buffer.from(`${l}\n`, 'utf8')));
  }

  get length(): number {
    return this.starts.length;
  }

  /** `0x00 || line`: the input of the entry's Merkle leaf hash. */
  leafInput(i: number): Buffer {
    return this.bytes.subarray(this.starts[i]!, this.ends[i]!);
  }

  /** The line's bytes, without the prefix. */
  lineBytes(i: number): Buffer {
    return this.bytes.subarray(this.starts[i]! + 1, this.ends[i]!);
  }

  line(i: number): string {
    return this.bytes.toString('utf8', this.starts[i]! + 1, this.ends[i]!);
  }

  /** Lines containing `needle`, found with one native byte search over the whole log. */
  linesContaining(needle: string): string[] {
    const pattern = Buffer.from(needle, 'utf8');
    const out: string[] = [];
    let from = 0;
    for (;;) {
      const at = this.bytes.indexOf(pattern, from);
      if (at < 0) return out;
      const start = this.bytes.lastIndexOf(0, at) + 1;
      let end = this.bytes.indexOf(0, at);
      if (end < 0) end = this.bytes.length;
      out.push(this.bytes.toString('utf8', start, end));
      from = end;
    }
  }

  lines(): string[] {
    return this.starts.map((_, i) => this.line(i));
  }
}
