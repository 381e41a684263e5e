import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { rotatedLogs, rotateIfNeeded, rotationSuffix } from "../../../agent/logs/rotate.ts";

const tmp = await mkdtemp(join(tmpdir(), "nodelet-rotate-"));
after(() => rm(tmp, { recursive: true, force: true }));

test("suffix format", () => {
  assert.equal(rotationSuffix(new Date(Date.UTC(2024, 1, 3, 4, 5, 6))), "20240203-040506");
});

test("rotates at maxBytes, asks the runtime to reopen, keeps maxFiles", async () => {
  const path = join(tmp, "0.log");
  let reopened = 0;
  let clock = Date.UTC(2024, 0, 1);
  const opts = {
    maxBytes: 10,
    maxFiles: 3,
    now: () => {
      clock += 1000;
      return new Date(clock);
    },
    reopen: async () => {
      reopened++;
      await writeFile(path, ""); // what the runtime does: a new file at the same path
    },
  };
  await writeFile(path, "small");
  assert.equal(await rotateIfNeeded(path, opts), false);
  assert.equal(await rotateIfNeeded(join(tmp, "missing.log"), opts), false);
  for (let i = 0; i < 4; i++) {
    await writeFile(path, `generation ${i}`);
    assert.equal(await rotateIfNeeded(path, opts), true);
  }
  assert.equal(reopened, 4);
  const rotated = await rotatedLogs(path);
  assert.equal(rotated.length, 2); // + the live file = 3
  assert.equal(await readFile(rotated[0]!, "utf8"), "generation 2");
  assert.equal(await readFile(rotated[1]!, "utf8"), "generation 3");
  assert.equal(await readFile(path, "utf8"), "");
});

test("same-second rotations do not overwrite; failed reopen puts the file back", async () => {
  const path = join(tmp, "1.log");
  const fixed = () => new Date(Date.UTC(2024, 0, 1));
  const reopen = async () => writeFile(path, "");
  await writeFile(path, "aaaaaaaaaaaa");
  await rotateIfNeeded(path, { maxBytes: 1, reopen, now: fixed });
  await writeFile(path, "bbbbbbbbbbbb");
  await rotateIfNeeded(path, { maxBytes: 1, reopen, now: fixed });
  assert.deepEqual(
    (await rotatedLogs(path)).map((p) => p.slice(tmp.length + 1)),
    ["1.log.20240101-000000", "1.log.20240101-000000.1"],
  );
  await writeFile(path, "cccccccccccc");
  await assert.rejects(
    rotateIfNeeded(path, {
      maxBytes: 1,
      now: fixed,
      reopen: async () => {
        throw new Error("container not running");
      },
    }),
    /container not running/,
  );
  assert.equal(await readFile(path, "utf8"), "cccccccccccc");
  assert.equal((await readdir(tmp)).filter((f) => f.startsWith("1.log")).length, 3);
});
