// The long-lived `nft -i` session: one line = one atomic transaction, errors reported, in a netns.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { NftSession } from "../../../proxy/nftables/session.ts";

describe("NftSession", () => {
  const ns = `nlpsess${process.pid}`;
  const nft = (...args: string[]) =>
    execFileSync("ip", ["netns", "exec", ns, "nft", ...args], { encoding: "utf8" });
  let session: NftSession;

  before(() => {
    execFileSync("ip", ["netns", "add", ns]);
    nft("add table ip t; add set ip t s { type ipv4_addr; }");
    session = new NftSession(["ip", "netns", "exec", ns, "nft"]);
  });
  after(() => {
    session?.close();
    execFileSync("ip", ["netns", "del", ns]);
  });

  it("applies multi-line scripts and reports when they are done", async () => {
    await session.apply("add element ip t s { 10.0.0.1 }\nadd element ip t s { 10.0.0.2 }\n");
    await session.apply("delete element ip t s { 10.0.0.1 }\n");
    assert.match(nft("list", "set", "ip", "t", "s"), /elements = \{ 10\.0\.0\.2 \}/);
  });

  it("rejects a failing script and applies none of it", async () => {
    await assert.rejects(
      session.apply("add element ip t s { 10.0.0.3 }\ndelete element ip t s { 10.9.9.9 }\n"),
      /nft failed/,
    );
    assert.doesNotMatch(nft("list", "set", "ip", "t", "s"), /10\.0\.0\.3/);
    await session.apply("add element ip t s { 10.0.0.4 }\n");
    assert.match(nft("list", "set", "ip", "t", "s"), /10\.0\.0\.4/);
  });
});
