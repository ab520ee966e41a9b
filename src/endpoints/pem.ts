/**
 * Reading PEM files for the `ssl:` endpoint descriptions: private keys, certificate chains and
 * trust roots, with errors that name the file and what was missing in it.
 *
 * Files are read synchronously, once, when the description is parsed, so that a bad path is
 * reported at start-up rather than at the first connection.
 *
 * @module
 */

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** A PEM block: its label (`"CERTIFICATE"`, `"PRIVATE KEY"`, …) and its full text. */
export interface PemBlock {
  readonly label: string;
  readonly text: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g;

/** Every PEM block of `text`, in order. */
export function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1] as string, text: m[0] }));
}

/** The certificate blocks of `text`. */
export function certificateBlocks(text: string): string[] {
  return pemBlocks(text)
    .filter((b) => b.label === "CERTIFICATE")
    .map((b) => b.text);
}

/** The private key blocks of `text` (`PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY`, …). */
export function privateKeyBlocks(text: string): string[] {
  return pemBlocks(text)
    .filter((b) => b.label.endsWith("PRIVATE KEY") && !b.label.includes("ENCRYPTED"))
    .map((b) => b.text);
}

/** A problem with a PEM file; the parser turns it into an `EndpointParseError`. */
export class PemFileError extends Error {
  override name = "PemFileError";
}

/**
 * The text of the file at `path`, given as parameter `param`.
 *
 * @throws {@link PemFileError} naming the parameter and the file when it cannot be read.
 */
export function readPemFile(param: string, path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new PemFileError(`cannot read the ${param} file "${path}" (${why})`, { cause: e });
  }
}

/**
 * The first private key in the file at `path`.
 *
 * @throws {@link PemFileError} when the file cannot be read or holds no unencrypted private key.
 */
export function readPrivateKey(param: string, path: string): string {
  const key = privateKeyBlocks(readPemFile(param, path))[0];
  if (key === undefined) {
    throw new PemFileError(`the ${param} file "${path}" holds no unencrypted PEM private key`);
  }
  return key;
}

/**
 * The certificates in the file at `path` (a chain: the leaf first), joined as one PEM string.
 *
 * @throws {@link PemFileError} when the file cannot be read or holds no certificate.
 */
export function readCertificates(param: string, path: string): string {
  const certs = certificateBlocks(readPemFile(param, path));
  if (certs.length === 0) {
    throw new PemFileError(`the ${param} file "${path}" holds no PEM certificate`);
  }
  return certs.join("\n");
}

/**
 * The certificates to trust, from a PEM file or from every file of a directory (files that hold
 * no certificate are skipped; sub-directories are not searched).
 *
 * @returns one PEM string per certificate.
 * @throws {@link PemFileError} when nothing can be read or no certificate is found.
 */
export function readTrustRoots(param: string, path: string): string[] {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new PemFileError(`cannot read the ${param} path "${path}" (${why})`, { cause: e });
  }
  const certs: string[] = [];
  if (isDir) {
    for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    )) {
      if (entry.isFile())
        certs.push(...certificateBlocks(readPemFile(param, join(path, entry.name))));
    }
  } else {
    certs.push(...certificateBlocks(readPemFile(param, path)));
  }
  if (certs.length === 0) {
    throw new PemFileError(
      `the ${param} ${isDir ? "directory" : "file"} "${path}" holds no PEM certificate`,
    );
  }
  return certs;
}
