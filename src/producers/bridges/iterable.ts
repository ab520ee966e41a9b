/**
 * Bridges between producers/consumers and (async) iterables, in both directions, keeping
 * backpressure:
 *
 * - {@link fromIterable}: a push producer over an iterable or async iterable (an async generator,
 *   a `ReadableStream`, …) that asks for the next item only while it is not paused.
 * - {@link AsyncIterableSink}: a consumer you read with `for await`; it pauses its producer when
 *   the reader falls behind by more than a bound and resumes it when the reader catches up.
 * - {@link IterableProtocol}: the same over a connection: `for await (const chunk of proto)` reads
 *   what the peer sends, pausing the transport when the loop falls behind; the loop ends on a
 *   clean close and throws on any other.
 *
 * @module
 */

import { ConnectionDone } from "../../errors/errors.js";
import { Failure } from "../../errors/failure.js";
import { PipelineStoppedError } from "../../errors/pipeline.js";
import { Logger } from "../../logger/logger.js";
import type { IProtocol, ITransport } from "../../protocol/interfaces.js";
import type { IReactorTime } from "../../time/interfaces.js";
import type { IPullProducer, IPushProducer } from "../interfaces.js";
import type { IFinishableConsumer, ISource } from "../pipeline.js";

const log = new Logger("braid.pipeline");

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null && typeof v === "object" && typeof (v as { then?: unknown }).then === "function"
  );
}

/** Options of {@link fromIterable}. */
export interface IterableSourceOptions {
  /** The source's name in pipeline error reports (default `"iterable"`). */
  readonly name?: string;
  /**
   * With a clock, the producer yields to the event loop (`callLater(0)`) after `maxPerTurn` items
   * obtained without waiting, so that a source that never waits cannot starve I/O when its
   * consumer never pauses it. Without one it runs until paused or exhausted.
   */
  readonly clock?: IReactorTime;
  /** Items per turn before yielding, with {@link clock} (default 64). */
  readonly maxPerTurn?: number;
}

/**
 * A push producer over an iterable or async iterable: `next()` is called only while the
 * producer is not paused, one item at a time. The end of the iteration finishes the consumer;
 * an exception fails it; `stopProducing()` calls the iterator's `return()`.
 *
 * Made by {@link fromIterable}.
 */
export class IterableSource<T> implements ISource<T>, IPushProducer {
  /** The name in pipeline error reports. */
  readonly name: string;
  /** Whether the consumer paused this producer. */
  paused = false;
  /** Items written so far. */
  produced = 0;
  /** `true` once the iteration ended, failed or was stopped. */
  done = false;

  private _consumer: IFinishableConsumer<T> | null = null;
  private _iter: Iterator<T> | AsyncIterator<T> | null = null;
  private _running = false;
  private readonly _clock: IReactorTime | undefined;
  private readonly _maxPerTurn: number;

  constructor(
    private readonly _iterable: AsyncIterable<T> | Iterable<T>,
    options: IterableSourceOptions = {},
  ) {
    this.name = options.name ?? "iterable";
    this._clock = options.clock;
    this._maxPerTurn = Math.max(1, options.maxPerTurn ?? 64);
  }

  /** Registers on `consumer` and starts iterating. */
  start(consumer: IFinishableConsumer<T>): void {
    if (this._consumer !== null) throw new TypeError("IterableSource.start called twice");
    this._consumer = consumer;
    const it = this._iterable as Partial<AsyncIterable<T> & Iterable<T>>;
    try {
      this._iter =
        typeof it[Symbol.asyncIterator] === "function"
          ? (it[Symbol.asyncIterator] as () => AsyncIterator<T>)()
          : (it[Symbol.iterator] as () => Iterator<T>)();
    } catch (e) {
      this._fail(e);
      return;
    }
    consumer.registerProducer(this, true);
    this._run();
  }

  /** {@inheritDoc IPushProducer.pauseProducing} */
  pauseProducing(): void {
    this.paused = true;
  }

  /** {@inheritDoc IPushProducer.resumeProducing} */
  resumeProducing(): void {
    if (this.done) return;
    this.paused = false;
    this._run();
  }

  /** Ends the iteration early: calls the iterator's `return()`; nothing more is written. */
  stopProducing(): void {
    if (this.done) return;
    this.done = true;
    const it = this._iter;
    if (it?.return === undefined) return;
    try {
      const r = it.return();
      if (isThenable(r))
        r.then(undefined, (e: unknown) => log.failure("Iterator return() failed", e));
    } catch (e) {
      log.failure("Iterator return() failed", e);
    }
  }

  private _run(): void {
    if (this._running || this.done || this._iter === null) return;
    this._running = true;
    let n = 0;
    const it = this._iter;
    while (!this.paused && !this.done) {
      if (this._clock !== undefined && ++n > this._maxPerTurn) {
        this._clock.callLater(0, () => {
          this._running = false;
          this._run();
        });
        return;
      }
      let r: IteratorResult<T> | PromiseLike<IteratorResult<T>>;
      try {
        r = it.next();
      } catch (e) {
        this._fail(e);
        break;
      }
      if (isThenable(r)) {
        r.then(
          (res) => {
            this._running = false;
            if (this._handle(res)) this._run();
          },
          (e: unknown) => {
            this._running = false;
            this._fail(e);
          },
        );
        return;
      }
      if (!this._handle(r)) break;
    }
    this._running = false;
  }

  /** Writes an item or finishes; `false` when iteration is over. */
  private _handle(res: IteratorResult<T>): boolean {
    if (this.done) return false;
    const c = this._consumer as IFinishableConsumer<T>;
    if (res.done === true) {
      this.done = true;
      c.finish();
      return false;
    }
    this.produced++;
    c.write(res.value);
    return !this.done;
  }

  private _fail(e: unknown): void {
    if (this.done) return;
    this.done = true;
    const c = this._consumer as IFinishableConsumer<T>;
    if (c.fail !== undefined) c.fail(new Failure(e));
    else c.unregisterProducer();
  }
}

/**
 * A source (and push producer) over an iterable or an async iterable: an async generator, an
 * array, a `ReadableStream`. The next item is asked for only when the consumer has not paused it.
 *
 * @example
 * ```ts
 * async function* numbers() { for (let i = 0; ; i++) yield i; }
 * pipeline(fromIterable(numbers())).through(map((n) => n * 2)).into(sink);
 * ```
 */
export function fromIterable<T>(
  iterable: AsyncIterable<T> | Iterable<T>,
  options?: IterableSourceOptions,
): IterableSource<T> {
  return new IterableSource(iterable, options);
}

/** Options of {@link AsyncIterableSink}. */
export interface AsyncIterableSinkOptions<T> {
  /** Queued size above which the producer is paused (default 64 KiB, with the default size). */
  readonly highWater?: number;
  /** Queued size at or below which it is resumed (default a quarter of `highWater`). */
  readonly lowWater?: number;
  /** The size of an item (default: byte length of a `Uint8Array`, 1 for anything else). */
  readonly size?: (item: T) => number;
}

function defaultSize(item: unknown): number {
  return item instanceof Uint8Array ? item.byteLength : 1;
}

interface Waiter<T> {
  resolve(r: IteratorResult<T, undefined>): void;
  reject(e: unknown): void;
}

/**
 * A consumer read with `for await`. Writes queue up until the loop takes them; above
 * `highWater` the producer is paused, and at `lowWater` resumed (a pull producer is asked for
 * the next chunk whenever the queue is at or below `lowWater`). `finish()` ends the loop after the
 * queued items; `fail()` makes it throw after them. Leaving the loop early (`break`, an exception)
 * stops the producer.
 *
 * @example
 * ```ts
 * const sink = new AsyncIterableSink<string>({ highWater: 100 });
 * pipeline(source).through(map(String)).into(sink);
 * for await (const s of sink) console.log(s);
 * ```
 */
export class AsyncIterableSink<T> implements IFinishableConsumer<T>, AsyncIterableIterator<T> {
  /** The registered producer, if any. */
  producer: IPushProducer | IPullProducer | null = null;
  /** Whether this sink paused its push producer. */
  paused = false;

  private _streaming = false;
  private _queue: T[] = [];
  private _head = 0;
  private _size = 0;
  private _ended = false;
  private _error: { value: unknown } | null = null;
  private _closed = false;
  private readonly _waiters: Waiter<T>[] = [];
  private readonly _high: number;
  private readonly _low: number;
  private readonly _sizeOf: (item: T) => number;

  constructor(options: AsyncIterableSinkOptions<T> = {}) {
    this._high = options.highWater ?? 64 * 1024;
    this._low = options.lowWater ?? Math.floor(this._high / 4);
    this._sizeOf = options.size ?? defaultSize;
  }

  /** The size of what is queued and not yet read. */
  get queuedSize(): number {
    return this._size;
  }

  registerProducer(producer: IPushProducer, streaming: true): void;
  registerProducer(producer: IPullProducer, streaming: false): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    if (this.producer !== null) throw new TypeError("AsyncIterableSink already has a producer");
    if (this._closed) {
      producer.stopProducing();
      return;
    }
    this.producer = producer;
    this._streaming = streaming;
    this.paused = false;
    if (!streaming) producer.resumeProducing();
  }

  unregisterProducer(): void {
    this.producer = null;
    this.paused = false;
  }

  write(item: T): void {
    if (this._closed || this._ended) return;
    const w = this._waiters.shift();
    if (w !== undefined) {
      w.resolve({ value: item, done: false });
      return;
    }
    this._queue.push(item);
    this._size += this._sizeOf(item);
    const p = this.producer;
    if (p !== null && this._streaming && !this.paused && this._size > this._high) {
      this.paused = true;
      (p as IPushProducer).pauseProducing();
    }
  }

  /** The stream is complete: the loop ends after the queued items. */
  finish(): void {
    if (this._ended) return;
    this._ended = true;
    this.producer = null;
    this._settleWaiters();
  }

  /** The stream failed: the loop throws `failure.value` after the queued items. */
  fail(failure: Failure): void {
    if (this._ended) return;
    this._ended = true;
    this._error = { value: failure.value };
    this.producer = null;
    this._settleWaiters();
  }

  /** The next item, waiting for one when the queue is empty. */
  next(): Promise<IteratorResult<T, undefined>> {
    if (this._head < this._queue.length) {
      const item = this._queue[this._head] as T;
      this._queue[this._head++] = undefined as T;
      if (this._head === this._queue.length) {
        this._queue = [];
        this._head = 0;
      }
      this._size -= this._sizeOf(item);
      this._wantMore();
      return Promise.resolve({ value: item, done: false });
    }
    if (this._ended || this._closed) return this._end();
    return new Promise((resolve, reject) => {
      this._waiters.push({ resolve, reject });
      this._wantMore();
    });
  }

  /** Leaving the loop early: the producer is stopped and what is queued dropped. */
  return(): Promise<IteratorResult<T, undefined>> {
    this._close();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Like {@link return}, for `throw` from the loop's side. */
  throw(e?: unknown): Promise<IteratorResult<T, undefined>> {
    this._close();
    return Promise.reject(e);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private _close(): void {
    if (this._closed) return;
    this._closed = true;
    this._queue = [];
    this._head = 0;
    this._size = 0;
    const p = this.producer;
    this.producer = null;
    if (p !== null && !this._ended) {
      try {
        (p as { stopProducing(reason?: unknown): void }).stopProducing(
          new PipelineStoppedError("The async iterator was closed"),
        );
      } catch (e) {
        log.failure("Producer's stopProducing failed", e);
      }
    }
    this._settleWaiters();
  }

  private _end(): Promise<IteratorResult<T, undefined>> {
    const err = this._error;
    if (err !== null && !this._closed) {
      this._error = null;
      return Promise.reject(err.value);
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  private _settleWaiters(): void {
    const ws = this._waiters.splice(0);
    for (const w of ws) {
      const err = this._error;
      if (err !== null && !this._closed) {
        this._error = null;
        w.reject(err.value);
      } else w.resolve({ value: undefined, done: true });
    }
  }

  private _wantMore(): void {
    const p = this.producer;
    if (p === null || this._size > this._low) return;
    if (this._streaming) {
      if (this.paused) {
        this.paused = false;
        (p as IPushProducer).resumeProducing();
      }
    } else if (this._head >= this._queue.length) {
      p.resumeProducing();
    }
  }
}

/**
 * A protocol read with `for await`: each iteration gives the next chunk the peer sent. When the
 * loop falls behind by more than `highWater` bytes the transport is paused (the peer backs up),
 * and resumed when the loop catches up. The loop ends when the connection closes cleanly and
 * throws the reason when it closes any other way; leaving the loop early closes the connection.
 *
 * @example
 * ```ts
 * const proto = await connectProtocol(clientFromString(reactor, "tcp:host=127.0.0.1:port=8000"),
 *                                     new IterableProtocol());
 * for await (const chunk of proto) handle(chunk);
 * ```
 */
export class IterableProtocol implements IProtocol, AsyncIterable<Uint8Array> {
  /** The transport, once connected. */
  transport: ITransport | null = null;
  /** Whether the connection is up. */
  connected = false;
  /** The queue between the connection and the loop. */
  readonly sink: AsyncIterableSink<Uint8Array>;

  constructor(options: AsyncIterableSinkOptions<Uint8Array> = {}) {
    this.sink = new AsyncIterableSink<Uint8Array>(options);
  }

  /** Sets the transport and registers it as the queue's producer. */
  makeConnection(transport: ITransport): void {
    this.transport = transport;
    this.connected = true;
    this.sink.registerProducer(transport, true);
    this.connectionMade();
  }

  /** The connection is up; override to greet the peer. */
  connectionMade(): void {}

  /** Queues `data` for the loop. */
  dataReceived(data: Uint8Array): void {
    this.sink.write(data);
  }

  /** Ends the loop (clean close) or makes it throw (any other reason). */
  connectionLost(reason: Failure): void {
    this.connected = false;
    if (reason.check(ConnectionDone) !== null) this.sink.finish();
    else this.sink.fail(reason);
  }

  [Symbol.asyncIterator](): AsyncIterableSink<Uint8Array> {
    return this.sink;
  }
}
