/**
 * Rendering a log event's format string: `{name}` placeholders are replaced by the event's
 * fields, so the text exists only when an observer asks for it.
 *
 * The syntax is deliberately small:
 * - `{name}` is the field `name`; `{name.sub.more}` follows properties from it;
 * - `{{` and `}}` are a literal `{` and `}`;
 * - a placeholder naming a field that is not there is left as it was, `{name}`;
 * - a field that cannot be turned into text (its `toString` throws) renders as
 *   `[unformattable field: name]`.
 *
 * Rendering never throws, whatever the format and fields are.
 *
 * @module
 */
import { inspect } from "node:util";
import type { LogEvent, LogFields } from "./interfaces.js";

/**
 * The text of `event`: its format with the placeholders filled from its fields, or `""` when
 * the event has no format.
 *
 * @example
 * ```ts
 * formatEvent({ format: "{peer.host} sent {n} bytes {{raw}}", fields: { peer: { host: "a" }, n: 3 } });
 * // "a sent 3 bytes {raw}"
 * ```
 */
export function formatEvent(event: Pick<LogEvent, "format" | "fields">): string {
  const format = event.format;
  if (typeof format !== "string") return "";
  return formatWithFields(format, event.fields ?? {});
}

/**
 * Fills the placeholders of `format` from `fields` (the work behind {@link formatEvent}).
 * A format with no braces is returned unchanged.
 */
export function formatWithFields(format: string, fields: LogFields): string {
  let nextOpen = format.indexOf("{");
  let nextClose = format.indexOf("}");
  if (nextOpen === -1 && nextClose === -1) return format;
  let out = "";
  let i = 0;
  const n = format.length;
  while (i < n) {
    // Keep the cached positions of the next "{" / "}" at or after i.
    if (nextOpen !== -1 && nextOpen < i) nextOpen = format.indexOf("{", i);
    if (nextClose !== -1 && nextClose < i) nextClose = format.indexOf("}", i);
    const next =
      nextOpen === -1 ? nextClose : nextClose === -1 ? nextOpen : Math.min(nextOpen, nextClose);
    if (next === -1) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, next);
    i = next;
    if (format[i] === "}") {
      // "}}" is an escaped brace; a lone "}" is kept as it is.
      out += "}";
      i += format[i + 1] === "}" ? 2 : 1;
      continue;
    }
    if (format[i + 1] === "{") {
      out += "{";
      i += 2;
      continue;
    }
    const close = nextClose;
    const reopen = format.indexOf("{", i + 1);
    if (close === -1 || (reopen !== -1 && reopen < close)) {
      // No placeholder starts here: keep the brace as text.
      out += "{";
      i += 1;
      continue;
    }
    out += renderField(format.slice(i + 1, close), fields);
    i = close + 1;
  }
  return out;
}

function renderField(name: string, fields: LogFields): string {
  try {
    const path = name.split(".");
    const first = path[0] ?? "";
    if (!Object.hasOwn(fields, first)) return `{${name}}`;
    let value: unknown = fields[first];
    for (let k = 1; k < path.length; k++) {
      if (value === null || value === undefined) return `{${name}}`;
      const holder = Object(value) as Record<string, unknown>;
      const key = path[k] ?? "";
      if (!(key in holder)) return `{${name}}`;
      value = holder[key];
    }
    return valueAsText(value);
  } catch {
    return `[unformattable field: ${name}]`;
  }
}

/**
 * The text for one field value: strings as they are, objects with their own `toString` (errors,
 * failures, URLs) through it, and plain objects, arrays, maps, sets, byte arrays and functions
 * as `util.inspect` shows them.
 *
 * @throws whatever the value's `toString` throws; {@link formatWithFields} catches it.
 */
function valueAsText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "function") return inspect(value);
  if (value === null || typeof value !== "object") return String(value);
  const ownToString = (value as { toString?: unknown }).toString;
  if (
    Array.isArray(value) ||
    ArrayBuffer.isView(value) ||
    typeof ownToString !== "function" ||
    ownToString === Object.prototype.toString
  ) {
    return inspect(value, { depth: 4, breakLength: Number.POSITIVE_INFINITY });
  }
  return String(value);
}
