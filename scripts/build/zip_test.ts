import { assertEquals } from "../../src/testing/assert.ts";
import { crc32, zip } from "./zip.ts";

Deno.test("zip: CRC-32 of the standard check string", () => {
  assertEquals(crc32(new TextEncoder().encode("123456789")).toString(16), "cbf43926");
});

Deno.test("zip: an archive that unzip tests and extracts byte for byte, modes kept", async () => {
  const dir = await Deno.makeTempDir({ prefix: "zip-test-" });
  try {
    const big = new Uint8Array(300_000);
    for (let i = 0; i < big.length; i += 65_536) {
      crypto.getRandomValues(big.subarray(i, i + 65_536));
    }
    const text = new TextEncoder().encode("hello\n".repeat(1000));
    await Deno.writeFile(
      `${dir}/a.zip`,
      zip([{ name: "bin/tool.exe", data: big, mode: 0o755 }, { name: "README.txt", data: text }]),
    );
    const unzip = (args: string[]) =>
      new Deno.Command("unzip", { args, cwd: dir, stdout: "piped", stderr: "piped" }).output();
    const tested = await unzip(["-t", "a.zip"]);
    assertEquals(tested.code, 0, new TextDecoder().decode(tested.stdout));
    assertEquals((await unzip(["-q", "a.zip", "-d", "out"])).code, 0);
    assertEquals(await Deno.readFile(`${dir}/out/bin/tool.exe`), big);
    assertEquals(await Deno.readFile(`${dir}/out/README.txt`), text);
    assertEquals((await Deno.stat(`${dir}/out/bin/tool.exe`)).mode! & 0o777, 0o755);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
