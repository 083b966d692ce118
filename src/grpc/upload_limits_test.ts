import { ScreenRecorderService } from "../proto/agenthelper/screenrecorder/v1/screen_recorder_pb.ts";
import { assertEquals } from "../testing/assert.ts";
import { UPLOAD_PATH } from "./upload_limits.ts";

Deno.test("upload limits: the Upload path is the generated service's", () => {
  assertEquals(UPLOAD_PATH, `/${ScreenRecorderService.typeName}/Upload`);
  assertEquals(ScreenRecorderService.method.upload.name, "Upload");
});
