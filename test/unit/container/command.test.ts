import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Container } from "../../../agent/api/pod.ts";
import { effectiveArgv, resolveCommand } from "../../../agent/container/command.ts";

const image = { entrypoint: ["/docker-entrypoint.sh"], cmd: ["nginx", "-g", "daemon off;"] };

describe("effectiveArgv (runtime merge of command/args with the image)", () => {
  const cases: [string, { command?: string[]; args?: string[] }, string[]][] = [
    ["neither → image entrypoint + cmd", {}, ["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"]],
    ["only command → command, image cmd ignored", { command: ["/bin/sh"] }, ["/bin/sh"]],
    ["only args → image entrypoint + args", { args: ["-v"] }, ["/docker-entrypoint.sh", "-v"]],
    ["both → command + args", { command: ["/bin/sh"], args: ["-c", "true"] }, ["/bin/sh", "-c", "true"]],
    [
      "empty arrays count as unset",
      { command: [], args: [] },
      ["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"],
    ],
  ];
  for (const [name, c, want] of cases) it(name, () => assert.deepEqual(effectiveArgv(c, image), want));
  it("no image info", () => {
    assert.deepEqual(effectiveArgv({ args: ["x"] }, undefined), ["x"]);
    assert.deepEqual(effectiveArgv({}, undefined), []);
  });
  it('entrypoint [""] resets it', () => {
    assert.deepEqual(effectiveArgv({}, { entrypoint: [""], cmd: ["sh"] }), ["sh"]);
  });
});

describe("resolveCommand (what the kubelet sends over CRI)", () => {
  const env = [
    { key: "GREETING", value: "hello" },
    { key: "NAME", value: "world" },
  ];
  it("expands $(VAR) in command and args, leaves image defaults to the runtime", () => {
    const c: Container = {
      name: "c",
      image: "busybox",
      command: ["/bin/echo", "$(GREETING)"],
      args: ["$(NAME)", "$$(NAME)", "$(MISSING)"],
    };
    assert.deepEqual(resolveCommand(c, env), {
      command: ["/bin/echo", "hello"],
      args: ["world", "$(NAME)", "$(MISSING)"],
    });
  });
  it("unset command/args stay empty", () => {
    assert.deepEqual(resolveCommand({ name: "c", image: "x" }, env), { command: [], args: [] });
  });
  it("a later duplicate env entry wins", () => {
    const c: Container = { name: "c", image: "x", args: ["$(A)"] };
    assert.deepEqual(
      resolveCommand(c, [
        { key: "A", value: "1" },
        { key: "A", value: "2" },
      ]).args,
      ["2"],
    );
  });
});
