/**
 * Pipelines: a source, any number of processing stages and a sink under one backpressure
 * contract, typed end to end, with one Deferred for the whole run.
 *
 * ```text
 *  source ──write──▶ [input] ──▶ stage 1 ──▶ … ──▶ stage n ──write──▶ sink
 *     ▲   pause/resume   │   pause/resume   │              ◀──pause/resume──┘
 *     └──────────────────┘◀─────────────────┘
 * ```
 *
 * - Each stage is a consumer of its input and a push producer of its output. A pause from the
 *   sink reaches the source synchronously; a stage holds back at most `highWater` outputs and
 *   `concurrency` items in flight, so memory is bounded everywhere.
 * - Completion runs end to end: the source finishes (`finish()`, or `unregisterProducer()` as the
 *   producer contract says a finished producer does), each stage flushes, the sink is told with
 *   `finish()` when it is an {@link IFinishableConsumer}, and `done` fires with a
 *   {@link PipelineSummary}.
 * - A failure anywhere (a stage throws or its Deferred fails, the source fails, the sink throws or
 *   stops the pipeline) is reported exactly once: the source is stopped, the sink gets `fail()`,
 *   and `done` fails with a {@link PipelineError} naming the stage, the item and the path.
 *
 * This module extends the producer contract with two optional interfaces: {@link ISource} (a
 * source a pipeline can start) and {@link IFinishableConsumer} (a consumer that learns the stream
 * finished or failed, not only that data stopped).
 *
 * @module
 */

import { Deferred, isDeferred } from "../defer/deferred.js";
import { CancelledError } from "../errors/errors.js";
import { Failure } from "../errors/failure.js";
import { PipelineError } from "../errors/pipeline.js";
import { Logger } from "../logger/logger.js";
import { fromIterable } from "./bridges/iterable.js";
import type { IConsumer } from "./interfaces.js";
import { callProducer, type NodeOwner, StageNode } from "./stagenode.js";

const log = new Logger("braid.pipeline");

/**
 * A consumer that is told when the stream ends: `finish()` after the last `write`, or `fail()`
 * when the stream broke. A pipeline calls one of them exactly once on its sink (after
 * `unregisterProducer()`); consumers without these methods only see the producer unregister.
 */
export interface IFinishableConsumer<T> extends IConsumer<T> {
  /**
   * The stream is complete: no more writes. May return a Deferred or Promise for the moment the
   * consumer has really finished (data flushed, file closed); a pipeline waits for it and fails
   * if it fails.
   */
  finish(): MaybeAsync;
  /** The stream failed upstream: no more writes; `failure` says why. */
  fail?(failure: Failure): void;
}

/** Whether `c` has a `finish` method (and is therefore an {@link IFinishableConsumer}). */
export function isFinishable<T>(c: IConsumer<T>): c is IFinishableConsumer<T> {
  return typeof (c as Partial<IFinishableConsumer<T>>).finish === "function";
}

/**
 * Something a pipeline can start: it registers a producer on the consumer it is given, writes to
 * it, and ends with `consumer.finish()` (or `unregisterProducer()`) or `consumer.fail(failure)`.
 */
export interface ISource<T> {
  /** A name for error reports (default `"source"`). */
  readonly name?: string;
  /** Starts producing into `consumer`. Called once. */
  start(consumer: IFinishableConsumer<T>): void;
}

/** What a pipeline accepts as its source: an {@link ISource}, or any (async) iterable. */
export type Source<T> = ISource<T> | AsyncIterable<T> | Iterable<T>;

/**
 * What a stage function or a sink's `finish` returns: nothing (done now) or a Deferred / Promise
 * (done when it settles).
 */
// biome-ignore lint/suspicious/noConfusingVoidType: functions written without a return statement return void
export type MaybeAsync = void | PromiseLike<unknown>;

/** Passes one output of a stage downstream. */
export type Push<O> = (item: O) => void;

/**
 * A processing stage: turns each input `I` into zero or more outputs `O`.
 *
 * `transform` pushes its outputs; it may return a Deferred or Promise, making the stage
 * asynchronous: up to `concurrency` items are then in flight, and their outputs still come out in
 * input order (an item may push until what it returned settles). Throwing, or a failed
 * Deferred/Promise, fails the pipeline at this stage and item. A stage object keeps the state of
 * one pipeline: make a new one per pipeline.
 *
 * @typeParam I - the input type (checked against the previous stage's output).
 * @typeParam O - the output type.
 */
export interface Stage<in I, out O> {
  /** The name in error reports and summaries. */
  readonly name: string;
  /** Handles item number `index` (from 0). */
  readonly transform: (item: I, push: Push<O>, index: number) => MaybeAsync;
  /** Called once after the last input, to push what the stage still holds. */
  readonly flush?: (push: Push<O>) => MaybeAsync;
  /** Asynchronous items in flight at most (default 1). */
  readonly concurrency?: number;
  /** Outputs held back before the stage pauses its input (default 16). */
  readonly highWater?: number;
}

/** Counts of one element of a pipeline, in a {@link PipelineSummary}. */
export interface StageSummary {
  /** The element's name. */
  readonly name: string;
  /** Items it received. */
  readonly itemsIn: number;
  /** Items it passed on. */
  readonly itemsOut: number;
}

/** What a pipeline's `done` fires with. */
export interface PipelineSummary {
  /** Items delivered to the sink. */
  readonly items: number;
  /** Bytes delivered to the sink (`Uint8Array` byte lengths, string lengths). */
  readonly bytes: number;
  /** Items the source wrote. */
  readonly itemsIn: number;
  /** Bytes the source wrote. */
  readonly bytesIn: number;
  /** Per element, the source (as the input) first, the sink excluded. */
  readonly stages: readonly StageSummary[];
}

/** Options of {@link pipeline} and {@link pipe}. */
export interface PipelineOptions {
  /** The sink's name in error reports (default: its class name, or `"sink"`). */
  readonly sinkName?: string;
  /**
   * Whether the producer unregistering from `input` ends the stream (default `true`, as the
   * producer contract says a finished producer unregisters). Set `false` to feed `input` from
   * several producers in turn and end it with `input.finish()`.
   */
  readonly endOnUnregister?: boolean;
}

const RUNNING = 0;
const DONE = 1;
const FAILED = 2;

/**
 * A running pipeline.
 *
 * @typeParam In - what its input accepts.
 */
export class Pipeline<In> implements NodeOwner {
  /** Fires with a summary when the sink has finished; fails once, with a {@link PipelineError}. */
  readonly done: Deferred<PipelineSummary>;
  /** The pipeline's first consumer: register a producer on it, or write to it and `finish()`. */
  readonly input: IFinishableConsumer<In>;
  /** Names of the source, the stages and the sink, in order. */
  readonly path: readonly string[];

  private _state = RUNNING;
  private readonly _nodes: StageNode<unknown, unknown>[];
  private readonly _sink: IConsumer<unknown>;

  /** @internal use {@link pipeline} or {@link pipe}. */
  constructor(
    sourceName: string,
    stages: readonly Stage<unknown, unknown>[],
    sink: IConsumer<unknown>,
    options: PipelineOptions = {},
  ) {
    this.done = new Deferred<PipelineSummary>(() =>
      this._abort(new CancelledError("The pipeline was cancelled")),
    );
    const sinkName = options.sinkName ?? sinkNameOf(sink);
    this.path = [sourceName, ...stages.map((s) => s.name), sinkName];
    const last = stages.length;
    const head = new StageNode<unknown, unknown>(this, 0, null, {
      endOnUnregister: options.endOnUnregister ?? true,
      countBytes: true,
    });
    const nodes: StageNode<unknown, unknown>[] = [head];
    for (let i = 0; i < stages.length; i++) {
      const node = new StageNode<unknown, unknown>(this, i + 1, stages[i] ?? null, {
        endOnUnregister: false,
        countBytes: i + 1 === last,
      });
      const prev = nodes[i] as StageNode<unknown, unknown>;
      prev.next = node;
      node.registerProducer(prev, true);
      nodes.push(node);
    }
    this._nodes = nodes;
    this._sink = sink;
    (nodes[last] as StageNode<unknown, unknown>).sink = sink;
    this.input = head as IFinishableConsumer<In>;
    try {
      sink.registerProducer(nodes[last] as StageNode<unknown, unknown>, true);
    } catch (e) {
      this.failAt(last + 1, undefined, undefined, e, false);
    }
  }

  /** Stops the pipeline: the same as cancelling {@link done}. */
  stop(): void {
    this.done.cancel();
  }

  /** Counts so far, in the shape `done` fires with. */
  summary(): PipelineSummary {
    const nodes = this._nodes;
    const head = nodes[0] as StageNode<unknown, unknown>;
    const last = nodes[nodes.length - 1] as StageNode<unknown, unknown>;
    return {
      items: last.itemsOut,
      bytes: nodes.length === 1 ? head.bytesOut : last.bytesOut,
      itemsIn: head.itemsIn,
      bytesIn: head.bytesIn,
      stages: nodes.map((n, i) => ({
        name: this.path[i] as string,
        itemsIn: n.itemsIn,
        itemsOut: n.itemsOut,
      })),
    };
  }

  /** @internal see {@link NodeOwner.failAt}. */
  failAt(
    index: number,
    item: number | undefined,
    input: unknown,
    error: unknown,
    upstream: boolean,
  ): void {
    if (this._state !== RUNNING) {
      log.debug("Ignoring a failure after the pipeline ended: {error}", { error });
      return;
    }
    const err = new PipelineError(
      {
        stage: this.path[index] ?? "?",
        stageIndex: index,
        item,
        path: this.path,
        input,
      },
      { cause: error },
    );
    this._teardown(err, index, upstream);
    this.done.errback(err);
  }

  /** @internal see {@link NodeOwner.sinkFinish}. */
  sinkFinish(): void {
    if (this._state !== RUNNING) return;
    const sink = this._sink;
    const sinkIndex = this._nodes.length;
    let r: unknown;
    try {
      sink.unregisterProducer();
      if (isFinishable(sink)) r = sink.finish();
    } catch (e) {
      this.failAt(sinkIndex, undefined, undefined, e, false);
      return;
    }
    if (
      r !== null &&
      typeof r === "object" &&
      typeof (r as PromiseLike<unknown>).then === "function"
    ) {
      const onOk = () => this._complete();
      const onErr = (e: unknown) => this.failAt(sinkIndex, undefined, undefined, e, false);
      if (isDeferred(r)) {
        r.addCallbacks(
          (v: unknown) => {
            onOk();
            return v;
          },
          (f: Failure) => {
            onErr(f.value);
            return null;
          },
        );
      } else (r as PromiseLike<unknown>).then(onOk, onErr);
      return;
    }
    this._complete();
  }

  private _complete(): void {
    if (this._state !== RUNNING) return;
    this._state = DONE;
    this.done.callback(this.summary());
  }

  private _abort(reason: Error): void {
    if (this._state !== RUNNING) return;
    this._teardown(reason, -1, false);
  }

  /** Kills every node, stops the source (unless it failed itself) and fails the sink. */
  private _teardown(reason: Error, index: number, upstream: boolean): void {
    this._state = FAILED;
    const head = this._nodes[0] as StageNode<unknown, unknown>;
    const source = head.producer;
    head.producer = null;
    for (const n of this._nodes) n.kill();
    if (source !== null && !(upstream && index === 0)) callProducer(source, "stopProducing");
    const sink = this._sink;
    try {
      sink.unregisterProducer();
    } catch (e) {
      log.failure("The sink's unregisterProducer failed", e);
    }
    if (index !== this._nodes.length && isFinishable(sink) && sink.fail !== undefined) {
      try {
        sink.fail(new Failure(reason));
      } catch (e) {
        log.failure("The sink's fail failed", e);
      }
    }
  }
}

function sinkNameOf(sink: object): string {
  const n = (sink as { name?: unknown }).name;
  if (typeof n === "string" && n !== "") return n;
  const c = sink.constructor?.name;
  return c && c !== "Object" ? c : "sink";
}

function toSource<T>(source: Source<T>): ISource<T> {
  if (typeof (source as ISource<T>).start === "function") return source as ISource<T>;
  return fromIterable(source as AsyncIterable<T> | Iterable<T>);
}

/**
 * Builds a pipeline stage by stage; each {@link through} checks that the stage accepts what the
 * previous one produces.
 *
 * @typeParam In - what the pipeline's input accepts.
 * @typeParam T - what the last stage so far produces.
 */
export class PipelineBuilder<In, T> {
  /** @internal use {@link pipeline}. */
  constructor(
    private readonly _source: ISource<In> | null,
    private readonly _stages: readonly Stage<unknown, unknown>[],
    private readonly _options: PipelineOptions,
  ) {}

  /** Adds a stage that takes this pipeline's items. */
  through<O>(stage: Stage<T, O>): PipelineBuilder<In, O> {
    return new PipelineBuilder<In, O>(
      this._source,
      [...this._stages, stage as unknown as Stage<unknown, unknown>],
      this._options,
    );
  }

  /**
   * Connects the sink and starts the source (if one was given): the pipeline runs from here.
   *
   * @param sink - any consumer of the items; an {@link IFinishableConsumer} is told the end.
   */
  into(sink: IConsumer<T>): Pipeline<In> {
    const src = this._source;
    const p = new Pipeline<In>(
      src?.name ?? "source",
      this._stages,
      sink as IConsumer<unknown>,
      this._options,
    );
    if (src !== null && p.done.called === false) {
      try {
        src.start(p.input);
      } catch (e) {
        p.failAt(0, 0, undefined, e, true);
      }
    }
    return p;
  }
}

/**
 * Starts building a pipeline from `source` (an {@link ISource}, an async iterable or an iterable),
 * or, without a source, one whose `input` the caller feeds.
 *
 * @example
 * ```ts
 * const p = pipeline(fromReadable<Uint8Array>(fs.createReadStream("log.txt")))
 *   .through(splitLines())
 *   .through(map((line) => new TextDecoder().decode(line)))
 *   .through(filter((s) => s.includes("ERROR")))
 *   .into(collect<string>());
 * const { items } = await p.done;
 * ```
 */
export function pipeline<T>(
  source?: Source<T>,
  options: PipelineOptions = {},
): PipelineBuilder<T, T> {
  return new PipelineBuilder<T, T>(source === undefined ? null : toSource(source), [], options);
}

/**
 * Runs `source` through the stages into `sink`, the variadic form of {@link pipeline}; the
 * overloads check each stage against the previous one (up to six stages; use the builder beyond).
 *
 * @example
 * ```ts
 * const p = pipe([1, 2, 3], map((n: number) => n * 2), filter((n: number) => n > 2), collect<number>());
 * ```
 */
export function pipe<A>(source: Source<A>, sink: IConsumer<A>): Pipeline<A>;
export function pipe<A, B>(source: Source<A>, s1: Stage<A, B>, sink: IConsumer<B>): Pipeline<A>;
export function pipe<A, B, C>(
  source: Source<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  sink: IConsumer<C>,
): Pipeline<A>;
export function pipe<A, B, C, D>(
  source: Source<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  sink: IConsumer<D>,
): Pipeline<A>;
export function pipe<A, B, C, D, E>(
  source: Source<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
  sink: IConsumer<E>,
): Pipeline<A>;
export function pipe<A, B, C, D, E, F>(
  source: Source<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
  s5: Stage<E, F>,
  sink: IConsumer<F>,
): Pipeline<A>;
export function pipe<A, B, C, D, E, F, G>(
  source: Source<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
  s5: Stage<E, F>,
  s6: Stage<F, G>,
  sink: IConsumer<G>,
): Pipeline<A>;
export function pipe(source: Source<unknown>, ...rest: unknown[]): Pipeline<unknown> {
  const sink = rest[rest.length - 1] as IConsumer<unknown>;
  let b = pipeline(source);
  for (let i = 0; i < rest.length - 1; i++) b = b.through(rest[i] as Stage<unknown, unknown>);
  return b.into(sink);
}
