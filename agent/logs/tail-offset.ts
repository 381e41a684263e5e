// Finding where the last N lines of a CRI log start, reading the file backwards in chunks so that
// tailing a large file costs time proportional to the lines printed, not to the file size.
import type { FileHandle } from "node:fs/promises";
import { endsLine } from "./cri-log-format.ts";

const NEWLINE = 0x0a;
/** Enough bytes to hold a record's time, stream and tag. */
const HEADER_BYTES = 128;

/**
 * Byte offset where the last `lines` log lines among the first `size` bytes begin. A line is a run
 * of "P" records closed by an "F" record (a trailing unclosed run, or a last record without its
 * newline, counts as one line). Returns 0 when there are fewer lines, `size` when `lines` is 0.
 */
export async function tailStartOffset(
  fh: FileHandle,
  size: number,
  lines: number,
  chunkSize = 64 * 1024,
): Promise<number> {
  if (lines <= 0) return size;
  // Line boundaries are the offsets just after the newline of an "F" record, except the end of
  // the file. The last N lines start at the N-th boundary from the end.
  let found = 0;
  let chunkEnd = size;
  // Absolute offset of the newline found last (the nearest one after the current search point).
  let laterNewline = -1;
  const buf = Buffer.alloc(chunkSize + HEADER_BYTES);

  while (chunkEnd > 0) {
    const chunkStart = Math.max(0, chunkEnd - chunkSize);
    // Read a little past the chunk so that headers of lines starting near its end are in memory.
    const readEnd = Math.min(size, chunkEnd + HEADER_BYTES);
    const { bytesRead } = await fh.read(buf, 0, readEnd - chunkStart, chunkStart);
    const data = buf.subarray(0, bytesRead);
    // Each newline found closes the line before it and tells where the line after it starts.
    let searchEnd = chunkEnd - chunkStart;
    for (;;) {
      const nl = searchEnd > 0 ? data.lastIndexOf(NEWLINE, searchEnd - 1) : -1;
      const lineStart = nl + 1; // relative to chunkStart; 0 at the start of the file
      if (nl < 0 && chunkStart > 0) break; // the line continues in the previous chunk
      if (laterNewline >= 0 && laterNewline + 1 < size) {
        const headerEnd = Math.min(lineStart + HEADER_BYTES, laterNewline - chunkStart, data.length);
        if (endsLine(data.subarray(lineStart, headerEnd))) {
          found++;
          if (found === lines) return laterNewline + 1;
        }
      }
      if (nl < 0) return 0; // reached the start of the file
      laterNewline = chunkStart + nl;
      searchEnd = nl;
    }
    chunkEnd = chunkStart;
  }
  return 0;
}
