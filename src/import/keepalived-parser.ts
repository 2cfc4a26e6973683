// keepalived.conf with its includes → a tree of statements.
//
// keepalived's rules (lib/parser.c, 2.2): a line whose first word is `include` is replaced by
// the files its pattern matches (glob(3), sorted; relative to the directory of the file that
// includes it), at any depth, even inside a block. A file name that names no file is an error
// here (keepalived says "Config files missing" and runs without it); a wildcard pattern that
// matches nothing, such as an empty conf.d/*.conf, is not, as in keepalived: it is noted.
// A statement is a keyword and the words after it on its line; a `{` at the end of that line,
// or alone on the next one, opens its block, and `}` closes the innermost block. Files are read
// through a ConfigSource, so the parser itself does no I/O.
import { dirname, isAbsolute, join } from 'node:path';
import type { ImportNote } from './import-notes.js';
import { lexKeepalived, type Place, type SourceLine, type Token } from './keepalived-lexer.js';

export interface Statement {
  readonly keyword: Token;
  readonly args: Token[];
  /** The statements inside `{ }`; undefined when the keyword had no block. */
  block: Statement[] | undefined;
}

export interface ConfigSource {
  /** The text of a file, or why it cannot be read. */
  read(path: string): { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string };
  /** The files a glob pattern matches, sorted; none: []. */
  expand(pattern: string): string[];
}

export type ParseResult =
  | { readonly ok: true; readonly statements: Statement[]; readonly files: string[]; readonly notes: ImportNote[] }
  | { readonly ok: false; readonly at: Place; readonly message: string };

/** Deeper than any real site nests; what is left is a loop that the chain check missed via globs. */
const MAX_INCLUDE_DEPTH = 16;

class ParseFailure extends Error {
  constructor(readonly at: Place, message: string) {
    super(message);
  }
}

export function parseKeepalived(path: string, source: ConfigSource): ParseResult {
  const files: string[] = [];
  const notes: ImportNote[] = [];
  try {
    const lines = readLines(path, source, [], { files, notes }, undefined);
    return { ok: true, statements: buildTree(lines), files, notes };
  } catch (error) {
    if (error instanceof ParseFailure) return { ok: false, at: error.at, message: error.message };
    throw error;
  }
}

/** The lines of `path` with its includes spliced in; `chain` is the files including it. */
function readLines(
  path: string,
  source: ConfigSource,
  chain: readonly string[],
  seen: { readonly files: string[]; readonly notes: ImportNote[] },
  from: Place | undefined,
): SourceLine[] {
  const where = from ?? { file: path, line: 0 };
  if (chain.includes(path)) throw new ParseFailure(where, `include loop: ${[...chain, path].join(' -> ')}`);
  if (chain.length >= MAX_INCLUDE_DEPTH) throw new ParseFailure(where, `includes nest deeper than ${MAX_INCLUDE_DEPTH} files`);
  const read = source.read(path);
  if (!read.ok) throw new ParseFailure(where, `cannot read ${path}: ${read.reason}`);
  seen.files.push(path);
  const lexed = lexKeepalived(read.text, path);
  if (!lexed.ok) throw new ParseFailure(lexed.at, lexed.message);
  const out: SourceLine[] = [];
  for (const line of lexed.lines) {
    const first = line.tokens[0] as Token;
    if (first.quoted || first.text !== 'include') {
      out.push(line);
      continue;
    }
    const place = { file: line.file, line: line.line };
    if (line.tokens.length !== 2) throw new ParseFailure(place, 'include takes exactly one file name or pattern');
    const written = (line.tokens[1] as Token).text;
    const pattern = isAbsolute(written) ? written : join(dirname(path), written);
    const matches = source.expand(pattern);
    if (matches.length === 0) {
      if (!/[*?[]/.test(written)) throw new ParseFailure(place, `include ${written}: ${pattern} does not exist`);
      seen.notes.push({ at: place, keyword: 'include', why: `${written} matches no file: nothing included (keepalived does the same)` });
    }
    for (const match of matches) out.push(...readLines(match, source, [...chain, path], seen, place));
  }
  return out;
}

function buildTree(lines: readonly SourceLine[]): Statement[] {
  const top: Statement[] = [];
  // The open blocks, innermost last, each with the statement that opened it.
  const open: Array<{ statements: Statement[]; owner: Statement | undefined }> = [{ statements: top, owner: undefined }];
  for (const line of lines) {
    let current: Statement | undefined;
    for (const token of line.tokens) {
      const block = open[open.length - 1] as { statements: Statement[]; owner: Statement | undefined };
      if (!token.quoted && token.text === '{') {
        // `{` alone on its line opens the block of the statement on the line before.
        const owner = current ?? block.statements.at(-1);
        if (owner === undefined || owner.block !== undefined) throw new ParseFailure(token, "'{' with no keyword before it");
        owner.block = [];
        open.push({ statements: owner.block, owner });
        current = undefined;
      } else if (!token.quoted && token.text === '}') {
        if (open.length === 1) throw new ParseFailure(token, "'}' closes no block");
        open.pop();
        current = undefined;
      } else if (current === undefined) {
        current = { keyword: token, args: [], block: undefined };
        block.statements.push(current);
      } else current.args.push(token);
    }
  }
  const unclosed = open[open.length - 1]?.owner;
  if (unclosed !== undefined) {
    throw new ParseFailure(unclosed.keyword, `the block of ${unclosed.keyword.text} opened here is never closed (missing '}')`);
  }
  return top;
}
