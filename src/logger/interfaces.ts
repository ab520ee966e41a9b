/**
 * The contracts of Braid's structured logger: log levels, the shape of a log event, and what an
 * observer is.
 *
 * A log event is data, not text: a namespace (`"braid.tcp"`), a level, a format string with
 * `{name}` placeholders, and the fields those placeholders refer to. Text is produced only by the
 * observers that want it (see `formatEvent`), so a JSON observer sees the same fields the code
 * logged.
 *
 * @module
 */
import type { Failure } from "../errors/index.js";

/**
 * Every log level, least to most severe. Frozen; use it to iterate or to validate input.
 */
export const LogLevels = Object.freeze(["debug", "info", "warn", "error", "critical"] as const);

/**
 * How severe a log event is: `"debug"` < `"info"` < `"warn"` < `"error"` < `"critical"`.
 */
export type LogLevel = (typeof LogLevels)[number];

const rank: Readonly<Record<LogLevel, number>> = {
  debug: 0,
  info: 1,
  warn: 2,
  error: 3,
  critical: 4,
};

/**
 * Whether `level` is as severe as `minimum` or more.
 *
 * @example
 * ```ts
 * levelAtLeast("error", "warn"); // true
 * levelAtLeast("info", "warn"); // false
 * ```
 */
export function levelAtLeast(level: LogLevel, minimum: LogLevel): boolean {
  return rank[level] >= rank[minimum];
}

/** Whether `value` is one of the {@link LogLevels} (for validating configuration). */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === "string" && Object.hasOwn(rank, value);
}

/** The structured data of a log event, which `{name}` placeholders in its format refer to. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * One log event, as observers receive it. Observers must treat it as read-only: the same object
 * is handed to every observer.
 */
export interface LogEvent {
  /** Who logged it, dotted from general to specific: `"braid.tcp"`. */
  readonly namespace: string;
  /** How severe it is. */
  readonly level: LogLevel;
  /**
   * The message, with `{name}` / `{name.sub}` placeholders filled from {@link fields} by
   * `formatEvent`; `undefined` for a data-only event with no human-readable text.
   */
  readonly format: string | undefined;
  /** When it was logged, in milliseconds since the Unix epoch. */
  readonly time: number;
  /** The error being reported, for events logged with `Logger.failure`. */
  readonly failure?: Failure;
  /** The event's data. */
  readonly fields: LogFields;
  /** The object that logged it, when the `Logger` was given one. */
  readonly source?: unknown;
}

/**
 * Something that receives log events. Observers are called synchronously, in the order they were
 * added, while the code that logged is still on the stack: they should be quick, and should not
 * throw (a `LogPublisher` reports an observer that throws to the other observers).
 */
export type ILogObserver = (event: LogEvent) => void;

/** Where text observers write: anything with a `write(text)` method, such as `process.stderr`. */
export interface LogStream {
  /** Writes `text`; the return value is ignored. */
  write(text: string): unknown;
}
