// The CRI container log format, one record per line:
//   <RFC3339Nano time> <stdout|stderr> <tags> <message>
// where the first ":"-separated tag is "F" (full: the message ends a line) or "P" (partial: the
// runtime split a long line; the message continues in the next "P"/"F" record of the same stream).

export type LogStream = "stdout" | "stderr";

export interface CriLogRecord {
  /** The timestamp exactly as written by the runtime. */
  timestamp: string;
  /** Milliseconds since the epoch (sub-millisecond digits truncated). */
  timeMs: number;
  stream: LogStream;
  partial: boolean;
  /** The message bytes, without the record's trailing newline. */
  message: Buffer;
}

const SPACE = 0x20;
const NEWLINE = 0x0a;
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch of an RFC 3339 time with up to nanosecond precision, or NaN. */
export function parseRfc3339Ms(text: string): number {
  const m = RFC3339.exec(text);
  if (m === null) return Number.NaN;
  const fraction = (m[2] ?? "").padEnd(3, "0").slice(0, 3);
  return Date.parse(`${m[1]}.${fraction}${m[3]}`);
}

/** Parse one record (a line, with or without its newline). Throws an Error saying what is wrong. */
export function parseCriLogRecord(line: Buffer): CriLogRecord {
  let end = line.length;
  if (end > 0 && line[end - 1] === NEWLINE) end--;
  const s1 = line.indexOf(SPACE);
  if (s1 < 0 || s1 >= end) throw new Error("timestamp is not found");
  const timestamp = line.toString("latin1", 0, s1);
  const timeMs = parseRfc3339Ms(timestamp);
  if (Number.isNaN(timeMs)) throw new Error(`unexpected timestamp format ${JSON.stringify(timestamp)}`);
  const s2 = line.indexOf(SPACE, s1 + 1);
  if (s2 < 0 || s2 >= end) throw new Error("stream type is not found");
  const stream = line.toString("latin1", s1 + 1, s2);
  if (stream !== "stdout" && stream !== "stderr")
    throw new Error(`unexpected stream type ${JSON.stringify(stream)}`);
  // The tag is followed by a space and the message; an empty message may lose the space.
  let s3 = line.indexOf(SPACE, s2 + 1);
  if (s3 < 0 || s3 > end) s3 = end;
  const tags = line.toString("latin1", s2 + 1, s3);
  const first = tags.split(":")[0];
  if (first !== "F" && first !== "P") throw new Error(`unexpected log tag ${JSON.stringify(tags)}`);
  return {
    timestamp,
    timeMs,
    stream,
    partial: first === "P",
    message: line.subarray(Math.min(s3 + 1, end), end),
  };
}

/** String form of parseCriLogRecord (message decoded as UTF-8), for callers that hold text. */
export function parseCriLogLine(line: string): Omit<CriLogRecord, "message"> & { message: string } {
  const record = parseCriLogRecord(Buffer.from(line, "utf8"));
  return { ...record, message: record.message.toString("utf8") };
}

/** One record as a runtime would write it (used by tests and by anything that writes CRI logs). */
export function formatCriLogLine(
  time: Date | string,
  stream: LogStream,
  message: string,
  partial = false,
): string {
  const ts = typeof time === "string" ? time : time.toISOString();
  return `${ts} ${stream} ${partial ? "P" : "F"} ${message}\n`;
}

/** A complete log line: partial records of one stream joined, stamped with the first record's time. */
export interface LogLine {
  timestamp: string;
  timeMs: number;
  stream: LogStream;
  message: Buffer;
}

/** Joins "P" records with the records that follow on the same stream, up to the closing "F". */
export class PartialLineJoiner {
  private readonly pending = new Map<LogStream, { first: CriLogRecord; parts: Buffer[] }>();

  /** Feed one record; returns the completed line, if this record completes one. */
  push(record: CriLogRecord): LogLine | undefined {
    const open = this.pending.get(record.stream);
    if (record.partial) {
      // Copy: the record's bytes usually sit in a read buffer that is about to be reused.
      const part = Buffer.from(record.message);
      if (open === undefined) this.pending.set(record.stream, { first: record, parts: [part] });
      else open.parts.push(part);
      return undefined;
    }
    if (open === undefined) return { ...pick(record), message: record.message };
    this.pending.delete(record.stream);
    open.parts.push(record.message);
    return { ...pick(open.first), message: Buffer.concat(open.parts) };
  }

  /** The lines still open (the log ends inside a partial line), oldest first; clears them. */
  flush(): LogLine[] {
    const lines = [...this.pending.values()]
      .sort((a, b) => a.first.timeMs - b.first.timeMs)
      .map((p) => ({ ...pick(p.first), message: Buffer.concat(p.parts) }));
    this.pending.clear();
    return lines;
  }
}

function pick(r: CriLogRecord): Omit<LogLine, "message"> {
  return { timestamp: r.timestamp, timeMs: r.timeMs, stream: r.stream };
}

/** Whether a record ends a line ("F" tag, or not a valid record at all): used when counting lines. */
export function endsLine(header: Buffer): boolean {
  try {
    return !parseCriLogRecord(header).partial;
  } catch {
    // A truncated header (only the first bytes of a long record) still carries the tag.
    const parts = header.toString("latin1").split(" ");
    return parts.length < 3 || !parts[2]?.startsWith("P");
  }
}
