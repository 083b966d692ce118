/**
 * A raw HTTP/1.1 request over TCP, for tests that must send what `fetch` will not: a forged
 * `Host`, no `Host` at all, odd methods.
 */
export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

export async function rawRequest(port: number, head: string): Promise<RawResponse> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(head.replace(/\r?\n/g, "\r\n") + "\r\n\r\n"));
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(16384);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
      const text = new TextDecoder().decode(concat(chunks));
      const end = text.indexOf("\r\n\r\n");
      if (end >= 0) {
        const length = /content-length:\s*(\d+)/i.exec(text.slice(0, end));
        if (length && text.length >= end + 4 + Number(length[1])) break;
      }
    }
    const text = new TextDecoder().decode(concat(chunks));
    const [headText = "", body = ""] = text.split("\r\n\r\n", 2);
    const [statusLine = "", ...headerLines] = headText.split("\r\n");
    const headers = new Headers();
    for (const line of headerLines) {
      const i = line.indexOf(":");
      if (i > 0) headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
    }
    return { status: Number(statusLine.split(" ")[1]), headers, body };
  } finally {
    conn.close();
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
