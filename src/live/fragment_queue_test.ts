import { assert, assertEquals, assertThrows } from "../testing/assert.ts";
import { prng } from "../testing/fuzz.ts";
import {
  createFragmentQueue,
  type FragmentQueue,
  type FragmentQueueOptions,
  type LiveFragment,
  type QueueItem,
} from "./fragment_queue.ts";

const INIT = new Uint8Array([1, 2, 3]);

/** Fragment `id` of `size` bytes (at least 4), its id in the first four. */
function frag(id: number, keyframe: boolean, size = 10): LiveFragment {
  const bytes = new Uint8Array(size);
  new DataView(bytes.buffer).setUint32(0, id);
  return { bytes, keyframe };
}

const idOf = (bytes: Uint8Array): number =>
  new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);

/** "I" for the init, "K<id>" / "P<id>" for fragments, "+<n>" after one with drops before it. */
function label(item: QueueItem): string {
  if (item.kind === "init") return "I";
  const gap = item.droppedBefore > 0 ? `+${item.droppedBefore}` : "";
  return `${gap}${item.keyframe ? "K" : "P"}${idOf(item.bytes)}`;
}

function takeAll(queue: FragmentQueue): QueueItem[] {
  const items: QueueItem[] = [];
  for (let item = queue.take(); item; item = queue.take()) items.push(item);
  return items;
}

/** Pushes fragments `from`.. following `pattern` ("KPPKP": K a keyframe), all of `size`. */
function pushPattern(queue: FragmentQueue, from: number, pattern: string, size = 10): boolean[] {
  return [...pattern].map((c, i) => queue.push(frag(from + i, c === "K", size)));
}

function queueWith(options: FragmentQueueOptions): FragmentQueue {
  const queue = createFragmentQueue(options);
  queue.setInit(INIT);
  return queue;
}

Deno.test("live queue: init first, then fragments in order, numbered from 0", () => {
  const queue = createFragmentQueue({ maxBytes: 1000 });
  assertEquals(queue.take(), undefined, "nothing before the init");
  assertThrows(() => queue.push(frag(0, true)), Error, "before its init segment");
  queue.setInit(INIT);
  assertEquals(pushPattern(queue, 1, "KPP"), [true, true, true]);
  const items = takeAll(queue);
  assertEquals(items.map(label), ["I", "K1", "P2", "P3"]);
  assertEquals(items.map((i) => i.seq), [0, 1, 2, 3]);
  assertEquals(items[0]?.bytes, INIT);
  assertEquals(queue.take(), undefined);
  pushPattern(queue, 4, "P");
  assertEquals(takeAll(queue).map((i) => [label(i), i.seq]), [["P4", 4]]);
  assertEquals(queue.stats(), {
    queuedFragments: 0,
    queuedBytes: 0,
    sentFragments: 4,
    sentInits: 1,
    sentBytes: 3 + 40,
    droppedFragments: 0,
    droppedBytes: 0,
    droppedOversize: 0,
    waitingForKeyframe: false,
  });
});

Deno.test("live queue: the stream starts at a keyframe", () => {
  const queue = queueWith({ maxBytes: 1000 });
  assert(queue.stats().waitingForKeyframe);
  assertEquals(pushPattern(queue, 1, "PPKP"), [false, false, true, true]);
  assertEquals(takeAll(queue).map(label), ["I", "+2K3", "P4"]);
  assertEquals([queue.stats().droppedFragments, queue.stats().droppedBytes], [2, 20]);
});

Deno.test("live queue: over the byte cap, the oldest keyframe interval goes first", () => {
  const queue = queueWith({ maxBytes: 100 });
  queue.take(); // the init
  pushPattern(queue, 1, "KPPKPPKPP"); // 90 bytes
  assertEquals(pushPattern(queue, 10, "P"), [true]); // 100: fits exactly
  assertEquals(pushPattern(queue, 11, "P"), [true], "K1 P2 P3 make room");
  assertEquals(queue.stats().queuedBytes, 80);
  assertEquals(takeAll(queue).map(label), ["+3K4", "P5", "P6", "K7", "P8", "P9", "P10", "P11"]);
  assertEquals(queue.stats().droppedFragments, 3);
});

Deno.test("live queue: maxFragments bounds the queue in frames, that is in latency", () => {
  const queue = queueWith({ maxBytes: 1_000_000, maxFragments: 5 });
  pushPattern(queue, 1, "KPPPPK"); // a keyframe every 5 frames, as the live encoder at 5 fps
  assertEquals(queue.stats().queuedFragments, 1, "the whole first second went");
  assertEquals(takeAll(queue).map(label), ["I", "+5K6"]);
});

Deno.test("live queue: emptied by drops, a P-frame cannot follow; a keyframe arrives while dropping", () => {
  const queue = queueWith({ maxBytes: 30 });
  queue.take();
  pushPattern(queue, 1, "KPP");
  // P4 does not fit: K1..P3 go, and P4 would follow a gap, so it goes too.
  assertEquals(pushPattern(queue, 4, "PPP"), [false, false, false]);
  assert(queue.stats().waitingForKeyframe);
  assertEquals(queue.take(), undefined);
  assertEquals(pushPattern(queue, 7, "KP"), [true, true], "the keyframe ends the dropping");
  assert(!queue.stats().waitingForKeyframe);
  assertEquals(takeAll(queue).map(label), ["+6K7", "P8"]);
  // A keyframe that itself overflows the queue keeps the queue's newest interval, if it can.
  pushPattern(queue, 9, "KPK", 10);
  assertEquals(pushPattern(queue, 12, "K", 15), [true]);
  assertEquals(takeAll(queue).map(label), ["+2K11", "K12"]);
});

Deno.test("live queue: the link recovers and the stream resumes at a keyframe", () => {
  const queue = queueWith({ maxBytes: 1_000_000, maxFragments: 5 });
  pushPattern(queue, 1, "KPP");
  assertEquals(takeAll(queue).map(label), ["I", "K1", "P2", "P3"]);
  // The link stalls for three seconds: fifteen frames arrive, five may wait.
  pushPattern(queue, 4, "PPKPPPPKPPPPKPP");
  assertEquals(queue.stats().queuedFragments, 3, "only the newest keyframe interval waits");
  // It recovers: what it gets starts at a keyframe, then goes on frame by frame.
  const resumed = takeAll(queue);
  assertEquals(resumed.map(label), ["+12K16", "P17", "P18"]);
  assertEquals(resumed.map((i) => i.seq), [4, 5, 6], "no gap in seq: nothing was lost on the way");
  pushPattern(queue, 19, "PPK");
  assertEquals(takeAll(queue).map(label), ["P19", "P20", "K21"]);
  const s = queue.stats();
  assertEquals([s.sentFragments, s.droppedFragments, s.queuedFragments], [9, 12, 0]);
});

Deno.test("live queue: a cap smaller than one fragment drops it alone, then waits", () => {
  const queue = queueWith({ maxBytes: 100 });
  queue.take();
  pushPattern(queue, 1, "KP", 40);
  assertEquals(queue.push(frag(3, false, 101)), false, "larger than the whole cap");
  assertEquals(queue.stats().queuedFragments, 2, "what was queued stays: it still decodes");
  assertEquals(pushPattern(queue, 4, "PP", 10), [false, false], "they depend on the lost one");
  assertEquals(queue.push(frag(6, true, 150)), false, "a keyframe too large is lost too");
  assertEquals(pushPattern(queue, 7, "PK", 10), [false, true]);
  assertEquals(takeAll(queue).map(label), ["K1", "P2", "+5K8"]);
  const s = queue.stats();
  assertEquals([s.droppedFragments, s.droppedOversize, s.droppedBytes], [
    5,
    2,
    101 + 20 + 150 + 10,
  ]);

  // maxFragmentBytes (one wss3 message) applies even when the queue has room.
  const small = queueWith({ maxBytes: 1000, maxFragmentBytes: 50 });
  assertEquals(pushPattern(small, 1, "K", 51), [false]);
  assertEquals(pushPattern(small, 2, "K", 50), [true]);
  assertEquals(small.stats().droppedOversize, 1);
});

Deno.test("live queue: a new consumer gets the init again, seq from 0, from a keyframe", () => {
  const queue = queueWith({ maxBytes: 1000 });
  pushPattern(queue, 1, "KPP");
  assertEquals(takeAll(queue).map(label), ["I", "K1", "P2", "P3"]);
  pushPattern(queue, 4, "PPKP");
  queue.newConsumer();
  const items = takeAll(queue);
  assertEquals(items.map(label), ["I", "K6", "P7"], "P4 P5 are of no use without K1");
  assertEquals(items.map((i) => i.seq), [0, 1, 2]);
  // Nothing queued from a keyframe: the new consumer waits for one.
  pushPattern(queue, 8, "PP");
  queue.newConsumer();
  assert(queue.stats().waitingForKeyframe);
  assertEquals(pushPattern(queue, 10, "PK"), [false, true]);
  assertEquals(takeAll(queue).map(label), ["I", "+1K11"]);
  assertEquals(queue.stats().droppedFragments, 5);
});

Deno.test("live queue: a new encoder run's init replaces the old one and its fragments", () => {
  const queue = queueWith({ maxBytes: 1000 });
  pushPattern(queue, 1, "KP");
  assertEquals(takeAll(queue).map(label), ["I", "K1", "P2"]);
  pushPattern(queue, 3, "PP");
  const next = new Uint8Array([9, 9]);
  queue.setInit(next);
  assertEquals(pushPattern(queue, 5, "PKP"), [false, true, true]);
  const items = takeAll(queue);
  assertEquals(items.map(label), ["I", "+3K6", "P7"]);
  assertEquals(items[0]?.bytes, next);
  assertEquals(items.map((i) => i.seq), [3, 4, 5], "the same consumer: seq goes on");
  assertEquals(queue.stats().sentInits, 2);
});

Deno.test("live queue: options are checked", () => {
  assertThrows(() => createFragmentQueue({ maxBytes: 0 }), RangeError, "maxBytes");
  assertThrows(() => createFragmentQueue({ maxBytes: 10, maxFragments: 1.5 }), RangeError);
  assertThrows(() => createFragmentQueue({ maxBytes: 10, maxFragmentBytes: -1 }), RangeError);
});

Deno.test("live queue: random pushes and takes keep every promise", () => {
  const seen = { resumed: 0, oversize: 0, sent: 0 };
  for (let seed = 1; seed <= 50; seed++) {
    const random = prng(seed);
    const maxBytes = 200 + Math.floor(random() * 800);
    const maxFragments = 2 + Math.floor(random() * 20);
    const queue = queueWith({ maxBytes, maxFragments, maxFragmentBytes: maxBytes - 50 });
    const gop = 1 + Math.floor(random() * 8);
    let pushed = 0;
    let lastTaken: number | undefined;
    let lastSeq = -1;
    for (let step = 0; step < 400; step++) {
      if (random() < 0.55) {
        const size = 4 + Math.floor(random() * (random() < 0.05 ? 2 * maxBytes : 120));
        queue.push(frag(pushed, pushed % gop === 0, size));
        pushed++;
      } else {
        const item = queue.take();
        if (!item) continue;
        assertEquals(item.seq, ++lastSeq, `seed ${seed}: seq +1 per item`);
        if (item.kind === "init") continue;
        const id = idOf(item.bytes);
        const follows = lastTaken !== undefined && id === lastTaken + 1;
        // A decoder can use every fragment it gets: a keyframe, or the very next frame.
        assert(item.keyframe || follows, `seed ${seed}: fragment ${id} after ${lastTaken}`);
        assertEquals(item.droppedBefore, lastTaken === undefined ? id : id - lastTaken - 1);
        if (item.droppedBefore > 0) seen.resumed++;
        seen.sent++;
        lastTaken = id;
      }
      const s = queue.stats();
      assert(s.queuedBytes <= maxBytes && s.queuedFragments <= maxFragments, `seed ${seed}`);
      assertEquals(s.sentFragments + s.droppedFragments + s.queuedFragments, pushed);
    }
    seen.oversize += queue.stats().droppedOversize;
  }
  // The runs did go through every path: plain sending, resuming after drops, oversize.
  assert(seen.sent > 1000 && seen.resumed > 100 && seen.oversize > 10, JSON.stringify(seen));
});
