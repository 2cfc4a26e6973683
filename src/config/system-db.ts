// /etc/passwd and /etc/group (Node has no getpwnam or getgrnam): the colon-separated fields of
// the entry with a name, or undefined when there is none or the file cannot be read. Entries only
// a directory service knows are not found: the users and groups a daemon names are local.
import { readFileSync } from 'node:fs';

export function entryNamed(file: string, name: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return text.split('\n').map((line) => line.split(':')).find((fields) => fields[0] === name);
}
