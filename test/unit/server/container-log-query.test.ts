import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, describe, it } from "node:test";
import { formatCriLogLine } from "../../../agent/logs/cri-log-format.ts";
import { readContainerLog } from "../../../agent/logs/read-container-log.ts";
import {
  LogQueryError,
  logReadOptions,
  parseContainerLogQuery,
} from "../../../agent/server/container-log-query.ts";

const parse = (query: string) => parseContainerLogQuery(new URLSearchParams(query));

function rejects(query: string, status: 400 | 422, message: RegExp): void {
  assert.throws(
    () => parse(query),
    (err: unknown) => err instanceof LogQueryError && err.httpStatus === status && message.test(err.message),
    query,
  );
}

describe("parseContainerLogQuery", () => {
  it("defaults to everything, from both streams, without timestamps", () => {
    assert.deepEqual(parse(""), { follow: false, previous: false, timestamps: false, stream: "All" });
  });

  it("reads booleans as the API does: present and not 0/false is true", () => {
    assert.deepEqual(parse("follow=true&previous=1&timestamps"), {
      follow: true,
      previous: true,
      timestamps: true,
      stream: "All",
    });
    const q = parse("follow=false&previous=0&timestamps=FALSE");
    assert.equal(q.follow || q.previous || q.timestamps, false);
  });

  it("reads the numbers and sinceTime", () => {
    const q = parse("tailLines=10&limitBytes=500&sinceTime=2024-01-02T03:04:05Z&stream=All");
    assert.equal(q.tailLines, 10);
    assert.equal(q.limitBytes, 500);
    assert.equal(q.sinceTimeMs, Date.UTC(2024, 0, 2, 3, 4, 5));
    assert.equal(parse("sinceSeconds=60").sinceSeconds, 60);
    assert.equal(
      parse("sinceTime=2024-01-02T03:04:05.250%2B01:00").sinceTimeMs,
      Date.UTC(2024, 0, 2, 2, 4, 5, 250),
    );
  });

  it("takes the old `tail` parameter, where all means no limit", () => {
    assert.equal(parse("tail=3").tailLines, 3);
    assert.equal(parse("tail=all&tailLines=3").tailLines, undefined);
    assert.equal(parse("tail=&tailLines=4").tailLines, 4);
  });

  it("answers 400 for values that do not decode", () => {
    rejects("tailLines=ten", 400, /tailLines: "ten" is not an integer/);
    rejects("limitBytes=1.5", 400, /limitBytes/);
    rejects("sinceSeconds=", 400, /sinceSeconds/);
    rejects("sinceTime=yesterday", 400, /sinceTime: "yesterday" is not an RFC 3339 time/);
  });

  it("answers 422 for values that decode but are not allowed, naming each", () => {
    rejects("tailLines=-1", 422, /tailLines: Invalid value: -1: must be greater than or equal to 0/);
    rejects("limitBytes=0", 422, /limitBytes: Invalid value: 0: must be greater than 0/);
    rejects("sinceSeconds=0", 422, /sinceSeconds: Invalid value: 0/);
    rejects(
      "sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z",
      422,
      /at most one of `sinceTime` or `sinceSeconds`/,
    );
    rejects("stream=both", 422, /stream: Unsupported value: "both"/);
    rejects("stream=Stdout&tailLines=2", 422, /`tailLines` and specific `stream` are mutually exclusive/);
    rejects("tailLines=-1&limitBytes=0", 422, /tailLines.*, limitBytes/);
  });
});

describe("logReadOptions", () => {
  it("turns sinceSeconds into a time counted back from now", () => {
    const o = logReadOptions(parse("sinceSeconds=30&timestamps=true"), 1_000_000);
    assert.deepEqual(o, { follow: false, timestamps: true, stream: "all", sinceTime: new Date(970_000) });
  });

  it("passes tail, limit, sinceTime and the stream through", () => {
    const o = logReadOptions(parse("limitBytes=9&stream=Stderr&sinceTime=2024-01-01T00:00:00Z"), 0);
    assert.deepEqual(o, {
      follow: false,
      timestamps: false,
      stream: "stderr",
      limitBytes: 9,
      sinceTime: new Date(Date.UTC(2024, 0, 1)),
    });
    assert.equal(logReadOptions(parse("tailLines=0"), 0).tailLines, 0);
  });
});

describe("a query applied to a CRI log", () => {
  const t0 = Date.UTC(2024, 0, 1);
  const at = (s: number) => new Date(t0 + s * 1000);
  let dir: string;
  after(() => rm(dir, { recursive: true, force: true }));

  async function read(query: string, nowMs = t0 + 100_000): Promise<string> {
    dir ??= await mkdtemp(join(tmpdir(), "nodelet-logquery-"));
    const path = join(dir, "0.log");
    await writeFile(
      path,
      [
        formatCriLogLine(at(1), "stdout", "one"),
        formatCriLogLine(at(2), "stderr", "two"),
        formatCriLogLine(at(3), "stdout", "thr", true),
        formatCriLogLine(at(3), "stdout", "ee"),
        formatCriLogLine(at(4), "stdout", "four"),
      ].join(""),
    );
    const chunks: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    await readContainerLog(path, logReadOptions(parse(query), nowMs), out);
    return Buffer.concat(chunks).toString();
  }

  it("prints the messages only, partial lines joined", async () => {
    assert.equal(await read(""), "one\ntwo\nthree\nfour\n");
  });

  it("tailLines counts joined lines; limitBytes cuts the output, timestamps included", async () => {
    assert.equal(await read("tailLines=2"), "three\nfour\n");
    assert.equal(await read("tailLines=0"), "");
    assert.equal(await read("limitBytes=6"), "one\ntw");
    assert.equal(await read("tailLines=1&timestamps=true"), `${at(4).toISOString()} four\n`);
    assert.equal(await read("tailLines=1&timestamps=true&limitBytes=10"), at(4).toISOString().slice(0, 10));
  });

  it("since and stream filter lines", async () => {
    assert.equal(await read("sinceTime=2024-01-01T00:00:03Z"), "three\nfour\n");
    assert.equal(await read("sinceSeconds=2", t0 + 4_000), "two\nthree\nfour\n");
    assert.equal(await read("stream=Stderr"), "two\n");
    assert.equal(await read("stream=Stdout"), "one\nthree\nfour\n");
  });
});
