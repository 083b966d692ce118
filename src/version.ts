/** The agent's version, from package.json (embedded at compile time). */
import pkg from "../package.json" with { type: "json" };

export const VERSION: string = pkg.version;
/** The form the spec's `versionAgentHelper` uses: "AgentHelper 1.9.1.14". */
export const PRODUCT_VERSION = `AgentHelper ${VERSION}`;
