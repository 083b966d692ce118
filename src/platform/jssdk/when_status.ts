/**
 * Waiting on a JsSdk's status from outside it (the demo, tests, a workplace script): resolves as
 * soon as `check(status)` holds, checked now and after every event, or with null once
 * `timeoutMs` has passed. Browser-safe: only timers.
 */
import type { JsSdk } from "./jssdk.ts";
import type { JsSdkStatus } from "./types.ts";

export function whenStatus(
  sdk: JsSdk,
  check: (status: JsSdkStatus) => boolean,
  timeoutMs: number,
): Promise<JsSdkStatus | null> {
  if (check(sdk.status)) return Promise.resolve(sdk.status);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(null);
    }, timeoutMs);
    const off = sdk.on("*", () => {
      if (!check(sdk.status)) return;
      clearTimeout(timer);
      off();
      resolve(sdk.status);
    });
  });
}
