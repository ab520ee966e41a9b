/**
 * Bridges between Braid producers/consumers and WHATWG streams (`ReadableStream`,
 * `WritableStream`, built into Node), keeping backpressure both ways:
 *
 * - {@link fromReadableStream}: a push producer reading with a reader, one `read()` at a time and
 *   only while not paused; `stopProducing()` cancels the stream.
 * - {@link WritableStreamSink}: a consumer writing with a writer: the producer is paused while
 *   `desiredSize <= 0` and resumed when `writer.ready` resolves.
 * - {@link toReadableStream}: a Braid source as a `ReadableStream` (paused when `desiredSize <= 0`,
 *   resumed on `pull`).
 * - {@link toWritableStream}: a Braid consumer as a `WritableStream` (a write's promise waits while
 *   the consumer has paused the stream).
 *
 * @module
 */

import {
  type QueuingStrategy,
  ReadableStream,
  type ReadableStreamDefaultController,
  type ReadableStreamDefaultReader,
  WritableStream,
  type WritableStreamDefaultWriter,
} from "node:stream/web";
import { Deferred } from "../../defer/deferred.js";
import { InvalidStateError } from "../../errors/errors.js";
import { Failure } from "../../errors/failure.js";
import { PipelineStoppedError } from "../../errors/pipeline.js";
import type { IConsumer, IPullProducer, IPushProducer } from "../interfaces.js";
import { type IFinishableConsumer, type ISource, isFinishable } from "../pipeline.js";

type Stoppable = { stopProducing(reason?: unknown): void };

/**
 * A `ReadableStream` as a source and push producer. Made by {@link fromReadableStream}.
 */
export class ReadableStreamSource<T> implements ISource<T>, IPushProducer {
  /** The name in pipeline error reports. */
  readonly name: string;
  /** Whether the consumer paused this producer. */
  paused = false;
  private _consumer: IFinishableConsumer<T> | null = null;
  private _reader: ReadableStreamDefaultReader<T> | null = null;
  private _reading = false;
  private _done = false;

  constructor(
    /** The stream read from. */
    readonly stream: ReadableStream<T>,
    name = "readableStream",
  ) {
    this.name = name;
  }

  /** Locks the stream with a reader, registers on `consumer` and starts reading. */
  start(consumer: IFinishableConsumer<T>): void {
    if (this._consumer !== null)
      throw new InvalidStateError("ReadableStreamSource.start called twice");
    this._consumer = consumer;
    this._reader = this.stream.getReader();
    consumer.registerProducer(this, true);
    this._read();
  }

  /** {@inheritDoc IPushProducer.pauseProducing} */
  pauseProducing(): void {
    this.paused = true;
  }

  /** {@inheritDoc IPushProducer.resumeProducing} */
  resumeProducing(): void {
    if (this._done) return;
    this.paused = false;
    this._read();
  }

  /** Cancels the stream; nothing more is written. */
  stopProducing(): void {
    if (this._done) return;
    this._done = true;
    this._reader?.cancel().then(undefined, () => undefined);
  }

  private _read(): void {
    const reader = this._reader;
    if (this._reading || this.paused || this._done || reader === null) return;
    this._reading = true;
    reader.read().then(
      (r) => {
        this._reading = false;
        if (this._done) return;
        const c = this._consumer as IFinishableConsumer<T>;
        if (r.done) {
          this._done = true;
          c.finish();
          return;
        }
        c.write(r.value);
        this._read();
      },
      (e: unknown) => {
        this._reading = false;
        if (this._done) return;
        this._done = true;
        const c = this._consumer as IFinishableConsumer<T>;
        if (c.fail !== undefined) c.fail(new Failure(e));
        else c.unregisterProducer();
      },
    );
  }
}

/**
 * A source over a WHATWG `ReadableStream`.
 *
 * @example
 * ```ts
 * const res = await fetch(url);
 * await pipeline(fromReadableStream(res.body!)).through(splitLines()).into(sink).done;
 * ```
 */
export function fromReadableStream<T>(
  stream: ReadableStream<T>,
  name?: string,
): ReadableStreamSource<T> {
  return new ReadableStreamSource(stream, name);
}

/**
 * A `WritableStream` as a consumer. A push producer is paused while the writer's `desiredSize`
 * is at or below 0 and resumed when `writer.ready` resolves; a pull producer is asked for more each
 * time the writer is ready. `finish()` closes the stream (its Deferred fires when closed);
 * `fail()` aborts it. A rejected write stops the producer with the error as the reason.
 */
export class WritableStreamSink<T> implements IFinishableConsumer<T> {
  /** The name in pipeline error reports. */
  readonly name = "writableStream";
  /** The writer holding the stream's lock. */
  readonly writer: WritableStreamDefaultWriter<T>;
  private _producer: IPushProducer | IPullProducer | null = null;
  private _streaming = false;
  private _paused = false;
  private _waiting = false;
  private _ended = false;

  constructor(stream: WritableStream<T>) {
    this.writer = stream.getWriter();
  }

  registerProducer(producer: IPushProducer, streaming: true): void;
  registerProducer(producer: IPullProducer, streaming: false): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    if (this._producer !== null)
      throw new InvalidStateError("WritableStreamSink already has a producer");
    this._producer = producer;
    this._streaming = streaming;
    this._paused = false;
    this._check();
  }

  unregisterProducer(): void {
    this._producer = null;
  }

  write(data: T): void {
    this.writer.write(data).then(undefined, (e: unknown) => this._failed(e));
    this._check();
  }

  /** Closes the stream; the Deferred fires once it is closed. */
  finish(): Deferred<unknown> {
    this._ended = true;
    return Deferred.fromPromise(this.writer.close());
  }

  /** Aborts the stream with the failure's error. */
  fail(failure: Failure): void {
    this._ended = true;
    this.writer.abort(failure.value).then(undefined, () => undefined);
  }

  private _failed(e: unknown): void {
    const p = this._producer;
    this._producer = null;
    if (p !== null && !this._ended) (p as Stoppable).stopProducing(e);
  }

  /** Pauses while the stream is full; resumes (or pulls) when it is ready. */
  private _check(): void {
    const p = this._producer;
    if (p === null || this._ended) return;
    const size = this.writer.desiredSize;
    const full = size !== null && size <= 0;
    if (full) {
      if (this._streaming && !this._paused) {
        this._paused = true;
        (p as IPushProducer).pauseProducing();
      }
      if (!this._waiting) {
        this._waiting = true;
        this.writer.ready.then(
          () => {
            this._waiting = false;
            this._ready();
          },
          () => {
            this._waiting = false;
          },
        );
      }
    } else if (!this._streaming) {
      queueMicrotask(() => {
        if (this._producer === p && !this._ended) p.resumeProducing();
      });
    }
  }

  private _ready(): void {
    const p = this._producer;
    if (p === null || this._ended) return;
    if (this._streaming) {
      if (this._paused) {
        this._paused = false;
        (p as IPushProducer).resumeProducing();
      }
    } else this._check();
  }
}

/**
 * Exposes a Braid source as a `ReadableStream`: the producer is paused when the stream's queue is
 * full (`desiredSize <= 0`) and resumed when the reader pulls; cancelling the stream stops it.
 *
 * @example
 * ```ts
 * const body = toReadableStream(fromIterable(chunks()));
 * for await (const chunk of body) …
 * ```
 */
export function toReadableStream<T>(
  source: ISource<T>,
  strategy?: QueuingStrategy<T>,
): ReadableStream<T> {
  let controller: ReadableStreamDefaultController<T>;
  let producer: IPushProducer | IPullProducer | null = null;
  let streaming = false;
  let paused = false;
  let ended = false;
  const sink: IFinishableConsumer<T> = {
    registerProducer(p: IPushProducer | IPullProducer, s: boolean): void {
      if (producer !== null)
        throw new InvalidStateError("The ReadableStream already has a producer");
      producer = p;
      streaming = s;
      paused = false;
    },
    unregisterProducer(): void {
      producer = null;
    },
    write(data: T): void {
      if (ended) return;
      controller.enqueue(data);
      const size = controller.desiredSize;
      if (producer !== null && streaming && !paused && size !== null && size <= 0) {
        paused = true;
        (producer as IPushProducer).pauseProducing();
      }
    },
    finish(): void {
      if (ended) return;
      ended = true;
      producer = null;
      controller.close();
    },
    fail(failure: Failure): void {
      if (ended) return;
      ended = true;
      producer = null;
      controller.error(failure.value);
    },
  };
  return new ReadableStream<T>(
    {
      start(c) {
        controller = c;
        source.start(sink);
      },
      pull() {
        const p = producer;
        if (p === null) return;
        if (!streaming) p.resumeProducing();
        else if (paused) {
          paused = false;
          (p as IPushProducer).resumeProducing();
        }
      },
      cancel(reason) {
        const p = producer;
        producer = null;
        ended = true;
        if (p !== null) {
          (p as Stoppable).stopProducing(
            new PipelineStoppedError("The ReadableStream was cancelled", { cause: reason }),
          );
        }
      },
    },
    strategy,
  );
}

/**
 * Exposes a Braid consumer as a `WritableStream`: each chunk goes to `consumer.write`; while the
 * consumer has paused the stream the write's promise waits. Closing calls `consumer.finish()`
 * (waiting for it) or `unregisterProducer()`; aborting calls `fail`. The consumer stopping the
 * stream errors it with a {@link PipelineStoppedError}.
 *
 * @example
 * ```ts
 * await response.body.pipeTo(toWritableStream(p.input));
 * ```
 */
export function toWritableStream<T>(
  consumer: IConsumer<T>,
  strategy?: QueuingStrategy<T>,
): WritableStream<T> {
  let paused = false;
  let wake: (() => void) | null = null;
  let done = false;
  let controllerError: ((e: unknown) => void) | null = null;
  const producer: IPushProducer & Stoppable = {
    pauseProducing: () => {
      paused = true;
    },
    resumeProducing: () => {
      paused = false;
      const w = wake;
      wake = null;
      w?.();
    },
    stopProducing: (reason?: unknown) => {
      if (done) return;
      done = true;
      const err =
        reason instanceof PipelineStoppedError
          ? reason
          : new PipelineStoppedError(
              undefined,
              reason === undefined ? undefined : { cause: reason },
            );
      controllerError?.(err);
      const w = wake;
      wake = null;
      w?.();
    },
  };
  const stream = new WritableStream<T>(
    {
      start(c) {
        controllerError = (e) => c.error(e);
      },
      write(chunk) {
        if (done) throw new PipelineStoppedError();
        consumer.write(chunk);
        if (!paused) return undefined;
        return new Promise<void>((resolve) => {
          wake = resolve;
        });
      },
      async close() {
        done = true;
        consumer.unregisterProducer();
        if (isFinishable(consumer)) await consumer.finish();
      },
      abort(reason) {
        if (done) return;
        done = true;
        // fail() ends the stream; unregistering first would finish it instead.
        if (isFinishable(consumer) && consumer.fail !== undefined)
          consumer.fail(new Failure(reason));
        else consumer.unregisterProducer();
      },
    },
    strategy ?? { highWaterMark: 1 },
  );
  consumer.registerProducer(producer, true);
  return stream;
}
