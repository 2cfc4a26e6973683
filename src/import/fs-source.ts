// The file system behind the importer's ports: reading keepalived's files, expanding its
// include patterns as glob(3) does (`*`, `?` and `[...]` within one path segment, sorted, files
// only), and finding a program named without a path.
import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigSource } from './keepalived-parser.js';
import type { CommandResolver } from './keepalived-tracking.js';

export const fileSource: ConfigSource = {
  read(path) {
    try {
      return { ok: true, text: readFileSync(path, 'utf8') };
    } catch (error) {
      return { ok: false, reason: (error as NodeJS.ErrnoException).code ?? String(error) };
    }
  },
  expand(pattern) {
    const absolute = pattern.startsWith('/');
    const segments = pattern.split('/').filter((segment) => segment !== '');
    let paths = [absolute ? '/' : '.'];
    for (const segment of segments) {
      const matcher = wildcard(segment);
      paths = paths.flatMap((dir) => (matcher === undefined ? [join(dir, segment)] : listing(dir).filter((name) => matcher.test(name)).map((name) => join(dir, name))));
    }
    return paths.filter(isFile).sort();
  },
};

/** The directory search systemd gives a service, which is where keepalived finds its scripts. */
const SERVICE_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export const findProgram: CommandResolver = (program) =>
  SERVICE_PATH.map((dir) => join(dir, program)).find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return isFile(path);
    } catch {
      return false;
    }
  });

/** A regular expression for a segment with wildcards; undefined for a literal one. */
function wildcard(segment: string): RegExp | undefined {
  if (!/[*?[]/.test(segment)) return undefined;
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    const close = c === '[' ? segment.indexOf(']', i + 2) : -1;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (close > 0) {
      const body = segment.slice(i + 1, close);
      source += `[${body.startsWith('!') ? '^' + body.slice(1) : body}]`;
      i = close;
    } else source += c.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  }
  // glob(3) does not match a leading dot with a wildcard.
  return new RegExp(segment.startsWith('.') ? `^${source}$` : `^(?!\\.)${source}$`);
}

function listing(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
