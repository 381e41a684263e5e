import assert from "node:assert/strict";
import { appendFile, mkdtemp, open, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { after, test } from "node:test";
import { formatCriLogLine } from "../../../agent/logs/cri-log-format.ts";
import { type ReadContainerLogOptions, readContainerLog } from "../../../agent/logs/read-container-log.ts";
import { tailStartOffset } from "../../../agent/logs/tail-offset.ts";

const tmp = await mkdtemp(join(tmpdir(), "nodelet-readlog-"));
after(() => rm(tmp, { recursive: true, force: true }));

class Collector extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(chunk);
    cb();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

const t0 = Date.UTC(2024, 0, 1);
const at = (s: number) => new Date(t0 + s * 1000);
let fileNo = 0;

async function logFile(lines: string[]): Promise<string> {
  const path = join(tmp, `${fileNo++}.log`);
  await writeFile(path, lines.join(""));
  return path;
}

async function read(path: string, opts: ReadContainerLogOptions = {}): Promise<string> {
  const out = new Collector();
  await readContainerLog(path, opts, out);
  return out.text();
}

const sample = [
  formatCriLogLine(at(1), "stdout", "one"),
  formatCriLogLine(at(2), "stderr", "two"),
  formatCriLogLine(at(3), "stdout", "thr", true),
  formatCriLogLine(at(3), "stdout", "ee"),
  formatCriLogLine(at(4), "stdout", "four"),
];

test("prints messages only, joins partial records", async () => {
  const path = await logFile(sample);
  assert.equal(await read(path), "one\ntwo\nthree\nfour\n");
});

test("timestamps, stream filter", async () => {
  const path = await logFile(sample);
  assert.equal(
    await read(path, { timestamps: true, stream: "stdout" }),
    `${at(1).toISOString()} one\n${at(3).toISOString()} three\n${at(4).toISOString()} four\n`,
  );
  assert.equal(await read(path, { stream: "stderr" }), "two\n");
});

test("tailLines counts whole lines (a partial run is one line)", async () => {
  const path = await logFile(sample);
  assert.equal(await read(path, { tailLines: 2 }), "three\nfour\n");
  assert.equal(await read(path, { tailLines: 1 }), "four\n");
  assert.equal(await read(path, { tailLines: 0 }), "");
  assert.equal(await read(path, { tailLines: 100 }), "one\ntwo\nthree\nfour\n");
});

test("sinceTime and limitBytes", async () => {
  const path = await logFile(sample);
  assert.equal(await read(path, { sinceTime: at(2) }), "two\nthree\nfour\n");
  assert.equal(await read(path, { sinceTime: new Date(t0 + 2001) }), "three\nfour\n");
  assert.equal(await read(path, { limitBytes: 6 }), "one\ntw");
  assert.equal(await read(path, { limitBytes: 4 }), "one\n");
  assert.equal(await read(path, { tailLines: 2, limitBytes: 3 }), "thr");
});

test("malformed lines are skipped; a last record without newline is printed", async () => {
  const path = await logFile([
    "garbage\n",
    formatCriLogLine(at(1), "stdout", "ok"),
    `${at(2).toISOString()} stdout F end`,
  ]);
  assert.equal(await read(path), "ok\nend\n");
  assert.equal(await read(path, { tailLines: 1 }), "end\n");
});

test("tail of a big file reads only its end", async () => {
  const path = join(tmp, "big.log");
  const fh = await open(path, "w");
  const line = formatCriLogLine(at(0), "stdout", "x".repeat(100));
  const block = line.repeat(10_000);
  for (let written = 0; written < 20 * 1024 * 1024; written += block.length) await fh.write(block);
  await fh.write(formatCriLogLine(at(9), "stdout", "last-but-one"));
  await fh.write(formatCriLogLine(at(9), "stdout", "last"));
  await fh.close();

  // Count the bytes the tail search reads.
  const handle = await open(path, "r");
  let bytesRead = 0;
  const counting = {
    read: async (buf: Buffer, off: number, len: number, pos: number) => {
      const r = await handle.read(buf, off, len, pos);
      bytesRead += r.bytesRead;
      return r;
    },
  } as unknown as Parameters<typeof tailStartOffset>[0];
  const size = (await handle.stat()).size;
  const start = await tailStartOffset(counting, size, 10);
  await handle.close();
  assert.ok(bytesRead <= 64 * 1024 + 128, `read ${bytesRead} bytes to find the tail`);
  assert.ok(size - start < 10 * line.length + 100);

  const began = performance.now();
  const text = await read(path, { tailLines: 10 });
  const ms = performance.now() - began;
  const lines = text.split("\n");
  assert.equal(lines.length, 11);
  assert.deepEqual(lines.slice(-3), ["last-but-one", "last", ""]);
  assert.ok(ms < 200, `tail took ${ms} ms`);
});

test("tail where lines are longer than the read chunk", async () => {
  const path = join(tmp, "long.log");
  const long = "y".repeat(200_000);
  await writeFile(
    path,
    [
      formatCriLogLine(at(1), "stdout", "a"),
      formatCriLogLine(at(2), "stdout", long),
      formatCriLogLine(at(3), "stdout", "b"),
    ].join(""),
  );
  assert.equal(await read(path, { tailLines: 2 }), `${long}\nb\n`);
  const fh = await open(path, "r");
  try {
    const size = (await fh.stat()).size;
    assert.equal(await tailStartOffset(fh, size, 3, 1000), 0);
    assert.equal(
      await tailStartOffset(fh, size, 1, 1000),
      size - formatCriLogLine(at(3), "stdout", "b").length,
    );
  } finally {
    await fh.close();
  }
});

test("follow prints appended lines and stops on abort", async () => {
  const path = await logFile([formatCriLogLine(at(1), "stdout", "first")]);
  const out = new Collector();
  const ac = new AbortController();
  const done = readContainerLog(path, { follow: true, pollIntervalMs: 50 }, out, ac.signal);
  after(() => ac.abort());
  await waitFor(() => out.text() === "first\n");
  await appendFile(path, formatCriLogLine(at(2), "stdout", "second"));
  await waitFor(() => out.text() === "first\nsecond\n");
  await appendFile(path, formatCriLogLine(at(3), "stdout", "par", true));
  await sleep(100);
  assert.equal(out.text(), "first\nsecond\n"); // an open partial line is held back
  await appendFile(path, formatCriLogLine(at(3), "stdout", "tial"));
  await waitFor(() => out.text().endsWith("partial\n"));
  ac.abort();
  await done;
});

test("follow continues across rotation (rename + new file)", async () => {
  const path = await logFile([formatCriLogLine(at(1), "stdout", "before")]);
  const out = new Collector();
  const ac = new AbortController();
  const done = readContainerLog(path, { follow: true, tailLines: 5, pollIntervalMs: 50 }, out, ac.signal);
  after(() => ac.abort());
  await waitFor(() => out.text() === "before\n");
  await appendFile(path, formatCriLogLine(at(2), "stdout", "late in old file"));
  await rename(path, `${path}.20240101-000000`);
  await sleep(30);
  await writeFile(path, formatCriLogLine(at(3), "stdout", "in new file"));
  await waitFor(() => out.text() === "before\nlate in old file\nin new file\n");
  await appendFile(path, formatCriLogLine(at(4), "stdout", "more"));
  await waitFor(() => out.text().endsWith("in new file\nmore\n"));
  ac.abort();
  await done;
});

test("follow ends by itself once the container stopped and the file is drained", async () => {
  const path = await logFile([formatCriLogLine(at(1), "stdout", "a")]);
  let running = true;
  const out = new Collector();
  const ac = new AbortController();
  after(() => ac.abort());
  const done = readContainerLog(
    path,
    { follow: true, pollIntervalMs: 20, containerRunning: async () => running },
    out,
    ac.signal,
  );
  await waitFor(() => out.text() === "a\n");
  await appendFile(path, formatCriLogLine(at(2), "stdout", "b"));
  running = false;
  await done;
  assert.equal(out.text(), "a\nb\n");
});

test("follow with limitBytes stops when the limit is reached", async () => {
  const path = await logFile([formatCriLogLine(at(1), "stdout", "abc")]);
  const out = new Collector();
  const ac = new AbortController();
  after(() => ac.abort());
  const done = readContainerLog(path, { follow: true, limitBytes: 6, pollIntervalMs: 20 }, out, ac.signal);
  await sleep(50);
  await appendFile(path, formatCriLogLine(at(2), "stdout", "defgh"));
  await done;
  assert.equal(out.text(), "abc\nde");
});

async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(10);
  }
}
