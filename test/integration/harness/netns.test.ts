import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { test } from "node:test";
import {
  createNetns,
  deleteNetns,
  execInNetns,
  httpGetInNetns,
  netnsExists,
  spawnInNetns,
} from "../../harness/netns.ts";

test("runs programs and HTTP requests inside a network namespace", async () => {
  const ns = `nltest-${randomBytes(3).toString("hex")}`;
  createNetns(ns);
  const server = spawnInNetns(ns, ["busybox", "httpd", "-f", "-p", "127.0.0.1:8099", "-h", "/etc"], {
    stdio: "ignore",
  });
  try {
    const links = await execInNetns(ns, ["ip", "-o", "link"]);
    assert.equal(links.code, 0);
    assert.deepEqual(
      links.stdout
        .trim()
        .split("\n")
        .map((l) => l.split(": ")[1]),
      ["lo"],
      "a fresh namespace has only lo",
    );
    assert.equal((await execInNetns(ns, ["sh", "-c", "echo out; echo err >&2; exit 3"])).code, 3);
    assert.deepEqual(await execInNetns(ns, ["sh", "-c", "echo out; echo err >&2"]), {
      code: 0,
      stdout: "out\n",
      stderr: "err\n",
    });

    let res: { status: number; body: string } | undefined;
    for (let i = 0; i < 50 && !res; i++) {
      res = await httpGetInNetns(ns, "http://127.0.0.1:8099/hostname").catch(() => undefined);
      if (!res) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(res?.status, 200);
    assert.equal((await httpGetInNetns(ns, "http://127.0.0.1:8099/no-such-file")).status, 404);
    // The host namespace does not see the server.
    await assert.rejects(
      fetch("http://127.0.0.1:8099/hostname", { signal: AbortSignal.timeout(2000) }),
      "server must not be reachable from the host namespace",
    );
  } finally {
    server.kill("SIGKILL");
    if (server.exitCode === null && server.signalCode === null) await once(server, "exit");
    deleteNetns(ns);
  }
  assert.equal(netnsExists(ns), false);
});
