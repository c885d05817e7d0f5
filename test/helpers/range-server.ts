/**
 * Test helper: a static HTTP server over one folder that answers `Range: bytes=a-b` with 206 (as nginx, Vite and
 * object stores do), or, with `ignoreRanges`, with 200 and the whole body (as some servers do). Logs every request.
 */
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** A running server. */
export interface RangeServer {
  origin: string;
  /** Every request seen: method, path and Range header. */
  requests: { path: string; range: string | undefined }[];
  close(): Promise<void>;
}

/**
 * Serves `root` on 127.0.0.1 (a free port). `routes` answers some paths itself (e.g. a test page); paths under
 * `/no-ranges/` are served from `root` as a server that ignores ranges would (200, whole body).
 */
export function serveFolder(
  root: string,
  options: { ignoreRanges?: boolean; routes?: Record<string, string> } = {},
): Promise<RangeServer> {
  const requests: RangeServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const range = req.headers.range;
    requests.push({ path: url.pathname, range });
    const route = options.routes?.[url.pathname];
    if (route !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html' }).end(route);
      return;
    }
    const noRanges = options.ignoreRanges === true || url.pathname.startsWith('/no-ranges/');
    const path = join(root, normalize(decodeURIComponent(url.pathname.replace(/^\/no-ranges\//, '/'))));
    let size: number;
    try {
      const info = statSync(path);
      if (!info.isFile()) throw new Error('not a file');
      size = info.size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    const body = readFileSync(path);
    const type = TYPES[extname(path)] ?? 'application/octet-stream';
    const m = range && !noRanges ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
    if (!m) {
      res
        .writeHead(200, { 'content-type': type, 'content-length': size, 'accept-ranges': noRanges ? 'none' : 'bytes' })
        .end(body);
      return;
    }
    const start = Number(m[1]);
    const end = Math.min(size - 1, m[2] ? Number(m[2]) : size - 1);
    if (start >= size) {
      res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    res.writeHead(206, {
      'content-type': type,
      'content-range': `bytes ${start}-${end}/${size}`,
      'content-length': end - start + 1,
    });
    res.end(body.subarray(start, end + 1));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        requests,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    ),
  );
}
