// The WebSocket peer of the WebSocket echo target (loadtest/ws_vs_node.sh): a Node
// `cluster` of workers sharing one port, each a `ws` server that runs every
// binary message through a waPC plugin in waPC's own JavaScript host
// (@wapc/host) and sends the result back, as hookd's WebSocket route does
// with its echo plugin.
// usage: node ws_wapc_server.mjs PORT PLUGIN.wasm [OPERATION]   (WORKERS=2)
// Prints "ready" once every worker listens on 127.0.0.1:PORT.
import cluster from "node:cluster";
import { readFile } from "node:fs/promises";
import process from "node:process";
import wapc from "@wapc/host";
import { WebSocketServer } from "ws";

const [port, pluginPath, operation = "echo"] = process.argv.slice(2);
if (!port || !pluginPath) {
  console.error("usage: node ws_wapc_server.mjs PORT PLUGIN.wasm [OPERATION]");
  process.exit(2);
}
const workers = Number(process.env.WORKERS ?? 2);

if (cluster.isPrimary) {
  let listening = 0;
  cluster.on("listening", () => {
    if (++listening === workers) console.log("ready");
  });
  cluster.on("exit", (worker, code, signal) => {
    console.error(`worker ${worker.process.pid} exited (${signal ?? code})`);
    process.exit(1);
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  const stop = () => {
    cluster.removeAllListeners("exit");
    for (const w of Object.values(cluster.workers)) w.kill();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} else {
  // One plugin instance per worker, reused for every message, as hookd keeps
  // one instance per plugin per worker.
  const plugin = await wapc.instantiate(await readFile(pluginPath));
  const server = new WebSocketServer({ host: "127.0.0.1", port: Number(port), perMessageDeflate: false, maxPayload: 1 << 20 });
  server.on("connection", (socket) => {
    socket.on("message", async (data, isBinary) => {
      try {
        const out = await plugin.invoke(operation, data);
        socket.send(out, { binary: isBinary });
      } catch (err) {
        socket.close(1011, String(err).slice(0, 100));
      }
    });
  });
  server.on("error", (err) => {
    console.error(`ws server: ${err}`);
    process.exit(1);
  });
}
