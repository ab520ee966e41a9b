import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { standardClientParsers, standardServerParsers } from "../../src/endpoints/builders.js";
import { SSL4ClientEndpoint, SSL4ServerEndpoint } from "../../src/endpoints/ssl.js";
import { parseDescription, quoteStringArgument } from "../../src/endpoints/syntax.js";
import { EndpointParseError } from "../../src/errors/errors.js";
import { MemoryReactorClock } from "../../src/testing/index.js";

const reactor = new MemoryReactorClock();
const tls = fileURLToPath(new URL("../fixtures/tls/", import.meta.url));
const text = (name: string) => readFileSync(join(tls, name), "utf8");
const dir = mkdtempSync(join(tmpdir(), "braid-builders-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const server = (d: string) => {
  const parsed = parseDescription(d);
  return standardServerParsers.get(parsed.type)!(reactor, parsed);
};
const client = (d: string) => {
  const parsed = parseDescription(d);
  return standardClientParsers.get(parsed.type)!(reactor, parsed);
};

describe("standard endpoint types", () => {
  it("are tcp, tcp6, ssl and unix on both sides", () => {
    assert.deepEqual([...standardServerParsers.keys()], ["tcp", "tcp6", "ssl", "unix"]);
    assert.deepEqual([...standardClientParsers.keys()], ["tcp", "tcp6", "ssl", "unix"]);
  });
});

describe("ssl server", () => {
  it("takes key and certificate from one file when certKey is not given", () => {
    const combined = join(dir, "combined.pem");
    writeFileSync(combined, text("server.pem") + text("server.key"));
    const ep = server(`ssl:443:privateKey=${combined}`) as SSL4ServerEndpoint;
    assert.ok(ep instanceof SSL4ServerEndpoint);
    assert.deepEqual(ep.tlsOptions, {
      key: text("server.key").trim(),
      cert: text("server.pem").trim(),
    });
  });

  it("reads paths with escaped colons", () => {
    const odd = join(dir, "odd:name.pem");
    writeFileSync(odd, text("server.pem") + text("server.key"));
    const ep = server(`ssl:443:privateKey=${quoteStringArgument(odd)}`) as SSL4ServerEndpoint;
    assert.equal(ep.tlsOptions.key, text("server.key").trim());
  });

  it("keeps the file error as the cause", () => {
    assert.throws(
      () => server("ssl:443:privateKey=/nonexistent.pem"),
      (e: unknown) =>
        e instanceof EndpointParseError && (e.cause as NodeJS.ErrnoException).code === "ENOENT",
    );
  });
});

describe("ssl client", () => {
  it("takes a client certificate and key from one file given either way", () => {
    const combined = join(dir, "client-both.pem");
    writeFileSync(combined, text("client.key") + text("client.pem"));
    const expected = { cert: text("client.pem").trim(), key: text("client.key").trim() };
    for (const param of ["certificate", "certKey", "privateKey"]) {
      const ep = client(`ssl:a:443:${param}=${combined}`) as SSL4ClientEndpoint;
      assert.ok(ep instanceof SSL4ClientEndpoint);
      assert.deepEqual(ep.tlsOptions.clientCertificate, expected, param);
    }
  });

  it("reads a directory of trust roots (caCertsDir, Twisted's name, too)", () => {
    for (const param of ["trustRoots", "caCertsDir"]) {
      const ep = client(`ssl:a:443:${param}=${tls}`) as SSL4ClientEndpoint;
      const roots = ep.tlsOptions.trustRoot as string[];
      assert.ok(roots.includes(text("ca.pem").trim()), param);
      assert.ok(roots.length >= 4, param);
    }
  });

  it("reports a key file without a certificate by the parameter given", () => {
    assert.throws(
      () => client(`ssl:a:443:privateKey=${tls}client.key`),
      /the privateKey file ".*client\.key" holds no PEM certificate/,
    );
  });
});
