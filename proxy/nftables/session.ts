// A long-lived `nft -i` process for incremental syncs. Spawning nft costs ≈ 4 ms here and closing
// its netlink socket after a deletion another ≈ 6-10 ms, more than the change itself; one kept-open
// session applies a one-element change in ≈ 1-2 ms. Every request is a single input line (commands
// joined by "; " form one atomic transaction), followed by a deliberately failing `list table` whose
// unique name marks where the request's output ends.
import { type ChildProcess, spawn } from "node:child_process";

const MAX_LINE = 256 * 1024;

export class NftSession {
  #child: ChildProcess;
  #out = "";
  #seq = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #onData: (() => void) | null = null;

  /** `argv` runs nft, e.g. ["nft"] or ["ip", "netns", "exec", "ns1", "nft"]. */
  constructor(argv: string[]) {
    this.#child = spawn(argv[0]!, [...argv.slice(1), "-i"], { stdio: ["pipe", "pipe", "pipe"] });
    const collect = (d: Buffer) => {
      this.#out += d.toString();
      this.#onData?.();
    };
    this.#child.stdout!.on("data", collect);
    this.#child.stderr!.on("data", collect);
    this.#child.stdin!.on("error", () => {});
    this.#child.on("exit", () => {
      this.#closed = true;
      this.#onData?.();
    });
  }

  get usable(): boolean {
    return !this.#closed;
  }

  /** True when `script` can go through the session (one line of reasonable size). Semicolons inside
   * braces (set declarations) are fine: nft's grammar keeps them within the block. */
  static fits(script: string): boolean {
    return script.length < MAX_LINE;
  }

  /** Applies `script` (newline-separated nft commands) as one transaction. */
  apply(script: string, timeoutMs = 10_000): Promise<void> {
    const run = this.#queue.then(() => this.#applyNow(script, timeoutMs));
    this.#queue = run.catch(() => {});
    return run;
  }

  #applyNow(script: string, timeoutMs: number): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("nft session is closed"));
    const fence = `nodelet-fence-${process.pid}-${++this.#seq}`;
    const line = script.trim().split("\n").join("; ");
    this.#out = "";
    this.#child.stdin!.write(`${line}\nlist table ip ${fence}\n`);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.close();
        reject(new Error("nft session did not answer"));
      }, timeoutMs);
      this.#onData = () => {
        const at = this.#out.indexOf(fence);
        // The fence's error echoes the command, then a line of carets under the unknown name.
        const done = at >= 0 && /\^+\n/.test(this.#out.slice(at));
        if (!done && !this.#closed) return;
        clearTimeout(timer);
        this.#onData = null;
        if (!done) return reject(new Error(`nft session exited: ${this.#out.trim().slice(0, 2000)}`));
        const before = this.#out.slice(0, this.#out.lastIndexOf("Error:", at));
        if (before.includes("Error:")) reject(new Error(`nft failed: ${before.trim().slice(0, 2000)}`));
        else resolve();
      };
      this.#onData();
    });
  }

  close(): void {
    this.#closed = true;
    this.#child.stdin!.end();
    this.#child.kill();
  }
}
