/**
 * The engine of a pipeline stage: one {@link StageNode} per stage, a consumer of the stage's
 * input and a push producer of its output, keeping order and bounded memory.
 *
 * A node passes its outputs straight downstream while nothing holds them back; when the next
 * element pauses it (or the stage's own concurrency is used up), it buffers what is still produced
 * and pauses its own producer, so a pause at the sink propagates synchronously up to the source.
 * Asynchronous transforms run up to `concurrency` at a time; each item's outputs are delivered
 * after those of every earlier item (an output slot per item in flight).
 *
 * Internal to `pipeline.ts`: users build nodes through `pipeline()` / `pipe()`.
 *
 * @module
 * @internal
 */

import { isDeferred } from "../defer/deferred.js";
import { InvalidStateError } from "../errors/errors.js";
import type { Failure } from "../errors/failure.js";
import { PipelineStoppedError } from "../errors/pipeline.js";
import { Logger } from "../logger/logger.js";
import type { IConsumer, IPullProducer, IPushProducer } from "./interfaces.js";
import type { IFinishableConsumer, Push, Stage } from "./pipeline.js";
import { callProducer as callProducerOf, type ProducerMethod } from "./registration.js";

const log = new Logger("braid.pipeline");

/** What a node reports to the pipeline that owns it. @internal */
export interface NodeOwner {
  /** A failure at element `index` of the path (the sink is `nodes.length`). Reported once. */
  failAt(
    index: number,
    item: number | undefined,
    input: unknown,
    error: unknown,
    upstream: boolean,
  ): void;
  /** The last node finished: the sink is to be told. */
  sinkFinish(): void;
}

/** The byte size of an item, for summaries: bytes and strings count, other items count 0. */
export function byteSize(item: unknown): number {
  if (item instanceof Uint8Array) return item.byteLength;
  if (typeof item === "string") return item.length;
  if (item instanceof ArrayBuffer) return item.byteLength;
  return 0;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === "object" || typeof v === "function") &&
    typeof (v as { then?: unknown }).then === "function"
  );
}

/** {@link callProducerOf}, logging to the pipeline's logger. */
export function callProducer(p: IPushProducer | IPullProducer, method: ProducerMethod): void {
  callProducerOf(p, method, log);
}

/** The outputs of one item whose transform is in flight. */
class Slot<O> {
  done = false;
  out: O[] = [];
  pending: PromiseLike<unknown> | null = null;
  readonly push: Push<O>;
  constructor(node: StageNode<never, O>) {
    this.push = (o: O) => node._slotPush(this, o);
  }
}

/** Options of a node. @internal */
export interface NodeOptions {
  /** `unregisterProducer()` ends the input (the pipeline's head). */
  readonly endOnUnregister: boolean;
  /** Count bytes in and out (head and last node, for the summary). */
  readonly countBytes: boolean;
}

/**
 * One stage at run time. `stage === null` makes an identity node (the pipeline's input).
 *
 * @internal
 */
export class StageNode<I, O> implements IFinishableConsumer<I>, IPushProducer {
  /** Items received. */
  itemsIn = 0;
  /** Items passed downstream. */
  itemsOut = 0;
  /** Bytes received (when counting). */
  bytesIn = 0;
  /** Bytes passed downstream (when counting). */
  bytesOut = 0;
  /** The next node, or `null` when this node writes to {@link sink}. */
  next: StageNode<O, unknown> | null = null;
  /** The pipeline's consumer, for the last node. */
  sink: IConsumer<O> | null = null;
  /** The producer registered on this node (the source, for the head; the previous node otherwise). */
  producer: IPushProducer | IPullProducer | null = null;
  /** Set once the pipeline failed or was stopped: everything is dropped. */
  dead = false;

  private _streaming = false;
  private _upPaused = false;
  private _downPaused = false;
  private _buf: O[] = [];
  private _bufHead = 0;
  private readonly _slots: Slot<O>[] = [];
  private readonly _pending: I[] = [];
  private _nextIndex = 0;
  private _ended = false;
  private _flushState = 0; // 0: not started, 1: flushing, 2: flushed
  private _finishedDown = false;
  private _pulling = false;
  private _pullAgain = false;
  private _pullOutstanding = false;
  private _pullScheduled = false;
  private _writing = 0;
  private readonly _highWater: number;
  private readonly _concurrency: number;
  private readonly _emit: Push<O>;

  constructor(
    private readonly _owner: NodeOwner,
    /** This node's position in the pipeline's path. */
    readonly index: number,
    private readonly _stage: Stage<I, O> | null,
    private readonly _options: NodeOptions,
  ) {
    this._highWater = Math.max(1, _stage?.highWater ?? 16);
    this._concurrency = Math.max(1, _stage?.concurrency ?? 1);
    this._emit = (o: O) => this._push(o);
  }

  // --- IConsumer<I> -------------------------------------------------------------------------

  registerProducer(producer: IPushProducer, streaming: true): void;
  registerProducer(producer: IPullProducer, streaming: false): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    if (this.producer !== null) {
      throw new InvalidStateError("Cannot register a producer: the pipeline already has one");
    }
    if (this.dead || this._ended) {
      callProducer(producer, "stopProducing");
      return;
    }
    this.producer = producer;
    this._streaming = streaming;
    this._upPaused = false;
    this._pullOutstanding = false;
    this._checkUpstream();
  }

  unregisterProducer(): void {
    if (this.producer === null) return;
    this.producer = null;
    if (this._options.endOnUnregister) this.finish();
  }

  write(item: I): void {
    if (this.dead || this._ended) return;
    this._pullOutstanding = false;
    this.itemsIn++;
    if (this._options.countBytes) this.bytesIn += byteSize(item);
    this._writing++;
    try {
      if (this._pending.length > 0 || this._slots.length >= this._concurrency) {
        this._pending.push(item);
      } else {
        this._process(item);
      }
      this._afterInput();
    } finally {
      this._writing--;
    }
  }

  /** The input is complete: flush the stage and finish downstream once everything is out. */
  finish(): void {
    if (this.dead || this._ended) return;
    this._ended = true;
    this.producer = null;
    this._maybeFinish();
  }

  /** The source failed: the pipeline fails at this node, with the count of items seen. */
  fail(failure: Failure): void {
    if (this.dead || this._ended) return;
    this._owner.failAt(this.index, this.itemsIn, undefined, failure.value, true);
  }

  // --- IPushProducer (towards the next element) --------------------------------------------

  pauseProducing(): void {
    if (this.dead || this._downPaused) return;
    this._downPaused = true;
    this._checkUpstream();
  }

  resumeProducing(): void {
    if (this.dead || !this._downPaused) return;
    this._downPaused = false;
    const buf = this._buf;
    while (!this._downPaused && this._bufHead < buf.length && !this.dead) {
      const o = buf[this._bufHead] as O;
      buf[this._bufHead++] = undefined as O;
      this._deliver(o);
    }
    if (this._bufHead >= buf.length) {
      this._buf = [];
      this._bufHead = 0;
    }
    if (!this.dead && !this._downPaused) {
      this._checkUpstream();
      this._maybeFinish();
    }
  }

  /**
   * The consumer does not want more: the pipeline fails with {@link PipelineStoppedError} (its
   * `cause` is `reason`, for consumers that can say why).
   */
  stopProducing(reason?: unknown): void {
    if (this.dead || this._finishedDown) return;
    const err =
      reason instanceof PipelineStoppedError
        ? reason
        : reason === undefined
          ? new PipelineStoppedError()
          : new PipelineStoppedError(undefined, { cause: reason });
    this._owner.failAt(this.index + 1, undefined, undefined, err, false);
  }

  // --- internals ----------------------------------------------------------------------------

  /** Marks the node dead, drops what it holds and cancels Deferreds in flight. */
  kill(): void {
    this.dead = true;
    this._buf = [];
    this._bufHead = 0;
    this._pending.length = 0;
    const slots = this._slots.splice(0);
    for (const s of slots) {
      const p = s.pending;
      if (p !== null && isDeferred(p) && !p.called) {
        try {
          p.cancel();
        } catch (e) {
          log.failure("Cancelling a stage's Deferred failed", e);
        }
      }
    }
  }

  private _process(item: I): void {
    const idx = this._nextIndex++;
    const stage = this._stage;
    if (stage === null) {
      this._push(item as unknown as O);
      return;
    }
    const direct = this._slots.length === 0;
    let slot: Slot<O> | null = null;
    if (!direct) {
      slot = new Slot<O>(this as unknown as StageNode<never, O>);
      this._slots.push(slot);
    }
    let r: unknown;
    try {
      r = stage.transform(item, slot === null ? this._emit : slot.push, idx);
    } catch (e) {
      this._owner.failAt(this.index, idx, item, e, false);
      return;
    }
    if (isThenable(r)) {
      if (slot === null) {
        slot = new Slot<O>(this as unknown as StageNode<never, O>);
        this._slots.push(slot);
      }
      this._wait(slot, r, idx, item);
    } else if (slot !== null) {
      slot.done = true;
      this._drainSlots();
    }
  }

  private _wait(slot: Slot<O>, r: PromiseLike<unknown>, idx: number, item: I): void {
    slot.pending = r;
    const ok = () => {
      if (this.dead) return;
      slot.done = true;
      slot.pending = null;
      this._drainSlots();
      this._afterInput();
    };
    const bad = (e: unknown) => {
      if (!this.dead) this._owner.failAt(this.index, idx, item, e, false);
    };
    if (isDeferred(r)) {
      r.addCallbacks(
        (v: unknown) => {
          ok();
          return v;
        },
        (f: Failure) => {
          bad(f.value);
          return null;
        },
      );
    } else {
      r.then(ok, bad);
    }
  }

  /** @internal an output of an item in flight: delivered if it is the oldest, else kept. */
  _slotPush(slot: Slot<O>, o: O): void {
    if (this.dead) return;
    if (this._slots[0] === slot) this._push(o);
    else slot.out.push(o);
  }

  /** Retires completed slots at the head of the queue, releasing the next one's outputs. */
  private _drainSlots(): void {
    const slots = this._slots;
    while (slots.length > 0 && !this.dead) {
      const head = slots[0] as Slot<O>;
      if (!head.done) break;
      slots.shift();
      const next = slots[0];
      if (next !== undefined && next.out.length > 0) {
        const out = next.out;
        next.out = [];
        for (const o of out) this._push(o);
      }
    }
  }

  /** Processes queued inputs while there is room, then adjusts the upstream and finishing. */
  private _afterInput(): void {
    const pending = this._pending;
    while (pending.length > 0 && this._slots.length < this._concurrency && !this.dead) {
      this._process(pending.shift() as I);
    }
    if (this.dead) return;
    this._checkUpstream();
    this._maybeFinish();
  }

  /** Sends `o` downstream now, or buffers it while held back. */
  private _push(o: O): void {
    if (this.dead) return;
    if (this._downPaused || this._bufHead < this._buf.length) {
      this._buf.push(o);
      if (this._buf.length - this._bufHead >= this._highWater) this._checkUpstream();
      return;
    }
    this._deliver(o);
  }

  private _deliver(o: O): void {
    const idx = this.itemsOut++;
    if (this._options.countBytes) this.bytesOut += byteSize(o);
    const next = this.next;
    if (next !== null) {
      next.write(o);
      return;
    }
    try {
      (this.sink as IConsumer<O>).write(o);
    } catch (e) {
      this._owner.failAt(this.index + 1, idx, o, e, false);
    }
  }

  /** Pauses or resumes the producer (or asks a pull producer for more) as room allows. */
  private _checkUpstream(): void {
    const p = this.producer;
    if (p === null || this.dead) return;
    const room =
      !this._downPaused &&
      this._buf.length - this._bufHead < this._highWater &&
      this._slots.length < this._concurrency &&
      this._pending.length === 0;
    if (this._streaming) {
      if (room) {
        if (this._upPaused) {
          this._upPaused = false;
          callProducer(p, "resumeProducing");
        }
      } else if (!this._upPaused) {
        this._upPaused = true;
        callProducer(p, "pauseProducing");
      }
      return;
    }
    if (!room || this._pullOutstanding) return;
    if (this._pulling) this._pullAgain = true;
    else if (this._writing > 0) this._schedulePull();
    else this._pull();
  }

  /** Asks the pull producer for chunks while it answers synchronously and there is room. */
  private _pull(): void {
    this._pulling = true;
    try {
      do {
        this._pullAgain = false;
        const p = this.producer;
        if (p === null || this.dead || this._streaming) break;
        this._pullOutstanding = true;
        callProducer(p, "resumeProducing");
      } while (this._pullAgain);
    } finally {
      this._pulling = false;
    }
  }

  /** A pull producer wrote from its own callback: ask for the next chunk once it has returned. */
  private _schedulePull(): void {
    if (this._pullScheduled) return;
    this._pullScheduled = true;
    queueMicrotask(() => {
      this._pullScheduled = false;
      this._checkUpstream();
    });
  }

  /** After the input ended and everything is out: flush the stage, then finish downstream. */
  private _maybeFinish(): void {
    if (!this._ended || this.dead || this._finishedDown) return;
    if (this._pending.length > 0 || this._slots.length > 0) return;
    if (this._flushState === 0) {
      this._flushState = 1;
      const flush = this._stage?.flush;
      let r: unknown;
      if (flush !== undefined) {
        try {
          r = flush(this._emit);
        } catch (e) {
          this._owner.failAt(this.index, undefined, undefined, e, false);
          return;
        }
      }
      if (isThenable(r)) {
        r.then(
          () => {
            if (this.dead) return;
            this._flushState = 2;
            this._maybeFinish();
          },
          (e: unknown) => {
            if (!this.dead) this._owner.failAt(this.index, undefined, undefined, e, false);
          },
        );
        return;
      }
      this._flushState = 2;
    }
    if (this._flushState !== 2 || this.dead) return;
    if (this._bufHead < this._buf.length) return;
    this._finishedDown = true;
    if (this.next !== null) this.next.finish();
    else this._owner.sinkFinish();
  }
}
