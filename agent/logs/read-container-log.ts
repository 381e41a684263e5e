// `kubectl logs` for one CRI log file: prints the messages (optionally time-stamped), honouring
// tailLines, sinceTime, limitBytes and the stream filter, and in follow mode keeps printing what is
// appended — across rotations — until aborted. Choosing the file (`previous`) is the caller's job.
import { once } from "node:events";
import { open, stat } from "node:fs/promises";
import type { Writable } from "node:stream";
import { type LogLine, PartialLineJoiner, parseCriLogRecord } from "./cri-log-format.ts";
import { LogChangeWaiter } from "./log-change-waiter.ts";
import { tailStartOffset } from "./tail-offset.ts";

export interface ReadContainerLogOptions {
  /** Only the last N lines (counted before sinceTime / stream filtering, as the kubelet does). */
  tailLines?: number;
  /** Stop after writing this many bytes. */
  limitBytes?: number;
  /** Skip lines older than this. */
  sinceTime?: Date;
  /** Prefix each line with its RFC 3339 time and a space. */
  timestamps?: boolean;
  /** Keep reading appended data (and the new file after a rotation) until the signal aborts. */
  follow?: boolean;
  stream?: "stdout" | "stderr" | "all";
  /** Follow mode: polling period besides inotify (default 500 ms). */
  pollIntervalMs?: number;
  /**
   * Follow mode: asked whenever the end of the file is reached; false ends the read once what has
   * been written is printed (the container exited). Without it, only the signal ends a follow.
   */
  containerRunning?: () => Promise<boolean>;
}

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

export async function readContainerLog(
  path: string,
  opts: ReadContainerLogOptions,
  out: Writable,
  signal?: AbortSignal,
): Promise<void> {
  const sink = new LineSink(opts, out, signal);
  let fh = await open(path, "r");
  const waiter = opts.follow ? new LogChangeWaiter(path, opts.pollIntervalMs ?? 500, signal) : undefined;
  try {
    const size = (await fh.stat()).size;
    let position = opts.tailLines !== undefined ? await tailStartOffset(fh, size, opts.tailLines) : 0;
    const joiner = new PartialLineJoiner();
    const buf = Buffer.alloc(CHUNK);
    let carry: Buffer = Buffer.alloc(0);

    const handleRecord = async (record: Buffer): Promise<void> => {
      let parsed: ReturnType<typeof parseCriLogRecord>;
      try {
        parsed = parseCriLogRecord(record);
      } catch {
        return; // not a CRI record: skipped, as the kubelet does
      }
      const line = joiner.push(parsed);
      if (line !== undefined) await sink.write(line);
    };
    const flushCarry = async (): Promise<void> => {
      if (carry.length > 0) await handleRecord(carry);
      carry = Buffer.alloc(0);
    };

    while (!sink.done) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, position);
      if (bytesRead > 0) {
        position += bytesRead;
        let data =
          carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
        let start = 0;
        for (let nl = data.indexOf(NEWLINE); nl >= 0 && !sink.done; nl = data.indexOf(NEWLINE, start)) {
          await handleRecord(data.subarray(start, nl));
          start = nl + 1;
        }
        data = data.subarray(start);
        // Copy: `buf` is reused by the next read.
        carry = Buffer.from(data);
        continue;
      }
      // End of file.
      if (waiter === undefined || signal?.aborted) break;
      const current = await statOrUndefined(path);
      const own = await fh.stat();
      if (current !== undefined && (current.ino !== own.ino || current.dev !== own.dev)) {
        // Rotated: the old file is complete (read to its end above); continue with the new one.
        await flushCarry();
        await fh.close();
        fh = await open(path, "r");
        position = 0;
        continue;
      }
      if (own.size < position) {
        // Truncated in place (copytruncate): start over at the beginning.
        carry = Buffer.alloc(0);
        position = 0;
        continue;
      }
      if (opts.containerRunning !== undefined && !(await opts.containerRunning())) {
        // One more read catches what was written between the last read and the exit.
        const { bytesRead: more } = await fh.read(buf, 0, 1, position);
        if (more > 0) continue;
        break;
      }
      await waiter.wait();
    }
    if (!sink.done) {
      await flushCarry();
      for (const line of joiner.flush()) await sink.write(line);
    }
  } finally {
    waiter?.close();
    sink.close();
    await fh.close();
  }
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

/** Applies the filters, formatting and byte limit, and writes with backpressure. */
class LineSink {
  done = false;
  private written = 0;
  private readonly opts: ReadContainerLogOptions;
  private readonly out: Writable;
  private readonly signal: AbortSignal | undefined;
  private readonly sinceMs: number | undefined;
  private readonly onGone = () => {
    this.done = true;
  };

  constructor(opts: ReadContainerLogOptions, out: Writable, signal: AbortSignal | undefined) {
    this.opts = opts;
    this.out = out;
    this.signal = signal;
    this.sinceMs = opts.sinceTime?.getTime();
    if (opts.limitBytes !== undefined && opts.limitBytes <= 0) this.done = true;
    out.on("close", this.onGone);
    out.on("error", this.onGone);
    signal?.addEventListener("abort", this.onGone);
    if (signal?.aborted || out.destroyed) this.done = true;
  }

  async write(line: LogLine): Promise<void> {
    if (this.done) return;
    const wanted = this.opts.stream ?? "all";
    if (wanted !== "all" && line.stream !== wanted) return;
    if (this.sinceMs !== undefined && line.timeMs < this.sinceMs) return;
    const parts = this.opts.timestamps
      ? [Buffer.from(`${line.timestamp} `, "latin1"), line.message, Buffer.from("\n")]
      : [line.message, Buffer.from("\n")];
    let chunk = Buffer.concat(parts);
    if (this.opts.limitBytes !== undefined) {
      const remaining = this.opts.limitBytes - this.written;
      if (chunk.length >= remaining) {
        chunk = chunk.subarray(0, remaining);
        this.done = true;
      }
    }
    this.written += chunk.length;
    if (!this.out.write(chunk) && !this.done) await this.drained();
  }

  private async drained(): Promise<void> {
    const ac = new AbortController();
    const stop = () => ac.abort();
    this.out.once("close", stop);
    this.signal?.addEventListener("abort", stop);
    try {
      await once(this.out, "drain", { signal: ac.signal });
    } catch {
      this.done = true;
    } finally {
      this.out.off("close", stop);
      this.signal?.removeEventListener("abort", stop);
    }
  }

  close(): void {
    this.out.off("close", this.onGone);
    this.out.off("error", this.onGone);
    this.signal?.removeEventListener("abort", this.onGone);
  }
}
