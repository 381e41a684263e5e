// A tiny backend for the proxy tests: answers every TCP connection and UDP datagram with its name.
// Usage: node echo-server.ts NAME PORT
import { createSocket } from "node:dgram";
import { createServer } from "node:net";

const [name = "?", portText = "8080"] = process.argv.slice(2);
const port = Number(portText);

createServer((sock) => {
  sock.write(`${name} ${sock.remoteAddress}\n`);
  sock.on("data", (d) => sock.write(`${name} ${d.toString().trim()}\n`));
  sock.on("error", () => {});
}).listen(port, "0.0.0.0");

const udp = createSocket("udp4");
udp.on("message", (_msg, rinfo) => udp.send(`${name} ${rinfo.address}`, rinfo.port, rinfo.address));
udp.bind(port, "0.0.0.0", () => process.stdout.write("ready\n"));
