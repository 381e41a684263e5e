// Shell access to the same harness the tests use:
//   node test/harness/containerd-cli.ts start [--dir D] [--netns N]
//       starts an isolated containerd that outlives this command and prints one JSON line:
//       {"endpoint","socketPath","dir","netns","cgroupRoot","logPath","pid","startupMs"}
//   node test/harness/containerd-cli.ts stop --dir D
//       removes everything that instance created (idempotent).
//   node test/harness/containerd-cli.ts sweep
//       removes test instances whose owning process died without cleaning up.
import { parseArgs } from "node:util";
import { startContainerd, stopContainerdAt, sweepAbandonedInstances } from "./containerd.ts";

const USAGE = "usage: containerd-cli.ts start [--dir D] [--netns N] | stop --dir D | sweep";

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { dir: { type: "string" }, netns: { type: "string" } },
  });
  const command = positionals[0];
  if (command === "start") {
    const handle = await startContainerd({
      outliveProcess: true,
      ...(values.dir ? { dir: values.dir } : {}),
      ...(values.netns ? { netns: values.netns } : {}),
    });
    const { stop: _stop, ...printable } = handle;
    process.stdout.write(JSON.stringify(printable) + "\n");
    return 0;
  }
  if (command === "stop" && values.dir) {
    stopContainerdAt(values.dir);
    return 0;
  }
  if (command === "sweep") {
    for (const dir of sweepAbandonedInstances()) process.stdout.write(`removed ${dir}\n`);
    return 0;
  }
  process.stderr.write(USAGE + "\n");
  return 2;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  },
);
