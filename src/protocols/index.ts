/**
 * `braid/protocols`: the ready protocols.
 *
 * - Framing (`basic`): `LineReceiver`, `LineOnlyReceiver`, `NetstringReceiver`,
 *   `Int8StringReceiver`, `Int16StringReceiver`, `Int32StringReceiver`.
 * - Policies: `ProtocolWrapper` / `WrappingFactory`, `withTimeout` / `IdleTimeout`,
 *   `ThrottlingFactory`, `LimitTotalConnectionsFactory`, `LimitConnectionsByPeer`.
 * - Applications: finger (server, client, user services), chat, port forwarding.
 * - AMP (Twisted's Asynchronous Messaging Protocol) as the `amp` namespace, as in
 *   `from twisted.protocols import amp`: `amp.AMP`, `amp.command`, `amp.Integer`, …
 * - IRC as the `irc` namespace (`irc.IRCClient`, `irc.parseMessage`, …); `IRCClient` is also
 *   exported by name.
 * - The PROXY protocol (v1 and v2) for servers behind a load balancer: `HAProxyWrappingFactory`,
 *   and the `haproxy:` endpoint prefix (`haproxy:tcp:8080`), registered when this module loads;
 *   `formatV1Header` / `formatV2Header` for a proxy in front of such servers.
 *
 * Their errors live with the others in `braid/errors`.
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
export * as amp from "./amp/index.js";
export * from "./basic/index.js";
export * from "./chat.js";
export * from "./finger.js";
export * from "./haproxy/index.js";
export * as irc from "./irc/index.js";
export { IRCClient } from "./irc/index.js";
export * from "./policies/index.js";
export * from "./portforward.js";
