// postStart / preStop hooks, run with the same handlers as probes (kube-lifecycle User-Agent).
import type { LifecycleHandler } from "../api/pod.ts";
import type { Runtime } from "../../cri/runtime.ts";
import { runHandler } from "../../probes/handlers/index.ts";
import type { ContainerProbeTarget, HookRunner } from "./ports.ts";

export function lifecycleHookRunner(runtime: Pick<Runtime, "execSync">): HookRunner {
  return {
    async run(handler: LifecycleHandler, target: ContainerProbeTarget, timeoutMs: number): Promise<void> {
      const result = await runHandler(handler, target, timeoutMs, { runtime, purpose: "lifecycle" });
      if (result.status === "failure" || result.status === "error") throw new Error(result.message);
    },
  };
}
