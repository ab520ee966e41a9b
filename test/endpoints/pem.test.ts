import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  certificateBlocks,
  PemFileError,
  pemBlocks,
  privateKeyBlocks,
  readCertificates,
  readPrivateKey,
  readTrustRoots,
} from "../../src/endpoints/pem.js";

const tls = fileURLToPath(new URL("../fixtures/tls/", import.meta.url));
const text = (name: string) => readFileSync(join(tls, name), "utf8");
const dir = mkdtempSync(join(tmpdir(), "braid-pem-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("PEM blocks", () => {
  it("finds every block with its label, in order", () => {
    const both = `junk\n${text("server.key")}between\n${text("server.pem")}${text("ca.pem")}`;
    assert.deepEqual(
      pemBlocks(both).map((b) => b.label),
      ["PRIVATE KEY", "CERTIFICATE", "CERTIFICATE"],
    );
    assert.equal(certificateBlocks(both).length, 2);
    assert.deepEqual(privateKeyBlocks(both), [text("server.key").trim()]);
  });

  it("recognises RSA and EC key labels, not encrypted keys", () => {
    const rsa = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----";
    const ec = "-----BEGIN EC PRIVATE KEY-----\r\nAAAA\r\n-----END EC PRIVATE KEY-----";
    const enc = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----";
    assert.deepEqual(privateKeyBlocks([rsa, ec, enc].join("\n")), [rsa, ec]);
  });

  it("ignores a block whose END does not match its BEGIN", () => {
    assert.deepEqual(pemBlocks("-----BEGIN CERTIFICATE-----\nAA\n-----END X509 CRL-----"), []);
  });
});

describe("reading PEM files", () => {
  it("reads a key and a certificate chain", () => {
    assert.equal(readPrivateKey("privateKey", join(tls, "server.key")), text("server.key").trim());
    const chainFile = join(dir, "chain.pem");
    writeFileSync(chainFile, text("server.pem") + text("ca.pem"));
    assert.equal(
      readCertificates("certKey", chainFile),
      `${text("server.pem").trim()}\n${text("ca.pem").trim()}`,
    );
  });

  it("names the parameter, the file and the reason when it fails", () => {
    assert.throws(
      () => readPrivateKey("privateKey", join(dir, "missing.pem")),
      (e: unknown) =>
        e instanceof PemFileError &&
        /^cannot read the privateKey file ".*missing\.pem" \(ENOENT\)$/.test(e.message),
    );
    assert.throws(
      () => readPrivateKey("privateKey", dir),
      /cannot read the privateKey file .*EISDIR/,
    );
    assert.throws(
      () => readCertificates("certKey", join(tls, "server.key")),
      /the certKey file ".*server\.key" holds no PEM certificate/,
    );
  });

  it("reads trust roots from a file or from every file of a directory", () => {
    assert.deepEqual(readTrustRoots("trustRoots", join(tls, "ca.pem")), [text("ca.pem").trim()]);
    const roots = join(dir, "roots");
    mkdirSync(roots);
    mkdirSync(join(roots, "subdir"));
    writeFileSync(join(roots, "b.crt"), text("selfsigned.pem"));
    writeFileSync(join(roots, "a.pem"), text("ca.pem"));
    writeFileSync(join(roots, "README"), "not a certificate");
    assert.deepEqual(readTrustRoots("trustRoots", roots), [
      text("ca.pem").trim(),
      text("selfsigned.pem").trim(),
    ]);
  });

  it("fails for a trust root path without certificates, or missing", () => {
    const empty = join(dir, "empty");
    mkdirSync(empty);
    assert.throws(
      () => readTrustRoots("caCertsDir", empty),
      /the caCertsDir directory ".*empty" holds no PEM certificate/,
    );
    assert.throws(
      () => readTrustRoots("trustRoots", join(dir, "nope")),
      /cannot read the trustRoots path ".*nope" \(ENOENT\)/,
    );
  });
});
