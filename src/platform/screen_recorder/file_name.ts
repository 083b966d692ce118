/**
 * The object key of a recording is the Header's `file_name`, used as a file name in the store's
 * directories (and later as an S3 key), so it is restricted to a safe alphabet: no path
 * separator, no "..", no name made of dots only, bounded length.
 */

export const MAX_FILE_NAME_LENGTH = 200;

const ALPHABET = /^[A-Za-z0-9._-]+$/;

/** Why `name` cannot be a recording's key, or undefined when it can. */
export function fileNameProblem(name: string): string | undefined {
  if (name === "") return "file_name is empty";
  if (name.length > MAX_FILE_NAME_LENGTH) {
    return `file_name is longer than ${MAX_FILE_NAME_LENGTH} characters`;
  }
  if (!ALPHABET.test(name)) return "file_name may hold only A-Z a-z 0-9 . _ -";
  if (name.includes("..")) return 'file_name must not contain ".."';
  if (/^\.+$/.test(name)) return "file_name must not be dots only";
  return undefined;
}

export function isValidFileName(name: string): boolean {
  return fileNameProblem(name) === undefined;
}
