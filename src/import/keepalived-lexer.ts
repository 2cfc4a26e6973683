// keepalived.conf text → lines of tokens, each token knowing its file and line.
//
// keepalived's rules (lib/parser.c, 2.2): a `#` or `!` outside double quotes starts a comment
// that runs to the end of the line; a backslash at the end of a line joins the next one; `{` and
// `}` are tokens of their own; a double-quoted string is one token without its quotes, in which
// `\"` stands for a quote. Words are separated by blanks. Pure: text in, tokens out.

export interface Token {
  readonly text: string;
  /** Written in double quotes: never a brace, never a keyword such as `include`. */
  readonly quoted: boolean;
  readonly file: string;
  readonly line: number;
}

export interface SourceLine {
  readonly file: string;
  /** 1-based; a continued line is numbered by its first physical line. */
  readonly line: number;
  readonly tokens: readonly Token[];
}

export interface Place {
  readonly file: string;
  readonly line: number;
}

export type LexResult =
  | { readonly ok: true; readonly lines: SourceLine[] }
  | { readonly ok: false; readonly at: Place; readonly message: string };

const BLANK = /[ \t\r\f\v]/;

export function lexKeepalived(text: string, file: string): LexResult {
  const physical = text.split('\n');
  const lines: SourceLine[] = [];
  for (let i = 0; i < physical.length; i++) {
    const line = i + 1;
    let joined = physical[i] as string;
    // A continuation is a backslash as the very last character (keepalived does not look past it).
    while (joined.endsWith('\\') && i + 1 < physical.length) joined = joined.slice(0, -1) + ' ' + (physical[++i] as string);
    const tokens = tokenize(joined, file, line);
    if (typeof tokens === 'string') return { ok: false, at: { file, line }, message: tokens };
    if (tokens.length > 0) lines.push({ file, line, tokens });
  }
  return { ok: true, lines };
}

/** The tokens of one logical line, or why it cannot be read. */
function tokenize(text: string, file: string, line: number): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (BLANK.test(c)) i++;
    else if (c === '#' || c === '!') break;
    else if (c === '{' || c === '}') {
      tokens.push({ text: c, quoted: false, file, line });
      i++;
    } else if (c === '"') {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && text[j + 1] === '"') j++;
        value += text[j];
      }
      if (j >= text.length) return 'unterminated quoted string';
      tokens.push({ text: value, quoted: true, file, line });
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !BLANK.test(text[j] as string) && !'{}"#!'.includes(text[j] as string)) j++;
      tokens.push({ text: text.slice(i, j), quoted: false, file, line });
      i = j;
    }
  }
  return tokens;
}

/**
 * Splits a script string into argv as keepalived does for `script` and `notify`
 * (alloc_strvec_quoted_escaped, lib/parser.c): blanks separate words, single and double quotes
 * group them, a backslash outside single quotes takes the next character literally.
 * Returns undefined for an unterminated quote.
 */
export function splitCommand(text: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i] as string;
      else word += c;
    } else if (BLANK.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + (text[++i] as string);
    } else word = (word ?? '') + c;
  }
  if (quote !== undefined) return undefined;
  if (word !== undefined) words.push(word);
  return words;
}
