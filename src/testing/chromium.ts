/**
 * A real browser for tests: Debian's Chromium driven headless by playwright-core, so the JsSDK
 * runs in the engine operators use and the browser — not the test — sets the Origin the helper's
 * ws2 checks. scripts/run.sh test installs the `chromium` package; where it is missing, tests
 * are skipped with the command that installs it (see {@link chromiumMissing}).
 *
 * TLS trust for the reference platform's test CA: Chromium is given
 * `--ignore-certificate-errors-spki-list=<base64 SHA-256 of the server key's SPKI>`, computed from
 * the certificate. That accepts exactly the one key the test made a moment ago, and still
 * verifies the host name, validity and every other certificate; the alternatives are broader:
 * `ignoreHTTPSErrors` (a context option) or `--ignore-certificate-errors` accept any certificate
 * at all, and adding the CA needs an NSS database on disk (certutil, another package). The flag
 * only takes effect with a custom `--user-data-dir`, which playwright always passes.
 */
import { createHash, X509Certificate } from "node:crypto";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

/** Where Debian's `chromium` package puts its launcher. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Why the browser tests cannot run here, or null when they can. */
export function chromiumMissing(path = CHROMIUM_PATH): string | null {
  try {
    Deno.statSync(path);
    return null;
  } catch {
    return `Chromium is not installed (${path}): apt-get install -y chromium ` +
      "(scripts/run.sh test installs it)";
  }
}

/** base64 of the SHA-256 of a certificate's SubjectPublicKeyInfo (DER): Chromium's SPKI pin. */
export function spkiSha256(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}

export interface ChromiumOptions {
  /** Server certificates (PEM) whose keys the browser accepts though their CA is unknown. */
  readonly trustCertificates?: readonly string[];
  /** Launch with a visible window (needs a display); default headless. */
  readonly headless?: boolean;
}

export interface RunningChromium {
  readonly browser: Browser;
  /** A page in a fresh context (own cookies, storage, cache), closed with the context. */
  newPage(): Promise<{ page: Page; context: BrowserContext; close(): Promise<void> }>;
  close(): Promise<void>;
}

/**
 * Launches Chromium (headless). Throws with {@link chromiumMissing}'s message when it is not
 * installed. `--no-sandbox`: the tests run as root in CI, where Chromium's sandbox refuses to
 * start.
 */
export async function launchChromium(options: ChromiumOptions = {}): Promise<RunningChromium> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  const args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"];
  const pins = (options.trustCertificates ?? []).map(spkiSha256);
  if (pins.length > 0) args.push(`--ignore-certificate-errors-spki-list=${pins.join(",")}`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: options.headless ?? true,
    args,
  });
  return {
    browser,
    newPage: async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      return { page, context, close: () => context.close() };
    },
    close: () => browser.close(),
  };
}
