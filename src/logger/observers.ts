/**
 * Ready-made observers that write events to a stream: one line of text per event, or one JSON
 * object per line.
 *
 * @module
 */
import { Failure } from "../errors/index.js";
import { formatEvent } from "./format.js";
import type { ILogObserver, LogEvent, LogStream } from "./interfaces.js";

/** Options of {@link textFileLogObserver} and {@link formatEventAsText}. */
export interface TextObserverOptions {
  /**
   * Turns an event's `time` (ms since the epoch) into text. Defaults to ISO 8601 in UTC,
   * `2026-11-22T08:30:00.123Z`. A time it cannot format (or that throws) is shown as `-`.
   */
  timeFormat?: (time: number) => string;
}

/** ISO 8601 in UTC, or `-` for a time that is not a finite number. */
function isoTime(time: number): string {
  return Number.isFinite(time) ? new Date(time).toISOString() : "-";
}

/**
 * The text {@link textFileLogObserver} writes for `event`, newline included:
 * `<time> [<namespace>#<level>] <text>`, followed, when the event has a failure, by the
 * failure's traceback with each line indented by two spaces. Continuation lines of a multi-line
 * message are indented the same way. An event with no format and no failure has no text:
 * the result is `undefined`. Never throws.
 *
 * @example
 * ```ts
 * formatEventAsText(event); // "2026-11-22T08:30:00.123Z [braid.tcp#info] Connection lost\n"
 * ```
 */
export function formatEventAsText(
  event: LogEvent,
  options: TextObserverOptions = {},
): string | undefined {
  try {
    let text = formatEvent(event);
    const failure = event.failure;
    if (text === "" && event.format === undefined) {
      if (failure === undefined) return undefined;
      text = failure.toString();
    }
    let time: string;
    try {
      time = (options.timeFormat ?? isoTime)(event.time);
    } catch {
      time = "-";
    }
    let out = `${time} [${event.namespace}#${event.level}] ${indentTail(text)}\n`;
    if (failure !== undefined) out += `${indentAll(tracebackOf(failure))}\n`;
    return out;
  } catch {
    return undefined;
  }
}

/**
 * An observer writing each event to `stream` as text (see {@link formatEventAsText}); events
 * with no text are skipped.
 *
 * @example
 * ```ts
 * globalLogBeginner.beginLoggingTo([textFileLogObserver(process.stdout)]);
 * ```
 */
export function textFileLogObserver(
  stream: LogStream,
  options: TextObserverOptions = {},
): ILogObserver {
  return (event) => {
    const text = formatEventAsText(event, options);
    if (text !== undefined) stream.write(text);
  };
}

/**
 * `event` as one line of JSON (no trailing newline):
 * `{"time":…,"level":…,"namespace":…,"format":…|null,"text":…,"fields":{…},"failure":{"type":…,"message":…,"traceback":…}}`,
 * `failure` present only when the event has one. Field values JSON cannot represent are
 * replaced by text rather than throwing: a cycle by `"[Circular]"`, a bigint or a symbol by its
 * string form, a function by `"[Function: name]"`, an error by `"Name: message"`, a
 * non-finite number by `"NaN"` / `"Infinity"`, anything nested deeper than 16 levels by
 * `"[Truncated]"`, and a value whose properties throw by `"[Unserializable]"`. `source` is not
 * included.
 */
export function eventAsJSON(event: LogEvent): string {
  const record: Record<string, unknown> = {
    time: Number.isFinite(event.time) ? event.time : null,
    level: event.level,
    namespace: event.namespace,
    format: event.format ?? null,
    text: formatEvent(event),
    fields: toJSONValue(event.fields, new Set(), 0) ?? {},
  };
  const failure = event.failure;
  if (failure !== undefined) {
    record.failure = {
      type: safely(() => failure.type?.name ?? typeof failure.value),
      message: safely(() => failure.getErrorMessage()),
      traceback: tracebackOf(failure),
    };
  }
  return JSON.stringify(record);
}

/**
 * An observer writing each event to `stream` as one JSON object per line (see
 * {@link eventAsJSON}).
 *
 * @example
 * ```ts
 * import { createWriteStream } from "node:fs";
 * globalLogBeginner.beginLoggingTo([jsonFileLogObserver(createWriteStream("app.log.jsonl"))]);
 * ```
 */
export function jsonFileLogObserver(stream: LogStream): ILogObserver {
  return (event) => {
    stream.write(`${eventAsJSON(event)}\n`);
  };
}

const MAX_JSON_DEPTH = 16;

function toJSONValue(value: unknown, ancestors: Set<object>, depth: number): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
    case "undefined":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
    case "symbol":
      return value.toString();
    case "function":
      return `[Function: ${value.name || "anonymous"}]`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (ancestors.has(obj)) return "[Circular]";
  if (depth >= MAX_JSON_DEPTH) return "[Truncated]";
  ancestors.add(obj);
  try {
    if (obj instanceof Error || obj instanceof Failure) return String(obj);
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      return toJSONValue(toJSON.call(obj), ancestors, depth + 1);
    }
    if (Array.isArray(obj)) {
      return obj.map((item) => toJSONValue(item, ancestors, depth + 1) ?? null);
    }
    if (obj instanceof Map) {
      return [...obj].map((entry) => toJSONValue(entry, ancestors, depth + 1));
    }
    if (obj instanceof Set) {
      return [...obj].map((item) => toJSONValue(item, ancestors, depth + 1) ?? null);
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj)) {
      const item = toJSONValue((obj as Record<string, unknown>)[key], ancestors, depth + 1);
      if (item !== undefined) out[key] = item;
    }
    return out;
  } catch {
    return "[Unserializable]";
  } finally {
    ancestors.delete(obj);
  }
}

function tracebackOf(failure: Failure): string {
  return safely(() => failure.getTraceback());
}

function safely(f: () => string): string {
  try {
    return f();
  } catch {
    return "[unavailable]";
  }
}

function indentTail(text: string): string {
  return text.includes("\n") ? text.replace(/\n/g, "\n  ") : text;
}

function indentAll(text: string): string {
  return `  ${text.replace(/\n/g, "\n  ")}`;
}
