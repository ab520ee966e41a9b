/**
 * `braid/protocols`: ready-made protocols built on `Protocol`. So far the framing protocols of
 * `basic` (`LineReceiver`, `LineOnlyReceiver`, `NetstringReceiver`, `Int8StringReceiver`,
 * `Int16StringReceiver`, `Int32StringReceiver`). Their errors (`NetstringParseError`,
 * `StringTooLongError`) live with the others in `braid/errors`.
 *
 * @example
 * ```ts
 * import { LineReceiver } from "braid/protocols";
 *
 * class Echo extends LineReceiver {
 *   override lineReceived(line: Uint8Array): void {
 *     this.sendLine(line);
 *   }
 * }
 * ```
 *
 * @module
 */
export * from "./basic/index.js";
