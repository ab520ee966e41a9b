/**
 * `Logger`: what the rest of Braid logs through. A logger stamps events with its namespace, the
 * level and the time, and hands them to one observer (by default the global publisher).
 *
 * @module
 */
import { Failure } from "../errors/index.js";
import { globalLogPublisher } from "./global.js";
import {
  type ILogObserver,
  isLogLevel,
  type LogEvent,
  type LogFields,
  type LogLevel,
} from "./interfaces.js";
import type { LogPublisher } from "./publisher.js";

/**
 * Emits structured log events for one namespace.
 *
 * No log call ever throws: an observer that throws, a field object whose properties throw, or
 * an invalid level are all absorbed (an invalid level is logged at `"error"` with an extra
 * `invalidLevel` field).
 *
 * @example
 * ```ts
 * const log = new Logger("braid.tcp");
 * log.info("Connection from {host}:{port} lost", { host: "127.0.0.1", port: 5000 });
 * try {
 *   handle();
 * } catch (e) {
 *   log.failure("Handler for {peer} failed", e, { peer }); // level "critical", with traceback
 * }
 * ```
 */
export class Logger {
  /** The namespace stamped on every event, e.g. `"braid.tcp"`. */
  readonly namespace: string;
  /** The object stamped as `source` on every event, if one was given. */
  readonly source: unknown;
  readonly #observer: ILogObserver;

  /**
   * @param namespace - dotted name of what is logging; filters match it by prefix.
   * @param observer - where events go: an observer function or a publisher. Defaults to the
   *   global publisher, which is what applications configure.
   * @param source - an object to record as each event's `source`.
   */
  constructor(
    namespace: string,
    observer: ILogObserver | LogPublisher = globalLogPublisher,
    source?: unknown,
  ) {
    this.namespace = namespace;
    this.#observer = typeof observer === "function" ? observer : observer.publish;
    this.source = source;
  }

  /** Logs at `"debug"`: detail useful only when tracking a problem down. */
  debug(format: string, fields?: LogFields): void {
    this.#emit("debug", format, fields, undefined);
  }

  /** Logs at `"info"`: normal operation worth recording. */
  info(format: string, fields?: LogFields): void {
    this.#emit("info", format, fields, undefined);
  }

  /** Logs at `"warn"`: something unexpected that was handled. */
  warn(format: string, fields?: LogFields): void {
    this.#emit("warn", format, fields, undefined);
  }

  /** Logs at `"error"`: something failed. */
  error(format: string, fields?: LogFields): void {
    this.#emit("error", format, fields, undefined);
  }

  /** Logs at `"critical"`: something failed that may leave the program unable to go on. */
  critical(format: string, fields?: LogFields): void {
    this.#emit("critical", format, fields, undefined);
  }

  /**
   * Logs an error with its traceback, as the event's `failure`.
   *
   * @param failure - a `Failure`, or any thrown value (wrapped with `Failure.from`).
   * @param level - defaults to `"critical"`: an error nobody handled.
   */
  failure(
    format: string,
    failure: unknown,
    fields?: LogFields,
    level: LogLevel = "critical",
  ): void {
    let wrapped: Failure | undefined;
    try {
      wrapped = Failure.from(failure);
    } catch {
      wrapped = undefined;
    }
    this.#emit(level, format, fields, wrapped);
  }

  /** Logs at `level`; `format` may be `undefined` for a data-only event. */
  emit(level: LogLevel, format: string | undefined, fields?: LogFields): void {
    this.#emit(level, format, fields, undefined);
  }

  #emit(
    level: LogLevel,
    format: string | undefined,
    fields: LogFields | undefined,
    failure: Failure | undefined,
  ): void {
    try {
      let copy: Record<string, unknown> = { ...fields };
      if (!isLogLevel(level)) {
        copy = { ...copy, invalidLevel: level };
        level = "error";
      }
      const event: { -readonly [K in keyof LogEvent]: LogEvent[K] } = {
        namespace: this.namespace,
        level,
        format,
        time: Date.now(),
        fields: Object.freeze(copy),
      };
      if (failure !== undefined) event.failure = failure;
      if (this.source !== undefined) event.source = this.source;
      this.#observer(event);
    } catch {
      // A log call must never break the code that logs.
    }
  }
}
