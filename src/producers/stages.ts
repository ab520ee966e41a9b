/**
 * Ready-made pipeline stages (`map`, `filter`, `flatMap`, `tap`, `batch`, `splitLines`,
 * `mapAsync`) and a collecting sink (`collect`).
 *
 * Each call makes a new stage object holding the state of one pipeline (a batch being filled, a
 * partial line): build stages per pipeline, e.g. per connection.
 *
 * @module
 */

import { type Chainable, type Deferred, isDeferred } from "../defer/deferred.js";
import { InvalidStateError } from "../errors/errors.js";
import type { Failure } from "../errors/failure.js";
import { PipelineLineTooLongError } from "../errors/pipeline.js";
import type { IPullProducer, IPushProducer } from "./interfaces.js";
import type { IFinishableConsumer, Push, Stage } from "./pipeline.js";

/**
 * A stage from its parts: the general form behind the helpers below.
 *
 * @example
 * ```ts
 * const dedupe = stage<string, string>("dedupe", (s, push) => { if (s !== last) push(s); last = s; });
 * ```
 */
export function stage<I, O>(
  name: string,
  transform: Stage<I, O>["transform"],
  options: Omit<Stage<I, O>, "name" | "transform"> = {},
): Stage<I, O> {
  return { ...options, name, transform };
}

/**
 * Transforms each item with `fn` (called with the item and its number).
 *
 * @example
 * ```ts
 * pipeline([1, 2, 3]).through(map((n) => n * 2)).into(collect<number>());
 * ```
 */
export function map<I, O>(fn: (item: I, index: number) => O, name = "map"): Stage<I, O> {
  return { name, transform: (item, push, i) => push(fn(item, i)) };
}

/** Keeps the items for which `predicate` holds (narrowing the type with a type guard). */
export function filter<I, O extends I>(
  predicate: (item: I, index: number) => item is O,
  name?: string,
): Stage<I, O>;
export function filter<I>(
  predicate: (item: I, index: number) => boolean,
  name?: string,
): Stage<I, I>;
export function filter<I>(
  predicate: (item: I, index: number) => boolean,
  name = "filter",
): Stage<I, I> {
  return {
    name,
    transform: (item, push, i) => {
      if (predicate(item, i)) push(item);
    },
  };
}

/** Replaces each item with the items `fn` returns (zero or more), in order. */
export function flatMap<I, O>(
  fn: (item: I, index: number) => Iterable<O>,
  name = "flatMap",
): Stage<I, O> {
  return {
    name,
    transform: (item, push, i) => {
      for (const o of fn(item, i)) push(o);
    },
  };
}

/** Calls `fn` for each item and passes the item on unchanged (counting, logging, checks). */
export function tap<T>(fn: (item: T, index: number) => void, name = "tap"): Stage<T, T> {
  return {
    name,
    transform: (item, push, i) => {
      fn(item, i);
      push(item);
    },
  };
}

/**
 * Groups items into arrays of `size` (the last one may be shorter).
 *
 * @throws RangeError when `size` is not a positive integer.
 */
export function batch<T>(size: number, name = "batch"): Stage<T, T[]> {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`batch size must be a positive integer, not ${size}`);
  let current: T[] = [];
  return {
    name,
    transform: (item, push) => {
      current.push(item);
      if (current.length >= size) {
        const out = current;
        current = [];
        push(out);
      }
    },
    flush: (push) => {
      if (current.length > 0) {
        const out = current;
        current = [];
        push(out);
      }
    },
  };
}

/** Options of {@link mapAsync}. */
export interface MapAsyncOptions {
  /** Items in flight at most (default 1). Outputs keep the input order whatever the value. */
  readonly concurrency?: number;
  /** The stage's name (default `"mapAsync"`). */
  readonly name?: string;
  /** Outputs held back before the stage pauses its input (default 16). */
  readonly highWater?: number;
}

/**
 * Transforms each item with an asynchronous `fn` (returning a Deferred, a Promise or a value), up
 * to `concurrency` at a time, keeping the input order. A Deferred still in flight when the pipeline
 * fails is cancelled.
 *
 * @example
 * ```ts
 * pipeline(urls).through(mapAsync((u) => fetchTitle(u), { concurrency: 4 })).into(sink);
 * ```
 */
export function mapAsync<I, O>(
  fn: (item: I, index: number) => Chainable<O>,
  options: MapAsyncOptions = {},
): Stage<I, O> {
  return {
    name: options.name ?? "mapAsync",
    concurrency: options.concurrency ?? 1,
    ...(options.highWater === undefined ? {} : { highWater: options.highWater }),
    transform: (item, push, i) => {
      const r = fn(item, i);
      if (isDeferred(r)) {
        // Synchronously, when the Deferred fires: no detour through a Promise.
        return (r as Deferred<O>).addCallback((v: O) => {
          push(v);
        });
      }
      if (r !== null && typeof r === "object" && typeof (r as PromiseLike<O>).then === "function") {
        return (r as PromiseLike<O>).then(push);
      }
      push(r as O);
      return undefined;
    },
  };
}

/** Options of {@link splitLines}. */
export interface SplitLinesOptions {
  /** The delimiter (default `"\n"`, with a preceding `"\r"` removed as well when `keepCR` is off). */
  readonly delimiter?: Uint8Array | string;
  /** The longest line accepted, in bytes (default 64 KiB): a longer one fails the pipeline. */
  readonly maxLength?: number;
  /** Keep a `"\r"` before a `"\n"` delimiter (default `false`: it is stripped). */
  readonly keepCR?: boolean;
  /** The stage's name (default `"splitLines"`). */
  readonly name?: string;
}

/**
 * Splits a byte stream into lines (without their delimiters), whatever the chunking; a last line
 * without a delimiter is passed on at the end, as it is. Lines are views into received chunks when they lie
 * within one, copies otherwise.
 *
 * @throws RangeError when the delimiter is empty.
 */
export function splitLines(options: SplitLinesOptions = {}): Stage<Uint8Array, Uint8Array> {
  const d = options.delimiter ?? "\n";
  const delim = typeof d === "string" ? new TextEncoder().encode(d) : d;
  if (delim.length === 0) throw new RangeError("splitLines: the delimiter is empty");
  const max = options.maxLength ?? 64 * 1024;
  const stripCR = !options.keepCR && delim.length === 1 && delim[0] === 0x0a;
  const first = delim[0] as number;
  let partial: Uint8Array[] = [];
  let partialLen = 0;

  const emit = (line: Uint8Array, push: Push<Uint8Array>) => {
    const n = line.length;
    push(stripCR && n > 0 && line[n - 1] === 0x0d ? line.subarray(0, n - 1) : line);
  };
  const joined = (): Uint8Array => {
    if (partial.length === 1) return partial[0] as Uint8Array;
    const out = new Uint8Array(partialLen);
    let o = 0;
    for (const c of partial) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  };
  const matchesAt = (buf: Uint8Array, i: number): boolean => {
    for (let k = 1; k < delim.length; k++) if (buf[i + k] !== delim[k]) return false;
    return true;
  };

  return {
    name: options.name ?? "splitLines",
    transform: (chunk, push) => {
      // A delimiter may straddle chunks: search in the held tail plus the new chunk.
      let buf = chunk;
      if (partialLen > 0) {
        partial.push(chunk);
        partialLen += chunk.length;
        buf = joined();
        partial = [];
        partialLen = 0;
      }
      let start = 0;
      let i = buf.indexOf(first, 0);
      while (i !== -1 && i + delim.length <= buf.length) {
        if (matchesAt(buf, i)) {
          if (i - start > max) throw new PipelineLineTooLongError(max);
          emit(buf.subarray(start, i), push);
          start = i + delim.length;
          i = buf.indexOf(first, start);
        } else i = buf.indexOf(first, i + 1);
      }
      if (start < buf.length) {
        if (buf.length - start > max + delim.length) throw new PipelineLineTooLongError(max);
        partial = [buf.subarray(start)];
        partialLen = buf.length - start;
      }
    },
    flush: (push) => {
      if (partialLen > 0) {
        const rest = joined();
        partial = [];
        partialLen = 0;
        if (rest.length > max) throw new PipelineLineTooLongError(max);
        push(rest);
      }
    },
  };
}

/**
 * A sink that keeps every item in {@link items} and records the end: `finished`, or `failure`.
 * It never pauses its producer: use it where the whole stream fits in memory (tests, small jobs).
 */
export class CollectingSink<T> implements IFinishableConsumer<T> {
  /** The name in pipeline error reports. */
  readonly name = "collect";
  /** Items received, in order. */
  readonly items: T[] = [];
  /** The producer registered, if any. */
  producer: IPushProducer | IPullProducer | null = null;
  /** Whether the producer is a push producer. */
  streaming = false;
  /** `true` once `finish()` was called. */
  finished = false;
  /** The failure given to `fail()`, if any. */
  failure: Failure | null = null;
  /** How many times `finish` and `fail` were called together (1 at most for a correct producer). */
  ends = 0;

  registerProducer(producer: IPushProducer, streaming: true): void;
  registerProducer(producer: IPullProducer, streaming: false): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void;
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    if (this.producer !== null)
      throw new InvalidStateError("CollectingSink already has a producer");
    this.producer = producer;
    this.streaming = streaming;
    if (!streaming) producer.resumeProducing();
  }

  unregisterProducer(): void {
    this.producer = null;
  }

  write(item: T): void {
    this.items.push(item);
  }

  finish(): void {
    this.finished = true;
    this.ends++;
  }

  fail(failure: Failure): void {
    this.failure = failure;
    this.ends++;
  }
}

/**
 * A sink collecting every item in an array.
 *
 * @example
 * ```ts
 * const sink = collect<number>();
 * await pipeline([1, 2, 3]).into(sink).done;
 * sink.items; // [1, 2, 3]
 * ```
 */
export function collect<T>(): CollectingSink<T> {
  return new CollectingSink<T>();
}
