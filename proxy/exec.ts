// Runs kernel tools (nft, iptables-restore, conntrack, …), optionally inside a named network
// namespace (`ip netns exec`), feeding a script on stdin.
import { spawn } from "node:child_process";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandRunner {
  run(argv: string[], input?: string): Promise<CommandResult>;
}

export class ExecRunner implements CommandRunner {
  readonly netns: string | undefined;

  constructor(netns?: string) {
    this.netns = netns;
  }

  /** `argv` as actually executed (with the namespace prefix). */
  argv(argv: string[]): string[] {
    return this.netns ? ["ip", "netns", "exec", this.netns, ...argv] : argv;
  }

  run(argv: string[], input?: string): Promise<CommandResult> {
    const full = this.argv(argv);
    return new Promise((resolve, reject) => {
      const child = spawn(full[0]!, full.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (d: Buffer) => out.push(d));
      child.stderr.on("data", (d: Buffer) => err.push(d));
      child.on("error", reject);
      child.on("close", (code) =>
        resolve({
          code: code ?? -1,
          stdout: Buffer.concat(out).toString(),
          stderr: Buffer.concat(err).toString(),
        }),
      );
      child.stdin.on("error", () => {});
      child.stdin.end(input ?? "");
    });
  }
}

/** Runs `argv` and throws with its stderr when it exits non-zero. */
export async function mustRun(runner: CommandRunner, argv: string[], input?: string): Promise<string> {
  const r = await runner.run(argv, input);
  if (r.code !== 0)
    throw new Error(`${argv.join(" ")} failed (exit ${r.code}): ${r.stderr.trim().slice(0, 2000)}`);
  return r.stdout;
}
