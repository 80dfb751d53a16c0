/**
 * A log's entry lines held as the chunks they are stored in, each chunk one buffer laid out
 * as `0x00 line 0x00 line ...`, so the RFC 6962 leaf input of an entry, `0x00 || line`, is a
 * view into its chunk: verify hashes stored bytes without decoding, copying or re-encoding
 * them. Canonical JSON lines contain neither raw newlines nor NUL (RFC 8785 escapes control
 * characters), so the layout is unambiguous; a line that was tampered to contain one simply
 * splits, and verify says so.
 *
 * The list can grow while it is read: a chunk is begun with its size, filled as its bytes
 * arrive (from `git cat-file` output, in pipe-sized pieces) and ended, and every line whose
 * newline has arrived is readable at once. That lets verify hash the first entries while git
 * is still inflating the rest.
 */

interface Chunk {
  /** `0x00` then the chunk's bytes, newlines overwritten with `0x00` as they are found. */
  bytes: Buffer;
  filled: number;
  /** Where the line being received starts (just past the previous newline). */
  lineStart: number;
}

export class EntryList {
  private readonly chunks: Chunk[] = [];
  /** Per line: its chunk, the offset of the 0x00 before it, and the offset just past it. */
  private readonly chunkOf: number[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private open: Chunk | undefined;

  /** From newline-terminated chunks, as stored in git (one chunk per append). */
  static fromChunks(chunks: readonly Uint8Array[]): EntryList {
    const list = new EntryList();
    for (const chunk of chunks) {
      list.beginChunk(chunk.length);
      list.write(chunk);
      list.endChunk();
    }
    return list;
  }

  static fromLines(lines: readonly string[]): EntryList {
    return EntryList.fromChunks(lines.map((l) => Buffer.from(`${l}\n`, 'utf8')));
  }

  /** Starts a chunk of `size` bytes; its bytes follow through write(). */
  beginChunk(size: number): void {
    if (this.open) this.endChunk();
    const bytes = Buffer.allocUnsafe(size + 1);
    bytes[0] = 0;
    this.open = { bytes, filled: 1, lineStart: 1 };
    this.chunks.push(this.open);
  }

  /** Appends bytes to the open chunk; each line completed by them becomes readable. */
  write(data: Uint8Array): void {
    const chunk = this.open;
    if (!chunk) throw new Error('write() outside a chunk');
    if (chunk.filled + data.length > chunk.bytes.length) throw new Error('chunk overflows its size');
    const from = chunk.filled;
    chunk.bytes.set(data, from);
    chunk.filled += data.length;
    // Searched within what has arrived: the rest of the buffer is not initialised.
    const arrived = chunk.bytes.subarray(0, chunk.filled);
    const index = this.chunks.length - 1;
    let newline = arrived.indexOf(0x0a, from);
    while (newline >= 0) {
      arrived[newline] = 0;
      this.addLine(index, chunk.lineStart, newline);
      chunk.lineStart = newline + 1;
      newline = arrived.indexOf(0x0a, newline + 1);
    }
  }

  /**
   * Closes the open chunk. A chunk whose last line lacks its newline (damaged storage) keeps
   * that line as a line of its own: it must not run into the next chunk's first line.
   */
  endChunk(): void {
    const chunk = this.open;
    if (!chunk) return;
    this.open = undefined;
    this.addLine(this.chunks.length - 1, chunk.lineStart, chunk.filled);
    chunk.lineStart = chunk.filled;
  }

  private addLine(chunk: number, start: number, end: number): void {
    if (end <= start) return; // empty lines carry nothing
    this.chunkOf.push(chunk);
    this.starts.push(start - 1);
    this.ends.push(end);
  }

  /**
   * Fills this empty list with the first `chunkCount` chunks of `source`, sharing their
   * bytes: for a copy of a log whose chunks are the same git objects as the other copy's
   * first chunks, so they are read out of git and held once.
   */
  adoptPrefix(source: EntryList, chunkCount: number): void {
    if (this.chunks.length > 0) throw new Error('adoptPrefix() on a list that holds chunks');
    if (chunkCount > source.chunks.length) throw new Error('adoptPrefix() past the source list');
    for (let c = 0; c < chunkCount; c++) this.chunks.push(source.chunks[c]!);
    for (let i = 0; i < source.length && source.chunkOf[i]! < chunkCount; i++) {
      this.chunkOf.push(source.chunkOf[i]!);
      this.starts.push(source.starts[i]!);
      this.ends.push(source.ends[i]!);
    }
  }

  get length(): number {
    return this.starts.length;
  }

  /** `0x00 || line`: the input of the entry's Merkle leaf hash. */
  leafInput(i: number): Buffer {
    return this.chunks[this.chunkOf[i]!]!.bytes.subarray(this.starts[i]!, this.ends[i]!);
  }

  /** The line's bytes, without the prefix. */
  lineBytes(i: number): Buffer {
    return this.chunks[this.chunkOf[i]!]!.bytes.subarray(this.starts[i]! + 1, this.ends[i]!);
  }

  /**
   * The buffer that holds line i, for a loop over many lines that reads them in place: the
   * line is bytes lineStart(i) to lineEnd(i) of it. Unlike lineBytes(), nothing is allocated.
   */
  bufferOf(i: number): Buffer {
    return this.chunks[this.chunkOf[i]!]!.bytes;
  }

  lineStart(i: number): number {
    return this.starts[i]! + 1;
  }

  lineEnd(i: number): number {
    return this.ends[i]!;
  }

  line(i: number): string {
    return this.chunks[this.chunkOf[i]!]!.bytes.toString('utf8', this.starts[i]! + 1, this.ends[i]!);
  }

  /** Lines containing `needle`, found with one native byte search per chunk. */
  linesContaining(needle: string): string[] {
    const out: string[] = [];
    this.eachLineContaining(needle, (line) => {
      out.push(line);
      return true;
    });
    return out;
  }

  /** Whether a line containing `needle` passes `test`: the search stops at the first that does. */
  someLineContaining(needle: string, test: (line: string) => boolean): boolean {
    let found = false;
    this.eachLineContaining(needle, (line) => {
      found = test(line);
      return !found;
    });
    return found;
  }

  /** Calls `visit` with each line containing `needle` until it returns false. */
  private eachLineContaining(needle: string, visit: (line: string) => boolean): void {
    const pattern = Buffer.from(needle, 'utf8');
    for (const chunk of this.chunks) {
      // Only complete lines: the received part of a chunk ends at the last newline seen.
      const bytes = chunk.bytes.subarray(0, chunk.lineStart);
      let from = 0;
      for (;;) {
        const at = bytes.indexOf(pattern, from);
        if (at < 0) break;
        const start = bytes.lastIndexOf(0, at) + 1;
        let end = bytes.indexOf(0, at);
        if (end < 0) end = bytes.length;
        if (!visit(bytes.toString('utf8', start, end))) return;
        from = end;
      }
    }
  }

  lines(): string[] {
    return this.starts.map((_, i) => this.line(i));
  }
}
