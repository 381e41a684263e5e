// Test client run inside a network namespace: makes COUNT TCP connections (or UDP exchanges) to
// HOST:PORT and prints one JSON array of answers ("<backend> <seen-source>") or error codes.
// Usage: node client.ts tcp|udp HOST PORT COUNT [SOURCE_PORT]
import { createSocket } from "node:dgram";
import { connect } from "node:net";

const [proto, host = "", portText = "0", countText = "1", srcPortText] = process.argv.slice(2);
const port = Number(portText);

function tcpOnce(): Promise<string> {
  return new Promise((resolve) => {
    const start = Date.now();
    const sock = connect({ host, port, timeout: 3000 });
    let buf = "";
    sock.on("data", (d) => {
      buf += d.toString();
      if (buf.includes("\n")) {
        sock.destroy();
        resolve(buf.trim());
      }
    });
    sock.on("timeout", () => {
      sock.destroy();
      resolve(`TIMEOUT after ${Date.now() - start}ms`);
    });
    sock.on("error", (e: NodeJS.ErrnoException) => resolve(`${e.code} after ${Date.now() - start}ms`));
  });
}

function udpOnce(): Promise<string> {
  return new Promise((resolve) => {
    const sock = createSocket({ type: "udp4", reuseAddr: true });
    const timer = setTimeout(() => {
      sock.close();
      resolve("TIMEOUT");
    }, 1500);
    sock.on("message", (m) => {
      clearTimeout(timer);
      sock.close();
      resolve(m.toString());
    });
    sock.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      sock.close();
      resolve(e.code ?? "ERROR");
    });
    sock.bind(srcPortText ? Number(srcPortText) : 0, () => sock.send("hi", port, host));
  });
}

const answers: string[] = [];
for (let i = 0; i < Number(countText); i++) answers.push(await (proto === "udp" ? udpOnce() : tcpOnce()));
process.stdout.write(`${JSON.stringify(answers)}\n`);
