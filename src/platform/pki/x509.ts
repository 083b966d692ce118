/**
 * @peculiar/x509 with the Reflect metadata polyfill it needs (npm reflect-metadata) loaded first and WebCrypto set as
 * its provider. Import x509 through this module only: ES modules evaluate their imports in
 * order, so the polyfill runs before the library's first line.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(crypto);

export { x509 };
