// Network namespaces for the proxy tests: a "node" namespace that runs the rules, a client and
// three backends, each joined to the node by a veth pair (no bridge, no host interfaces touched).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const CLIENT_NODE_IP = "192.168.100.1";
export const CLIENT_IP = "192.168.100.2";
export const backendIP = (i: number) => `10.244.${i}.2`;
export const BACKENDS = [1, 2, 3];

const here = fileURLToPath(new URL(".", import.meta.url));

export function sh(args: string[], input?: string): string {
  return execFileSync(args[0]!, args.slice(1), { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
}

export class Topology {
  readonly prefix: string;
  readonly namespaces: string[] = [];
  readonly processes: ChildProcess[] = [];

  constructor(tag: string) {
    this.prefix = `nlp${tag}${process.pid % 10000}`;
  }

  ns(role: string): string {
    return `${this.prefix}-${role}`;
  }

  exec(role: string, args: string[], input?: string): string {
    return sh(["ip", "netns", "exec", this.ns(role), ...args], input);
  }

  async create(): Promise<void> {
    for (const role of ["node", "client", ...BACKENDS.map((i) => `b${i}`)]) {
      sh(["ip", "netns", "add", this.ns(role)]);
      this.namespaces.push(this.ns(role));
      this.exec(role, ["ip", "link", "set", "lo", "up"]);
    }
    this.exec("node", ["sysctl", "-qw", "net.ipv4.ip_forward=1"]);
    this.#link("client", "vc", "eth0", `${CLIENT_NODE_IP}/24`, `${CLIENT_IP}/24`);
    this.exec("client", ["ip", "route", "add", "default", "via", CLIENT_NODE_IP]);
    // The node's default route points at the client side, so that traffic to a virtual IP without
    // endpoints is routed (and then rejected by the proxy rules) rather than dropped for no route.
    this.exec("node", ["ip", "route", "add", "default", "via", CLIENT_IP]);
    for (const i of BACKENDS) {
      this.#link(`b${i}`, `vb${i}`, "eth0", `10.244.${i}.1/24`, `${backendIP(i)}/24`);
      this.exec(`b${i}`, ["ip", "route", "add", "default", "via", `10.244.${i}.1`]);
    }
    await Promise.all(BACKENDS.map((i) => this.startEcho(`b${i}`, 8080)));
  }

  #link(role: string, nodeSide: string, peerSide: string, nodeAddr: string, peerAddr: string): void {
    const tmp = `${this.prefix.slice(-6)}${nodeSide}p`;
    this.exec("node", ["ip", "link", "add", nodeSide, "type", "veth", "peer", "name", tmp]);
    this.exec("node", ["ip", "link", "set", tmp, "netns", this.ns(role)]);
    this.exec(role, ["ip", "link", "set", tmp, "name", peerSide]);
    this.exec("node", ["ip", "addr", "add", nodeAddr, "dev", nodeSide]);
    this.exec(role, ["ip", "addr", "add", peerAddr, "dev", peerSide]);
    this.exec("node", ["ip", "link", "set", nodeSide, "up"]);
    this.exec(role, ["ip", "link", "set", peerSide, "up"]);
  }

  startEcho(role: string, port: number): Promise<void> {
    const child = spawn(
      "ip",
      ["netns", "exec", this.ns(role), process.execPath, `${here}echo-server.ts`, role, String(port)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    this.processes.push(child);
    return new Promise((resolve, reject) => {
      child.stdout!.once("data", () => resolve());
      child.once("exit", (code) => reject(new Error(`echo server in ${role} exited with ${code}`)));
    });
  }

  /** Runs the test client in `role`'s namespace and returns its answers. */
  async client(role: string, proto: "tcp" | "udp", host: string, port: number, count: number, src?: number) {
    const args = [
      "netns",
      "exec",
      this.ns(role),
      process.execPath,
      `${here}client.ts`,
      proto,
      host,
      String(port),
    ];
    args.push(String(count), ...(src ? [String(src)] : []));
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn("ip", args, { stdio: ["ignore", "pipe", "inherit"] });
      let buf = "";
      child.stdout!.on("data", (d: Buffer) => {
        buf += d.toString();
      });
      child.on("exit", (code) => (code === 0 ? resolve(buf) : reject(new Error(`client exited ${code}`))));
    });
    return JSON.parse(out) as string[];
  }

  destroy(): void {
    for (const p of this.processes) p.kill("SIGKILL");
    for (const ns of this.namespaces.splice(0)) {
      try {
        sh(["ip", "netns", "del", ns]);
      } catch {
        // already gone
      }
    }
  }
}

/** Counts answers per backend name (the first word of each answer). */
export function countByBackend(answers: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) {
    const k = a.split(" ")[0]!;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
