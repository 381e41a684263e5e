import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bitString,
  children,
  contextConstructed,
  integer,
  oid,
  printableString,
  readElement,
  sequence,
  setOf,
  utf8String,
} from "../../../../agent/cluster/bootstrap/der.ts";

const hex = (b: Buffer) => b.toString("hex");

test("lengths: short form below 128, long form with the fewest bytes above", () => {
  assert.equal(hex(sequence(Buffer.alloc(127))).slice(0, 4), "307f");
  assert.equal(hex(sequence(Buffer.alloc(128))).slice(0, 6), "308180");
  assert.equal(hex(sequence(Buffer.alloc(256))).slice(0, 8), "30820100");
  assert.equal(hex(sequence(Buffer.alloc(65536))).slice(0, 10), "3083010000");
});

test("INTEGER is minimal and never reads as negative", () => {
  assert.equal(hex(integer(0)), "020100");
  assert.equal(hex(integer(127)), "02017f");
  assert.equal(hex(integer(128)), "02020080");
  assert.equal(hex(integer(256)), "02020100");
  assert.throws(() => integer(-1), RangeError);
});

test("OBJECT IDENTIFIER: first two arcs folded, base-128 groups", () => {
  assert.equal(hex(oid("1.2.840.10045.4.3.2")), "06082a8648ce3d040302");
  assert.equal(hex(oid("2.5.4.3")), "0603550403");
  assert.throws(() => oid("1.40"), /invalid OID/);
  assert.throws(() => oid("1.2.x"), /invalid OID/);
});

test("strings, BIT STRING, SET OF order and context tags", () => {
  assert.equal(hex(printableString("a:b")), "1303613a62");
  assert.throws(() => printableString("a_b"), /PrintableString/);
  assert.equal(hex(utf8String("é")), "0c02c3a9");
  assert.equal(hex(bitString(Buffer.from([0xff]))), "030200ff");
  assert.equal(hex(setOf(Buffer.from("0202", "hex"), Buffer.from("0101", "hex"))), "310401010202");
  assert.equal(hex(contextConstructed(0)), "a000");
});

test("readElement and children find the boundaries back", () => {
  const inner = [integer(5), sequence(Buffer.alloc(200)), contextConstructed(0)];
  const der = sequence(...inner);
  const outer = readElement(der);
  assert.equal(outer.tag, 0x30);
  assert.equal(outer.end, der.length);
  const kids = children(der, outer);
  assert.deepEqual(
    kids.map((k) => der.subarray(k.start, k.end)),
    inner,
  );
  assert.throws(() => readElement(der.subarray(0, der.length - 1)), /past the end/);
  assert.throws(() => readElement(Buffer.from([0x30])), /truncated/);
});
