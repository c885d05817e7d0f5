/**
 * A store file on a web server as `RandomAccessBytes`: every read is one HTTP range request
 * (`Range: bytes=a-b`, answered 206), so only the header and the examples asked for travel. A server that ignores
 * ranges (answers 200 with the whole body) is refused with a `RangeRequestError` instead of downloading the file.
 * Browser-safe (Node 20 has `fetch` too).
 */
import { FileFormatError, RangeRequestError } from '../errors.js';
import type { RandomAccessBytes } from './random-access.js';

/** Bytes fetched by the first request (headers of every container fit; saves a round trip). */
const HEAD_BYTES = 64 << 10;

/** Options of {@link UrlBytes.open}. */
export interface UrlBytesOptions {
  /** The fetch to use (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** Extra request headers, e.g. authorization (default: none). */
  headers?: Record<string, string>;
}

/** Parses `Content-Range: bytes a-b/total` (or `bytes * /total` on a 416). */
function parseContentRange(value: string | null): { start: number; end: number; total: number } | undefined {
  const m = value ? /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+)\s*$/i.exec(value) : null;
  if (!m) return undefined;
  return { start: Number(m[1] ?? 0), end: Number(m[2] ?? -1), total: Number(m[3]) };
}

/** A file read by HTTP range requests. Open with {@link UrlBytes.open}. */
export class UrlBytes implements RandomAccessBytes {
  private constructor(
    readonly path: string,
    readonly size: number,
    private readonly head: Uint8Array,
    private readonly fetchFn: typeof fetch,
    private readonly headers: Record<string, string>,
  ) {}

  /**
   * Fetches the first 64 KiB with a range request and learns the size from `Content-Range`.
   * @throws RangeRequestError when the server ignores the range (200 with the whole body; the transfer is
   *   cancelled) or gives no total size; FileFormatError for a network failure or an error status (404, …).
   */
  static async open(url: string | URL, options: UrlBytesOptions = {}): Promise<UrlBytes> {
    const href = String(url);
    const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
    const headers = options.headers ?? {};
    const response = await request(fetchFn, href, headers, 0, HEAD_BYTES - 1);
    if (response.status === 416) {
      await response.body?.cancel();
      const range = parseContentRange(response.headers.get('content-range'));
      if (range?.total === 0) return new UrlBytes(href, 0, new Uint8Array(0), fetchFn, headers);
      throw new RangeRequestError('the server refused the range request for the first bytes (416)', { file: href });
    }
    const range = checkPartial(response, href, 0);
    const head = new Uint8Array(await response.arrayBuffer());
    if (head.length !== range.end - range.start + 1)
      throw new FileFormatError(`the server sent ${head.length} bytes for range 0-${range.end}`, { file: href });
    return new UrlBytes(href, range.total, head, fetchFn, headers);
  }

  async readAt(offset: number, dst: Uint8Array): Promise<void> {
    const end = offset + dst.length;
    if (end > this.size)
      throw new FileFormatError(`truncated: wanted bytes up to ${end} but the file ends at ${this.size}`, {
        file: this.path,
      });
    if (dst.length === 0) return;
    if (end <= this.head.length) {
      dst.set(this.head.subarray(offset, end));
      return;
    }
    const response = await request(this.fetchFn, this.path, this.headers, offset, end - 1);
    const range = checkPartial(response, this.path, offset);
    const body = new Uint8Array(await response.arrayBuffer());
    if (range.end !== end - 1 || body.length !== dst.length) {
      throw new FileFormatError(
        `the server sent ${body.length} bytes for range ${offset}-${end - 1} (file changed or truncated?)`,
        { file: this.path },
      );
    }
    dst.set(body);
  }

  async readUpTo(offset: number, length: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - offset));
    const dst = new Uint8Array(n);
    await this.readAt(offset, dst);
    return dst;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function request(
  fetchFn: typeof fetch,
  url: string,
  headers: Record<string, string>,
  first: number,
  last: number,
): Promise<Response> {
  try {
    // no-store: a cached 200 must not answer a range request
    return await fetchFn(url, { headers: { ...headers, Range: `bytes=${first}-${last}` }, cache: 'no-store' });
  } catch (cause) {
    throw new FileFormatError(`cannot fetch: ${(cause as Error).message}`, { file: url, cause });
  }
}

/** Checks a 206 answer for a range starting at `start`; cancels and reports anything else. */
function checkPartial(response: Response, url: string, start: number): { start: number; end: number; total: number } {
  if (response.status === 200) {
    void response.body?.cancel();
    throw new RangeRequestError(
      'the server ignores HTTP range requests (it answered 200 with the whole body to a Range request), so the store cannot be read lazily; ' +
        'serve it from a server with range support, or fetch it yourself and pass the bytes',
      { file: url },
    );
  }
  if (response.status !== 206) {
    void response.body?.cancel();
    throw new FileFormatError(`the server answered ${response.status} ${response.statusText}`.trimEnd(), { file: url });
  }
  const range = parseContentRange(response.headers.get('content-range'));
  if (!range || range.start !== start) {
    void response.body?.cancel();
    throw new RangeRequestError(
      `the server's 206 answer has no usable Content-Range (got ${JSON.stringify(response.headers.get('content-range'))}); a cross-origin server must expose it`,
      { file: url },
    );
  }
  return range;
}
