import { assertEquals } from "../testing/assert.ts";
import { createProgressReader } from "./progress.ts";

// Captured from ffmpeg 5.1 (`-progress pipe:2 -loglevel error`, x11grab → libx264).
const CAPTURED = `frame=15
fps=5.67
stream_0_0_q=-1.0
bitrate=   9.1kbits/s
total_size=2740
out_time_us=2400098
out_time_ms=2400098
out_time=00:00:02.400098
dup_frames=0
drop_frames=0
speed=0.907x
progress=continue
[x11grab @ 0x55d] Cannot get the image data event_error: response_type:0 error_code:8
frame=16
out_time_us=N/A
dup_frames=1
drop_frames=2
progress=end
`;

Deno.test("progress blocks and messages are told apart, whatever the chunking", () => {
  for (const size of [1, 3, 7, 64, CAPTURED.length]) {
    const reader = createProgressReader();
    const blocks = [];
    const messages = [];
    for (let i = 0; i < CAPTURED.length; i += size) {
      const u = reader.push(CAPTURED.slice(i, i + size));
      blocks.push(...u.blocks);
      messages.push(...u.messages);
    }
    assertEquals(blocks, [
      { frame: 15, outTimeUs: 2400098, dupFrames: 0, dropFrames: 0, end: false },
      { frame: 16, outTimeUs: -1, dupFrames: 1, dropFrames: 2, end: true },
    ]);
    assertEquals(messages, [
      "[x11grab @ 0x55d] Cannot get the image data event_error: response_type:0 error_code:8",
    ]);
  }
});

Deno.test("an endless line without a newline is cut, not kept whole", () => {
  const reader = createProgressReader();
  reader.push("x".repeat(100_000));
  const u = reader.push("\n");
  assertEquals(u.messages.length, 1);
  assertEquals(u.messages[0]?.length, 4096);
});
