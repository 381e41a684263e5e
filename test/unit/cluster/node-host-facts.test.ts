import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  loadavgTasks,
  meminfoBytes,
  osReleasePrettyName,
  readHostInfo,
  readMachineCapacity,
  readSignals,
} from "../../../agent/cluster/node/host-facts.ts";

describe("host facts", () => {
  it("reads PRETTY_NAME quoted or not", () => {
    assert.equal(
      osReleasePrettyName(
        'NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n',
      ),
      "Debian GNU/Linux 12 (bookworm)",
    );
    assert.equal(osReleasePrettyName("PRETTY_NAME=Alpine\n"), "Alpine");
    assert.equal(osReleasePrettyName("ID=x\n"), "Linux");
  });

  it("parses meminfo in bytes and the task count from loadavg", () => {
    const meminfo = "MemTotal:        8148084 kB\nMemFree:  100 kB\nMemAvailable:    4000000 kB\n";
    assert.equal(meminfoBytes(meminfo, "MemTotal"), 8148084 * 1024);
    assert.equal(meminfoBytes(meminfo, "MemAvailable"), 4000000 * 1024);
    assert.equal(meminfoBytes(meminfo, "SwapTotal"), undefined);
    assert.equal(loadavgTasks("0.52 0.58 0.59 3/1234 56789"), 1234);
  });

  it("reads this machine's facts", async () => {
    const info = await readHostInfo();
    assert.match(info.bootID, /^[0-9a-f-]{36}$/);
    assert.ok(info.kernelVersion.length > 0 && info.osImage.length > 0);
    const cap = await readMachineCapacity("/nonexistent/nodelet/root");
    assert.ok(cap.milliCPU >= 1000 && cap.memoryBytes > 0 && cap.ephemeralStorageBytes > 0);
    const s = await readSignals("/tmp");
    assert.ok(s.memory && s.memory.availableBytes > 0 && s.memory.availableBytes <= s.memory.capacityBytes);
    assert.ok(s.nodefs && s.nodefs.capacityBytes > 0);
    assert.ok(s.pids && s.pids.running > 0 && s.pids.max > s.pids.running);
  });
});
