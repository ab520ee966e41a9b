/**
 * Framing protocols, after Twisted's `twisted.protocols.basic`: lines, netstrings and
 * length-prefixed strings. Each is a sans-IO `Protocol`: feed it bytes with `dataReceived`, and
 * it calls back with whole messages and writes only through its transport.
 *
 * @module
 */
export {
  Int8StringReceiver,
  Int16StringReceiver,
  Int32StringReceiver,
  IntNStringReceiver,
} from "./intNString.js";
export { LineOnlyReceiver } from "./lineOnlyReceiver.js";
export { LineReceiver } from "./lineReceiver.js";
export { NetstringReceiver } from "./netstring.js";
