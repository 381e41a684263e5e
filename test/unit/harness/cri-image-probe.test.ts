import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeImageStatusRequest, responseHasImage } from "../../harness/cri-image-probe.ts";

test("ImageStatusRequest is ImageSpec{image} nested in field 1", () => {
  const ref = "busybox";
  const expected = Buffer.from([0x0a, ref.length + 2, 0x0a, ref.length, ...Buffer.from(ref)]);
  assert.deepEqual(encodeImageStatusRequest(ref), expected);
});

test("a response has an image only when field 1 is present", () => {
  assert.equal(responseHasImage(Buffer.alloc(0)), false);
  // info map entry (field 2) only
  assert.equal(responseHasImage(Buffer.from([0x12, 0x02, 0x0a, 0x00])), false);
  assert.equal(responseHasImage(Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x78])), true);
  assert.equal(responseHasImage(Buffer.from([0x12, 0x00, 0x0a, 0x00])), true);
});
