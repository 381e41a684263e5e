// Shell access to the control-plane harness the tests use:
//   node test/harness/control-plane-cli.ts start [--dir D]
//       starts etcd + kube-apiserver that outlive this command and prints one JSON line:
//       {"apiServerURL","adminKubeconfig","caFile","etcdURL","dir","binaries","startupMs"}
//   node test/harness/control-plane-cli.ts node-kubeconfig --dir D --node NAME
//       prints the path of a kubeconfig for system:node:NAME (made on first use)
//   node test/harness/control-plane-cli.ts stop --dir D
//       kills both processes and removes D and the etcd data (idempotent).
//   node test/harness/control-plane-cli.ts sweep
//       removes test instances whose owning process died without cleaning up.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { execFileSync } from "node:child_process";
import { startControlPlane, stopControlPlaneAt, sweepAbandonedControlPlanes } from "./control-plane.ts";

const USAGE =
  "usage: control-plane-cli.ts start [--dir D] | node-kubeconfig --dir D --node NAME | stop --dir D | sweep";

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { dir: { type: "string" }, node: { type: "string" } },
  });
  const command = positionals[0];
  if (command === "start") {
    const handle = await startControlPlane({
      outliveProcess: true,
      ...(values.dir ? { dir: values.dir } : {}),
    });
    const { stop: _s, kubectl: _k, nodeKubeconfig: _n, prepareNamespace: _p, ...printable } = handle;
    process.stdout.write(JSON.stringify(printable) + "\n");
    return 0;
  }
  if (command === "node-kubeconfig" && values.dir && values.node) {
    const path = join(values.dir, `node-${values.node}.kubeconfig`);
    if (!existsSync(path)) {
      const state = JSON.parse(readFileSync(join(values.dir, "handle.json"), "utf8")) as {
        apiServerURL: string;
      };
      const script = new URL("../setup/control-plane.sh", import.meta.url).pathname;
      execFileSync("bash", [script, "node-cert", values.dir, values.node, state.apiServerURL], {
        stdio: ["ignore", "ignore", "inherit"],
      });
    }
    process.stdout.write(path + "\n");
    return 0;
  }
  if (command === "stop" && values.dir) {
    stopControlPlaneAt(values.dir);
    return 0;
  }
  if (command === "sweep") {
    for (const dir of sweepAbandonedControlPlanes()) process.stdout.write(`removed ${dir}\n`);
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
