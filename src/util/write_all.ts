/**
 * Writes every byte: `write` on files and sockets may take fewer than it is given, so a single
 * call is not enough.
 */
export async function writeAll(
  to: { write(bytes: Uint8Array): Promise<number> },
  bytes: Uint8Array,
): Promise<void> {
  for (let done = 0; done < bytes.length;) done += await to.write(bytes.subarray(done));
}
