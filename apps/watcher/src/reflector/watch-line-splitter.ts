/**
 * Splits a watch response (one JSON document per line, chunked at arbitrary byte positions) into lines.
 * Works on Buffers so a multi-byte character cut by a chunk boundary is never decoded half.
 */
export class WatchLineSplitter {
  private pending: Buffer[] = [];

  /** Feeds one chunk; returns the complete lines it finished. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      const part = chunk.subarray(start, nl);
      const line = this.pending.length ? Buffer.concat([...this.pending, part]) : part;
      this.pending = [];
      if (line.length) lines.push(line.toString('utf8'));
      start = nl + 1;
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
    return lines;
  }

  /** What is left when the stream ends (a last line without newline). */
  end(): string[] {
    const rest = Buffer.concat(this.pending).toString('utf8');
    this.pending = [];
    return rest.trim() ? [rest] : [];
  }
}
