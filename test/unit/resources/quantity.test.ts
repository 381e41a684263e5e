import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatQuantity, parseQuantity, QuantityError } from "../../../agent/resources/quantity.ts";

describe("parseQuantity", () => {
  const cases: [string | number, bigint, bigint][] = [
    // input, value(), milliValue()
    ["100m", 1n, 100n],
    ["0.1", 1n, 100n],
    ["1", 1n, 1000n],
    ["128974848", 128974848n, 128974848000n],
    ["129e6", 129000000n, 129000000000n],
    ["129M", 129000000n, 129000000000n],
    ["123Mi", 128974848n, 128974848000n],
    ["1Gi", 1073741824n, 1073741824000n],
    ["1.5Gi", 1610612736n, 1610612736000n],
    ["1E", 10n ** 18n, 10n ** 21n],
    ["1Ei", 2n ** 60n, 2n ** 60n * 1000n],
    ["5n", 1n, 1n],
    ["+1", 1n, 1000n],
    ["-1", -1n, -1000n],
    ["-100m", -1n, -100n],
    ["1500m", 2n, 1500n],
    ["0.5", 1n, 500n],
    ["1.", 1n, 1000n],
    [".5", 1n, 500n],
    ["0", 0n, 0n],
    ["000", 0n, 0n],
    ["1k", 1000n, 1000000n],
    ["1Ki", 1024n, 1024000n],
    ["0.1Ki", 103n, 102400n],
    ["1e3", 1000n, 1000000n],
    ["1E3", 1000n, 1000000n],
    ["1e-3", 1n, 1n],
    ["1e+3", 1000n, 1000000n],
    ["1u", 1n, 1n],
    ["2", 2n, 2000n],
    [2, 2n, 2000n],
    [0.25, 1n, 250n],
    [1e21, 10n ** 21n, 10n ** 24n],
  ];
  for (const [input, value, milli] of cases) {
    it(`${JSON.stringify(input)} → value ${value}, milli ${milli}`, () => {
      const q = parseQuantity(input);
      assert.equal(q.valueBig(), value);
      assert.equal(q.milliValueBig(), milli);
    });
  }

  it("number accessors are exact within 2^53", () => {
    assert.equal(parseQuantity("123Mi").value(), 128974848);
    assert.equal(parseQuantity("250m").milliValue(), 250);
  });

  it("rounds anything finer than a nano-unit up to 1n", () => {
    assert.equal(formatQuantity(parseQuantity("0.1n")), "1n");
    assert.equal(formatQuantity(parseQuantity("1e-12")), "1e-9");
  });

  const formatErr = /quantities must match the regular expression/;
  const bad: [string, RegExp][] = [
    ["", formatErr],
    ["1.2.3", formatErr],
    ["abc", formatErr],
    ["12Mb", formatErr],
    ["1 Gi", formatErr],
    ["--1", formatErr],
    ["Gi", formatErr],
    ["1K", /unable to parse quantity's suffix/],
    ["1e", /unable to parse quantity's suffix/],
    ["1iK", /unable to parse quantity's suffix/],
    ["1MiB", formatErr],
    ["1e99999", /exponent out of range/],
  ];
  for (const [input, re] of bad) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => parseQuantity(input),
        (e: unknown) => e instanceof QuantityError && re.test(e.message),
      );
    });
  }
  it("rejects non-finite numbers", () => {
    assert.throws(() => parseQuantity(Number.NaN), QuantityError);
    assert.throws(() => parseQuantity(Number.POSITIVE_INFINITY), QuantityError);
  });
});

describe("Quantity comparison and arithmetic", () => {
  it("compares across formats", () => {
    assert.equal(parseQuantity("1Gi").cmp(parseQuantity("1073741824")), 0);
    assert.equal(parseQuantity("1").cmp(parseQuantity("1000m")), 0);
    assert.equal(parseQuantity("999m").cmp(parseQuantity("1")), -1);
    assert.equal(parseQuantity("1G").cmp(parseQuantity("1Gi")), -1);
  });
  it("adds exactly", () => {
    assert.equal(formatQuantity(parseQuantity("100m").add(parseQuantity("0.9"))), "1");
    assert.equal(parseQuantity("1Gi").add(parseQuantity("512Mi")).value(), 1610612736);
  });
});

describe("formatQuantity (upstream canonical form)", () => {
  const cases: [string, string][] = [
    ["100m", "100m"],
    ["0.1", "100m"],
    ["1", "1"],
    ["1000m", "1"],
    ["1500m", "1500m"],
    ["128974848", "128974848"],
    ["129e6", "129e6"],
    ["129M", "129M"],
    ["123Mi", "123Mi"],
    ["1.5Gi", "1536Mi"],
    ["1024", "1024"],
    ["1Ki", "1Ki"],
    ["0.5Ki", "512"],
    ["1000Ki", "1000Ki"],
    ["1024Ki", "1Mi"],
    ["1E", "1E"],
    ["1000E", "1000E"],
    ["5n", "5n"],
    ["+1", "1"],
    ["-1", "-1"],
    ["0", "0"],
    ["0Gi", "0"],
    ["1000", "1k"],
    ["1e3", "1e3"],
    ["12e-1", "1200e-3"],
  ];
  for (const [input, want] of cases) {
    it(`${input} → ${want}`, () => assert.equal(formatQuantity(parseQuantity(input)), want));
  }
});
