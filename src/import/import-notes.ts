// What the importer could not carry over, one line each: `FILE:LINE: keyword: why`.
import type { Place } from './keepalived-lexer.js';
import type { Statement } from './keepalived-parser.js';

export interface ImportNote {
  readonly at: Place;
  readonly keyword: string;
  readonly why: string;
}

export class NoteList {
  readonly notes: ImportNote[] = [];

  add(statement: Statement, why: string): void {
    this.addAt(statement.keyword, statement.keyword.text, why);
  }

  /** A note about a keyword that is absent (an implied default) at the place that implies it. */
  addAt(at: Place, keyword: string, why: string): void {
    this.notes.push({ at: { file: at.file, line: at.line }, keyword, why });
  }
}

export function formatNote(note: ImportNote): string {
  return `${note.at.file}:${note.at.line}: ${note.keyword}: ${note.why}`;
}

/** In reading order: by file (in the order the parser read them), then by line. */
export function inReadingOrder(notes: readonly ImportNote[], files: readonly string[]): ImportNote[] {
  const rank = (note: ImportNote): number => files.indexOf(note.at.file);
  return [...notes].sort((a, b) => rank(a) - rank(b) || a.at.line - b.at.line);
}
