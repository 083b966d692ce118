/** Exit codes of every command; documented in README.md ("Exit codes"). */
export const EXIT = Object.freeze({
  /** Done, or every check passed. */
  ok: 0,
  /** An unexpected failure; the message says what. */
  failure: 1,
  /** The command line is wrong; `--help` shows the right one. */
  usage: 2,
  /** The configuration is invalid; every problem was listed. */
  config: 3,
  /** `doctor` or `demo` ran, and at least one check failed. */
  checksFailed: 4,
  /** Could not start: a port is taken, a directory is not writable. */
  unavailable: 5,
});

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
