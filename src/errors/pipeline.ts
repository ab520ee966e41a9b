/**
 * Errors of pipelines (`braid/producers` pipelines and bridges).
 *
 * A pipeline reports every failure once, as a {@link PipelineError} that says where it happened
 * (which stage, which item) and wraps the original error as `cause`.
 *
 * @module
 */

import { BraidError, withCode } from "./errors.js";

/** Where a pipeline failure happened, as given to {@link PipelineError}. */
export interface PipelineErrorContext {
  /** The name of the stage that failed (the source's, a stage's or the sink's). */
  readonly stage: string;
  /** The position of that stage in {@link path}: 0 is the source, the last is the sink. */
  readonly stageIndex: number;
  /**
   * The number of the item the stage was handling, counted from 0 in that stage's input; for a
   * source, the number of items it had written before it failed. `undefined` when no item was
   * involved (a failure while finishing, a stop).
   */
  readonly item: number | undefined;
  /** The names of every element of the pipeline, source first, sink last. */
  readonly path: readonly string[];
  /** The item itself, when known (not part of the message: it may be large or sensitive). */
  readonly input?: unknown;
}

/**
 * A pipeline failed. `cause` is the original error; the other fields say where it happened, so
 * that a bad input deep in a stream can be traced back.
 *
 * @example
 * ```ts
 * p.done.addErrback((f) => {
 *   const e = f.value as PipelineError;
 *   console.log(e.stage, e.item, e.path.join(" → "), e.cause);
 * });
 * ```
 */
export class PipelineError extends BraidError {
  /** The name of the stage that failed. */
  readonly stage: string;
  /** The position of the stage in {@link path} (0: the source; `path.length - 1`: the sink). */
  readonly stageIndex: number;
  /** The number of the item the stage was handling, counted from 0 in its input, when known. */
  readonly item: number | undefined;
  /** Source, stage and sink names, in order. */
  readonly path: readonly string[];
  /** The offending item, when known. */
  readonly input: unknown;

  constructor(context?: PipelineErrorContext, options?: ErrorOptions) {
    const ctx = context ?? { stage: "?", stageIndex: -1, item: undefined, path: [] };
    const cause = options?.cause;
    const why =
      cause instanceof Error ? cause.message : cause === undefined ? "failed" : String(cause);
    const where = ctx.path.length > 0 ? ` (${ctx.path.join(" → ")})` : "";
    const at = ctx.item === undefined ? "" : `, item ${ctx.item}`;
    super(
      `Pipeline failed at stage "${ctx.stage}" #${ctx.stageIndex}${where}${at}: ${why}`,
      options,
    );
    this.stage = ctx.stage;
    this.stageIndex = ctx.stageIndex;
    this.item = ctx.item;
    this.path = ctx.path;
    this.input = ctx.input;
  }
}
withCode(PipelineError, "ERR_PIPELINE");

/**
 * The consumer at the end of a pipeline (or of a bridge) stopped it before the stream was
 * complete, e.g. the connection it wrote to was lost. `cause` holds the consumer's reason when
 * it gave one.
 */
export class PipelineStoppedError extends BraidError {
  constructor(message = "The consumer stopped the pipeline", options?: ErrorOptions) {
    super(message, options);
  }
}
withCode(PipelineStoppedError, "ERR_PIPELINE_STOPPED");

/** A line longer than the limit of a line-splitting stage arrived. */
export class PipelineLineTooLongError extends BraidError {
  /** The limit, in bytes. */
  readonly maxLength: number;

  constructor(maxLength = 0, message?: string, options?: ErrorOptions) {
    super(message ?? `A line is longer than the limit of ${maxLength} bytes`, options);
    this.maxLength = maxLength;
  }
}
withCode(PipelineLineTooLongError, "ERR_PIPELINE_LINE_TOO_LONG");
