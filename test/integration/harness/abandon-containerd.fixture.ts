// Child process for containerd.test.ts: starts an instance, prints it, and never calls stop().
// argv[2] = "exit": exits at once; "wait": waits to be killed by a signal.
import { startContainerd } from "../../harness/containerd.ts";

const handle = await startContainerd();
const { stop: _stop, ...printable } = handle;
process.stdout.write(JSON.stringify(printable) + "\n");
if (process.argv[2] === "wait") setInterval(() => {}, 1000);
