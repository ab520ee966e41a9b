import { describe, it } from "node:test";
import { expectTypeOf } from "expect-type";
import type { Deferred } from "../../src/defer/deferred.js";
import {
  type clientFromString,
  connectProtocol,
  type HostnameEndpoint,
  type IStreamClientEndpoint,
  type IStreamServerEndpoint,
  type SSL4ClientEndpoint,
  type SSL4ServerEndpoint,
  type serverFromString,
  type TCP4ClientEndpoint,
  type TCP4ServerEndpoint,
  type TCP6ClientEndpoint,
  type TCP6ServerEndpoint,
  type UNIXClientEndpoint,
  type UNIXServerEndpoint,
} from "../../src/endpoints/index.js";
import type { IProtocol } from "../../src/protocol/interfaces.js";
import type { IListeningPort, IReactor } from "../../src/reactor/interfaces.js";
import type { MemoryReactor, MemoryReactorClock } from "../../src/testing/index.js";
import type { Recorder } from "./fakes.js";

describe("endpoint interfaces (types)", () => {
  it("every server endpoint is an IStreamServerEndpoint", () => {
    expectTypeOf<TCP4ServerEndpoint>().toExtend<IStreamServerEndpoint>();
    expectTypeOf<TCP6ServerEndpoint>().toExtend<IStreamServerEndpoint>();
    expectTypeOf<SSL4ServerEndpoint>().toExtend<IStreamServerEndpoint>();
    expectTypeOf<UNIXServerEndpoint>().toExtend<IStreamServerEndpoint>();
    expectTypeOf<IStreamServerEndpoint["listen"]>().returns.toEqualTypeOf<
      Deferred<IListeningPort>
    >();
  });

  it("every client endpoint is an IStreamClientEndpoint", () => {
    expectTypeOf<TCP4ClientEndpoint>().toExtend<IStreamClientEndpoint>();
    expectTypeOf<TCP6ClientEndpoint>().toExtend<IStreamClientEndpoint>();
    expectTypeOf<SSL4ClientEndpoint>().toExtend<IStreamClientEndpoint>();
    expectTypeOf<UNIXClientEndpoint>().toExtend<IStreamClientEndpoint>();
    expectTypeOf<HostnameEndpoint>().toExtend<IStreamClientEndpoint>();
    expectTypeOf<IStreamClientEndpoint["connect"]>().returns.toEqualTypeOf<Deferred<IProtocol>>();
  });

  it("the real reactor and the memory reactor with a clock fit the parsers", () => {
    expectTypeOf<IReactor>().toExtend<Parameters<typeof serverFromString>[0]>();
    expectTypeOf<MemoryReactorClock>().toExtend<Parameters<typeof clientFromString>[0]>();
    expectTypeOf<MemoryReactor>().toExtend<ConstructorParameters<typeof TCP4ClientEndpoint>[0]>();
  });

  it("connectProtocol keeps the protocol's type", () => {
    expectTypeOf(connectProtocol<Recorder>).returns.toEqualTypeOf<Deferred<Recorder>>();
  });
});
