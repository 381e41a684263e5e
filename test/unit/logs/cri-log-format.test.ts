import assert from "node:assert/strict";
import { test } from "node:test";
import {
  endsLine,
  formatCriLogLine,
  PartialLineJoiner,
  parseCriLogLine,
  parseCriLogRecord,
  parseRfc3339Ms,
} from "../../../agent/logs/cri-log-format.ts";

test("full and partial records", () => {
  const r = parseCriLogLine("2016-10-06T00:17:09.669794202Z stdout F hello world\n");
  assert.deepEqual(r, {
    timestamp: "2016-10-06T00:17:09.669794202Z",
    timeMs: Date.UTC(2016, 9, 6, 0, 17, 9, 669),
    stream: "stdout",
    partial: false,
    message: "hello world",
  });
  const p = parseCriLogLine("2016-10-06T00:17:09.669794203Z stderr P part one");
  assert.equal(p.partial, true);
  assert.equal(p.stream, "stderr");
  assert.equal(p.message, "part one");
});

test("message keeps inner and trailing spaces; empty messages", () => {
  assert.equal(parseCriLogLine("2024-01-01T00:00:00Z stdout F  two  spaces ").message, " two  spaces ");
  assert.equal(parseCriLogLine("2024-01-01T00:00:00Z stdout F \n").message, "");
  assert.equal(parseCriLogLine("2024-01-01T00:00:00Z stdout F").message, "");
});

test("extra tags after ':' are ignored (forward compatible)", () => {
  assert.equal(parseCriLogLine("2024-01-01T00:00:00Z stdout P:x:y msg").partial, true);
  assert.equal(parseCriLogLine("2024-01-01T00:00:00Z stdout F:z msg").partial, false);
});

test("timezone offsets and precision", () => {
  assert.equal(parseRfc3339Ms("2024-01-01T02:00:00.5+02:00"), Date.UTC(2024, 0, 1, 0, 0, 0, 500));
  assert.equal(parseRfc3339Ms("2024-01-01T00:00:00.123999999Z"), Date.UTC(2024, 0, 1, 0, 0, 0, 123));
  assert.ok(Number.isNaN(parseRfc3339Ms("yesterday")));
});

test("malformed records are rejected with the reason", () => {
  assert.throws(() => parseCriLogLine("nospace"), /timestamp is not found/);
  assert.throws(() => parseCriLogLine("2024-13-01 stdout F x"), /timestamp format/);
  assert.throws(() => parseCriLogLine("2024-01-01T00:00:00Z stdin F x"), /stream type "stdin"/);
  assert.throws(() => parseCriLogLine("2024-01-01T00:00:00Z stdout"), /stream type is not found/);
  assert.throws(() => parseCriLogLine("2024-01-01T00:00:00Z stdout X msg"), /log tag "X"/);
});

test("binary messages pass through untouched", () => {
  const bytes = Buffer.concat([
    Buffer.from("2024-01-01T00:00:00Z stdout F "),
    Buffer.from([0xff, 0xfe, 0x00, 0x41]),
  ]);
  assert.deepEqual([...parseCriLogRecord(bytes).message], [0xff, 0xfe, 0x00, 0x41]);
});

test("partial records are joined per stream until F", () => {
  const j = new PartialLineJoiner();
  const rec = (l: string) => parseCriLogRecord(Buffer.from(l));
  assert.equal(j.push(rec("2024-01-01T00:00:01Z stdout P ab")), undefined);
  assert.equal(j.push(rec("2024-01-01T00:00:02Z stderr P xy")), undefined);
  const err = j.push(rec("2024-01-01T00:00:03Z stderr F z"));
  assert.equal(err?.message.toString(), "xyz");
  assert.equal(err?.timestamp, "2024-01-01T00:00:02Z");
  assert.equal(j.push(rec("2024-01-01T00:00:04Z stdout P cd")), undefined);
  const out = j.push(rec("2024-01-01T00:00:05Z stdout F ef"));
  assert.equal(out?.message.toString(), "abcdef");
  assert.equal(out?.timestamp, "2024-01-01T00:00:01Z");
  assert.equal(out?.stream, "stdout");
  j.push(rec("2024-01-01T00:00:06Z stdout P open"));
  assert.deepEqual(
    j.flush().map((l) => l.message.toString()),
    ["open"],
  );
  assert.deepEqual(j.flush(), []);
});

test("formatCriLogLine round-trips and endsLine reads the tag of a truncated header", () => {
  const line = formatCriLogLine(new Date(Date.UTC(2024, 0, 1)), "stderr", "boom", true);
  assert.equal(line, "2024-01-01T00:00:00.000Z stderr P boom\n");
  assert.equal(parseCriLogLine(line).partial, true);
  assert.equal(endsLine(Buffer.from(line)), false);
  assert.equal(endsLine(Buffer.from("2024-01-01T00:00:00.000Z stdout F a very long mess")), true);
  assert.equal(endsLine(Buffer.from("garbage")), true);
});
