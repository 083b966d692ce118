/**
 * The reference AgentServer's operator console: a small JSON API under `/console/…` on the same
 * TLS server, for the demo and for poking at a running helper by hand (curl). Every request
 * must carry the console key made at start (`x-console-key`); anything else gets 401. Tokens
 * never leave through it: recorded messages are shown with JWTs masked, and no route issues one.
 *
 *   GET  /console/helpers                            every known helper
 *   GET  /console/helpers/:userID                    one helper (404 when unknown)
 *   GET  /console/messages?limit=&userID=&channel=   recent messages, oldest first (limit ≤ 1000)
 *   POST /console/helpers/:userID/command            {action, data?, timeoutMs?} → the reply
 *   POST /console/helpers/:userID/drop               {code?}
 *   POST /console/helpers/:userID/close-registration {reason?}
 *   POST /console/tokens/revoke                      {userID?}
 *   POST /console/tokens/reject                      {on: boolean}
 *   GET  /console/live                               the live views: viewers, bytes, keyframes
 *
 * A live view is started and stopped with the command route (startStream / stopStream); its
 * page is `/live-view?user=&stream=&key=<console key>` (src/platform/live_view).
 */
import { Hono } from "hono";
import { z } from "zod";
import { ProtocolWriteError } from "../../protocol/catalog.ts";
import type { HelperView } from "./helpers.ts";
import { maskRecord, type RecordedMessage } from "./message_log.ts";
import { CommandError, type HelperReply } from "./pending.ts";
import { HELPER_COMMANDS, type HelperCommand } from "./wss3.ts";

/** What the console drives: the server's handle provides all of it. */
export interface ConsoleTarget {
  helpers(): HelperView[];
  helper(userID: string): HelperView | undefined;
  readonly messages: readonly RecordedMessage[];
  sendCommandUnchecked(
    userID: string,
    action: HelperCommand,
    data: unknown,
    options?: { timeoutMs?: number },
  ): Promise<HelperReply>;
  drop(userID: string, code?: number): boolean;
  closeRegistration(userID: string, reason?: string): Promise<void>;
  revokeTokens(userID?: string): void;
  rejectTokens(on: boolean): void;
  liveStreams(): readonly unknown[];
}

export const CONSOLE_KEY_HEADER = "x-console-key";

const commandBody = z.object({
  action: z.enum(HELPER_COMMANDS as [HelperCommand, ...HelperCommand[]]),
  data: z.unknown().optional(),
  timeoutMs: z.number().int().min(1).max(600_000).optional(),
});
/** Close codes an endpoint may send (RFC 6455 §7.4: not 1004-1006 nor 1015). */
export function isSendableCloseCode(code: number): boolean {
  return code === 1000 || (code >= 1001 && code <= 1003) || (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999);
}

const dropBody = z.object({
  code: z.number().int().refine(isSendableCloseCode, "a WebSocket close code").optional(),
});
const closeBody = z.object({ reason: z.string().max(256).optional() });
const revokeBody = z.object({ userID: z.string().min(1).max(256).optional() });
const rejectBody = z.object({ on: z.boolean() });

/** Compares without an early exit, so the key cannot be guessed a byte at a time. */
export function sameKey(given: string | undefined, key: string): boolean {
  if (given === undefined || given.length !== key.length) return false;
  let diff = 0;
  for (let i = 0; i < key.length; i++) diff |= given.charCodeAt(i) ^ key.charCodeAt(i);
  return diff === 0;
}

const INVALID: unique symbol = Symbol("invalid-json");

async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text);
  } catch {
    return INVALID;
  }
}

export function createConsoleApp(target: ConsoleTarget, consoleKey: string): Hono {
  const app = new Hono().basePath("/console");

  app.use("*", async (c, next) => {
    if (!sameKey(c.req.header(CONSOLE_KEY_HEADER), consoleKey)) {
      return c.json({ error: `missing or wrong ${CONSOLE_KEY_HEADER}` }, 401);
    }
    await next();
    c.header("cache-control", "no-store");
    return undefined;
  });

  const body = async <T>(request: Request, schema: z.ZodType<T>) => {
    const value = await readJson(request);
    if (value === INVALID) return { ok: false as const, error: "the body is not valid JSON" };
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        ok: false as const,
        error: `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`,
      };
    }
    return { ok: true as const, value: parsed.data };
  };

  app.get("/helpers", (c) => c.json({ helpers: target.helpers() }));

  app.get("/helpers/:userID", (c) => {
    const helper = target.helper(c.req.param("userID"));
    return helper === undefined ? c.json({ error: "unknown helper" }, 404) : c.json(helper);
  });

  app.get("/messages", (c) => {
    const limit = Math.min(Math.max(Number(c.req.query("limit") ?? 100) || 100, 1), 1000);
    const userID = c.req.query("userID");
    const channel = c.req.query("channel");
    const selected = target.messages.filter((m) =>
      (userID === undefined || m.userID === userID) &&
      (channel === undefined || m.channel === channel)
    );
    return c.json({ messages: selected.slice(-limit).map(maskRecord) });
  });

  app.post("/helpers/:userID/command", async (c) => {
    const parsed = await body(c.req.raw, commandBody);
    if (!parsed.ok) return c.json({ error: parsed.error }, 400);
    const { action, data, timeoutMs } = parsed.value;
    try {
      const reply = await target.sendCommandUnchecked(
        c.req.param("userID"),
        action,
        data ?? {},
        timeoutMs === undefined ? {} : { timeoutMs },
      );
      return c.json({ reply });
    } catch (e) {
      if (e instanceof ProtocolWriteError) return c.json({ error: e.message }, 400);
      if (e instanceof CommandError) {
        const status = e.kind === "notConnected" ? 404 : e.kind === "timeout" ? 504 : 502;
        return c.json({ error: e.message, kind: e.kind }, status);
      }
      throw e;
    }
  });

  app.post("/helpers/:userID/drop", async (c) => {
    const parsed = await body(c.req.raw, dropBody);
    if (!parsed.ok) return c.json({ error: parsed.error }, 400);
    const dropped = target.drop(c.req.param("userID"), parsed.value.code);
    return dropped ? c.json({ dropped }) : c.json({ error: "no helper connected" }, 404);
  });

  app.post("/helpers/:userID/close-registration", async (c) => {
    const parsed = await body(c.req.raw, closeBody);
    if (!parsed.ok) return c.json({ error: parsed.error }, 400);
    try {
      await target.closeRegistration(c.req.param("userID"), parsed.value.reason);
      return c.json({ closed: true });
    } catch (e) {
      if (e instanceof CommandError) return c.json({ error: e.message, kind: e.kind }, 404);
      throw e;
    }
  });

  app.post("/tokens/revoke", async (c) => {
    const parsed = await body(c.req.raw, revokeBody);
    if (!parsed.ok) return c.json({ error: parsed.error }, 400);
    target.revokeTokens(parsed.value.userID);
    return c.json({ revoked: parsed.value.userID ?? "all" });
  });

  app.post("/tokens/reject", async (c) => {
    const parsed = await body(c.req.raw, rejectBody);
    if (!parsed.ok) return c.json({ error: parsed.error }, 400);
    target.rejectTokens(parsed.value.on);
    return c.json({ rejecting: parsed.value.on });
  });

  app.get("/live", (c) => c.json({ streams: target.liveStreams() }));

  app.notFound((c) => c.json({ error: "no such console route" }, 404));
  return app;
}
