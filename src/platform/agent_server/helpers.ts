/**
 * What the reference AgentServer knows of each operator's helper: its registration state
 * (active / inactive and why, PROTOCOL.md §3 step 11), its last `agentHelperInfo`, when it
 * connected and how many times. Every change of state is one {@link StateChange}, kept for
 * tests and handed to whoever pushes `agentHelperConnectionState` to the JsSDK.
 */
import type { Clock } from "../../clock/clock.ts";
import type { ReadMessage } from "../../protocol/catalog.ts";
import type { PLATFORM_CONNECTION_REASONS } from "../../protocol/platform.ts";
import { Waitable } from "./waitable.ts";

export type HelperState = "active" | "inactive";
/** Why a helper is inactive, in the platform channel's vocabulary. */
export type InactiveReason = (typeof PLATFORM_CONNECTION_REASONS)[number];
export type HelperInfo = ReadMessage<"wss3", "agentHelperInfo">["data"];

export interface HelperView {
  readonly userID: string;
  readonly state: HelperState;
  /** Why it is inactive (absent while active). */
  readonly resultDesc?: InactiveReason;
  /** The last agentHelperInfo received (over any connection). */
  readonly info?: HelperInfo;
  /** When the current (or last) wss3 connection opened, ms since the epoch. */
  readonly connectedAt?: number;
  readonly disconnectedAt?: number;
  /** wss3 connections opened so far: unchanged proves "no new registration". */
  readonly connections: number;
  /** agentHelperInfo messages received so far. */
  readonly infoCount: number;
}

export interface StateChange {
  readonly seq: number;
  readonly at: number;
  readonly userID: string;
  readonly state: HelperState;
  readonly resultDesc?: InactiveReason;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class HelperRegistry {
  readonly #clock: Clock;
  readonly #helpers = new Map<string, Mutable<HelperView>>();
  readonly changes: Waitable<StateChange> = new Waitable<StateChange>();
  #seq = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  view(userID: string): HelperView | undefined {
    const helper = this.#helpers.get(userID);
    return helper === undefined ? undefined : { ...helper };
  }

  all(): HelperView[] {
    return [...this.#helpers.values()].map((h) => ({ ...h }));
  }

  /** A wss3 connection of `userID` opened (a replacement counts too, but changes no state). */
  connected(userID: string): void {
    const at = this.#clock.now();
    const helper = this.#helpers.get(userID);
    if (helper === undefined) {
      this.#helpers.set(userID, {
        userID,
        state: "active",
        connectedAt: at,
        connections: 1,
        infoCount: 0,
      });
      this.#change(userID, "active", undefined, at);
      return;
    }
    helper.connections += 1;
    helper.connectedAt = at;
    if (helper.state !== "active") {
      helper.state = "active";
      delete helper.resultDesc;
      this.#change(userID, "active", undefined, at);
    }
  }

  /** The current wss3 connection of `userID` closed. */
  disconnected(userID: string, reason: InactiveReason): void {
    const helper = this.#helpers.get(userID);
    if (helper === undefined || helper.state === "inactive") return;
    const at = this.#clock.now();
    helper.state = "inactive";
    helper.resultDesc = reason;
    helper.disconnectedAt = at;
    this.#change(userID, "inactive", reason, at);
  }

  setInfo(userID: string, info: HelperInfo): void {
    const helper = this.#helpers.get(userID);
    if (helper === undefined) return;
    helper.info = info;
    helper.infoCount += 1;
  }

  #change(userID: string, state: HelperState, reason: InactiveReason | undefined, at: number) {
    const change: Mutable<StateChange> = { seq: ++this.#seq, at, userID, state };
    if (reason !== undefined) change.resultDesc = reason;
    this.changes.push(change);
  }
}
