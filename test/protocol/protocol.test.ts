import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConnectionDone } from "../../src/errors/errors.js";
import { Failure } from "../../src/errors/failure.js";
import { type ITransport, isHalfCloseable } from "../../src/protocol/interfaces.js";
import { Protocol } from "../../src/protocol/protocol.js";

describe("Protocol", () => {
  it("makeConnection sets the transport, then calls connectionMade", () => {
    const order: string[] = [];
    class P extends Protocol {
      override connectionMade(): void {
        order.push(`made connected=${this.connected} transport=${this.transport !== null}`);
      }
    }
    const p = new P();
    assert.equal(p.connected, false);
    p.makeConnection({} as ITransport);
    assert.deepEqual(order, ["made connected=true transport=true"]);
    p.connectionLost(new Failure(new ConnectionDone()));
    assert.equal(p.connected, false);
  });

  it("ignores data by default", () => {
    const p = new Protocol();
    p.dataReceived(new Uint8Array([1]));
    assert.equal(p.transport, null);
  });

  it("isHalfCloseable recognises the two methods", () => {
    assert.equal(isHalfCloseable(new Protocol()), false);
    class H extends Protocol {
      readConnectionLost(): void {}
      writeConnectionLost(): void {}
    }
    assert.equal(isHalfCloseable(new H()), true);
  });
});
