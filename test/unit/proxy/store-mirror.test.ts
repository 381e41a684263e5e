import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StoreMirror } from "../../../proxy/store-mirror.ts";

interface Obj {
  metadata: { namespace: string; name: string; resourceVersion: string };
}

const obj = (name: string, rv: string): Obj => ({ metadata: { namespace: "ns", name, resourceVersion: rv } });

function recorder() {
  const calls: string[] = [];
  const mirror = new StoreMirror<Obj>({
    upsert: (o) => calls.push(`+${o.metadata.name}@${o.metadata.resourceVersion}`),
    remove: (ns, name) => calls.push(`-${ns}/${name}`),
  });
  return { calls, mirror };
}

describe("StoreMirror", () => {
  it("passes each version on once and removes what a re-list no longer holds", () => {
    const { calls, mirror } = recorder();
    mirror.sync([obj("a", "1"), obj("b", "2")]);
    assert.deepEqual(calls, ["+a@1", "+b@2"]);
    calls.length = 0;
    mirror.upsert(obj("a", "3"));
    mirror.upsert(obj("a", "3"));
    assert.deepEqual(calls, ["+a@3"]);
    calls.length = 0;
    // Re-list after a watch expiry: b vanished meanwhile, c appeared, a unchanged.
    mirror.sync([obj("a", "3"), obj("c", "5")]);
    assert.deepEqual(calls, ["+c@5", "-ns/b"]);
  });

  it("removes only what it passed on", () => {
    const { calls, mirror } = recorder();
    mirror.remove(obj("ghost", "1"));
    mirror.upsert(obj("a", "1"));
    mirror.remove(obj("a", "2"));
    mirror.remove(obj("a", "2"));
    assert.deepEqual(calls, ["+a@1", "-ns/a"]);
  });
});
