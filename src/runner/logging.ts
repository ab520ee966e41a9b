/**
 * Logging set-up for the `braid` command: human-readable text (the default) or JSON lines, to a
 * stream (stderr), filtered by level.
 *
 * @module
 */

import { UsageError } from "../errors/application.js";
import { filteringLogObserver, LogLevelFilterPredicate } from "../logger/filter.js";
import {
  type ILogObserver,
  isLogLevel,
  type LogLevel,
  type LogStream,
} from "../logger/interfaces.js";
import { jsonFileLogObserver, textFileLogObserver } from "../logger/observers.js";

/** The log formats `--log-format` accepts. */
export type LogFormat = "text" | "json";

/** The logging settings of a run. */
export interface LoggingSettings {
  /** `"text"` (default) or `"json"`. */
  format: LogFormat;
  /** The lowest level written (default `"info"`). */
  level: LogLevel;
}

/**
 * Checks `--log-format` and `--log-level`.
 *
 * @throws UsageError when either is not one of the accepted values.
 */
export function loggingSettings(
  format: string | undefined,
  level: string | undefined,
): LoggingSettings {
  const f = format ?? "text";
  if (f !== "text" && f !== "json") {
    throw new UsageError(`--log-format must be "text" or "json", not ${JSON.stringify(f)}`);
  }
  const l = level ?? "info";
  if (!isLogLevel(l)) {
    throw new UsageError(
      `--log-level must be one of debug, info, warn, error, critical, not ${JSON.stringify(l)}`,
    );
  }
  return { format: f, level: l };
}

/**
 * The observer that writes events to `stream` as the settings say: one line of text, or one JSON
 * object per line, for each event at or above the level.
 *
 * @example
 * ```ts
 * globalLogBeginner.beginLoggingTo([runnerLogObserver(process.stderr, { format: "json", level: "debug" })]);
 * ```
 */
export function runnerLogObserver(stream: LogStream, settings: LoggingSettings): ILogObserver {
  const base =
    settings.format === "json" ? jsonFileLogObserver(stream) : textFileLogObserver(stream);
  return filteringLogObserver(base, [new LogLevelFilterPredicate(settings.level)]);
}
