/**
 * Wayland sessions: detected from XDG_SESSION_TYPE / WAYLAND_DISPLAY, and refused by the Linux
 * lister before any X tool runs, even with a DISPLAY (XWayland) at hand.
 */
import type { CommandRunner } from "../process/runner.ts";
import { assertEquals, assertRejects } from "../testing/assert.ts";
import { createDisplayLister } from "./displays.ts";
import { DisplaysUnavailable } from "./displays_model.ts";
import { isWaylandSession } from "./displays_wayland.ts";

Deno.test("isWaylandSession: XDG_SESSION_TYPE decides, else WAYLAND_DISPLAY", () => {
  assertEquals(isWaylandSession({ sessionType: "wayland" }), true);
  assertEquals(isWaylandSession({ sessionType: " Wayland " }), true);
  assertEquals(isWaylandSession({ sessionType: "x11", waylandDisplay: "wayland-0" }), false);
  assertEquals(isWaylandSession({ waylandDisplay: "wayland-0" }), true);
  assertEquals(isWaylandSession({ sessionType: "tty", waylandDisplay: "wayland-0" }), true);
  assertEquals(isWaylandSession({ sessionType: "x11" }), false);
  assertEquals(isWaylandSession({ sessionType: undefined, waylandDisplay: "" }), false);
  assertEquals(isWaylandSession({}), false);
});

Deno.test("Linux lister on Wayland: refused with the fix, no command run, even with DISPLAY", async () => {
  const calls: string[] = [];
  const runner: CommandRunner = {
    run: (command) => {
      calls.push(command);
      return Promise.reject(new Error("must not run"));
    },
  };
  for (
    const session of [
      { sessionType: "wayland", waylandDisplay: "wayland-0" },
      { sessionType: undefined, waylandDisplay: "wayland-0" },
    ]
  ) {
    const lister = createDisplayLister({ runner }, { os: "linux", display: ":0", ...session });
    const e = await assertRejects(() => lister.list(), DisplaysUnavailable, "Wayland session");
    assertEquals((e as DisplaysUnavailable).retryable, false);
    assertEquals(
      ["not supported", "X11/Xorg session", "GNOME on Xorg"].filter((s) => !e.message.includes(s)),
      [],
    );
  }
  assertEquals(calls, []);
});
