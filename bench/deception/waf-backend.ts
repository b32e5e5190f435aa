/** Child process for bench/deception/waf.ts: a small keep-alive backend answering a 1 KiB page. */
import http from 'node:http';

const body = Buffer.from(`<html><body>${'x'.repeat(1000)}</body></html>`);
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
});
