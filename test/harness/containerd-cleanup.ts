// Tearing down an isolated containerd instance completely, from its saved state alone.
// Synchronous on purpose: it also runs from a process 'exit' handler and from the CLI.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { cgroupSubtreePids, removeCgroupSubtree } from "./cgroups.ts";
import { containerdLayout } from "./containerd-config.ts";
import { unmountAllUnder } from "./mounts.ts";
import { deleteNetns, netnsInode } from "./netns.ts";
import { killAndWait, listProcesses, withDescendants } from "./processes.ts";

/** What is saved in <dir>/handle.json: enough to clean up from another process. */
export interface InstanceState {
  dir: string;
  netns: string;
  cgroupRoot: string;
  socketPath: string;
  endpoint: string;
  /** containerd's pid once spawned. */
  pid?: number;
  /** The process whose exit removes the instance; absent when it outlives its starter (CLI). */
  ownerPid?: number;
}

/** containerd 1.6 puts every shim's socket in /run/containerd/s, whatever its own state dir. */
const SHIM_SOCKET_DIR = "/run/containerd/s";

export function readInstanceState(dir: string): InstanceState | undefined {
  const path = containerdLayout(dir).statePath;
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, "utf8")) as InstanceState;
}

/** True for `containerd-shim-runc-v2 -namespace NS -id ID -address <socketPath> ...`. */
export function shimOf(
  argv: readonly string[],
  socketPath: string,
): { namespace: string; id: string } | undefined {
  if (!argv[0]?.includes("containerd-shim")) return undefined;
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (flag("-address") !== socketPath) return undefined;
  const namespace = flag("-namespace");
  const id = flag("-id");
  return namespace && id ? { namespace, id } : undefined;
}

/** Path of the socket a shim of this containerd listens on (containerd 1.6 naming). */
export function shimSocketPath(socketPath: string, namespace: string, id: string): string {
  const digest = createHash("sha256")
    .update(join(socketPath, namespace, id))
    .digest("hex");
  return join(SHIM_SOCKET_DIR, digest);
}

/** (namespace, id) of every task bundle under the state dir. */
function taskBundles(stateDir: string): { namespace: string; id: string }[] {
  const base = join(stateDir, "io.containerd.runtime.v2.task");
  const out: { namespace: string; id: string }[] = [];
  const list = (d: string): string[] => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  };
  for (const namespace of list(base))
    for (const id of list(join(base, namespace))) out.push({ namespace, id });
  return out;
}

/**
 * Kills the container processes first, while their shims (child subreapers) are still there
 * to reap them at once, then the shims and containerd. Orphans would instead wait for the
 * machine's PID 1 to reap them — about a second here — and a pod's pause process (init of a
 * shared PID namespace) does not finish exiting before every member of it has been reaped.
 */
function killInstanceProcesses(state: InstanceState, configPath: string): string[] {
  const ino = netnsInode(state.netns);
  for (let round = 0; round < 3; round++) {
    const procs = listProcesses();
    const roots = new Set<number>(cgroupSubtreePids(state.cgroupRoot));
    const infrastructure = new Set<number>();
    for (const p of procs) {
      const isOurContainerd = p.pid === state.pid && p.argv.includes(configPath);
      const isOurShim = shimOf(p.argv, state.socketPath) !== undefined;
      if (isOurContainerd || isOurShim) infrastructure.add(p.pid);
      if (isOurContainerd || isOurShim || (ino !== undefined && p.netnsInode === ino)) roots.add(p.pid);
    }
    const victims = withDescendants(procs, roots);
    victims.delete(process.pid);
    if (victims.size === 0) return [];
    const workloads = [...victims].filter((pid) => !infrastructure.has(pid));
    killAndWait(workloads, 3000);
    const alive = killAndWait(victims);
    if (alive.length > 0 && round === 2) return [`processes still alive: ${alive.join(" ")}`];
  }
  return [];
}

/**
 * Removes every trace of the instance: its processes (containerd, shims, containers, anything
 * in its network namespace or cgroup root), shim sockets, mounts below its dir, the network
 * namespace, the cgroup subtree in every hierarchy, and the dir. Idempotent. Returns the
 * problems it could not fix (empty = clean).
 */
export function cleanupInstance(state: InstanceState): string[] {
  const layout = containerdLayout(state.dir);
  const problems: string[] = [];
  const attempt = (what: string, fn: () => string[] | undefined): void => {
    try {
      for (const p of fn() ?? []) problems.push(`${what}: ${p}`);
    } catch (err) {
      problems.push(`${what}: ${(err as Error).message}`);
    }
  };

  attempt("kill", () => killInstanceProcesses(state, layout.configPath));

  const bundles = taskBundles(layout.state);
  attempt("shim sockets", () => {
    for (const b of bundles) {
      const sock = shimSocketPath(state.socketPath, b.namespace, b.id);
      if (existsSync(sock)) unlinkSync(sock);
    }
    return [];
  });

  let stillMounted: string[] = [];
  attempt("umount", () => {
    stillMounted = unmountAllUnder(state.dir);
    return stillMounted.map((m) => `still mounted: ${m}`);
  });

  attempt("netns", () => {
    deleteNetns(state.netns);
    return [];
  });

  attempt("cgroups", () => {
    const failed = removeCgroupSubtree(state.cgroupRoot);
    // Containers created without a cgroup parent land in /<namespace>/<id>.
    for (const b of bundles) failed.push(...removeCgroupSubtree(`/${b.namespace}/${b.id}`, 500));
    return failed;
  });

  // Never rm -rf through a mount point: it could reach into a bind-mounted host directory.
  if (stillMounted.length === 0) {
    attempt("rm", () => {
      rmSync(state.dir, { recursive: true, force: true });
      return [];
    });
  }
  return problems;
}
