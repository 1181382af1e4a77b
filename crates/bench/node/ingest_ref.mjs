// The Node reference server of B3 (`racecraft bench`): node's own `http` module answering POST /api/ingest
// as Racecraft does for one JSON point: read the body, JSON.parse it, check it is an object, answer
// 200 {"session_id":…,"accepted":1}. One process, one thread: one core.
// Usage: node ingest_ref.mjs  → prints the port it listens on (127.0.0.1, chosen by the OS).
import http from "node:http";

const server = http.createServer((req, res) => {
  const parts = [];
  req.on("data", (c) => parts.push(c));
  req.on("end", () => {
    let point;
    try {
      point = JSON.parse(Buffer.concat(parts).toString("utf8"));
    } catch (e) {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: String(e) }));
      return;
    }
    if (req.method !== "POST" || req.url !== "/api/ingest" || typeof point !== "object" || point === null) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"error":"not found"}');
      return;
    }
    const body = JSON.stringify({ session_id: point.session_id ?? null, accepted: 1 });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  console.log(server.address().port);
});
