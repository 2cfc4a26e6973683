// Where a JSON syntax error is, as line and column.
//
// JSON.parse in Node 20 often says only "Unexpected token '}', ... is not
// valid JSON", without a position, so after it fails we walk the text with
// this small RFC 8259 recognizer to find the first offending character. It
// only runs on text JSON.parse has already rejected.

export interface TextPosition {
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units. */
  readonly column: number;
}

class SyntaxStop {
  constructor(readonly offset: number) {}
}

/** Offset of the first character that makes `text` invalid JSON; undefined if it is valid. */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const stop = (): never => {
    throw new SyntaxStop(i);
  };
  const skipSpace = (): void => {
    while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r') i++;
  };
  const expect = (char: string): void => {
    skipSpace();
    if (text[i] !== char) stop();
    i++;
  };
  const digits = (): void => {
    const start = i;
    while (isDigit(text[i])) i++;
    if (i === start) stop();
  };
  const number = (): void => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const string = (): void => {
    expect('"');
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') stop();
      if (c === '"') break;
      if (c === '\\') {
        i++;
        if (text[i] === 'u') {
          for (let k = 1; k <= 4; k++) if (!isHexDigit(text[i + k])) stop();
          i += 4;
        } else if (text[i] === undefined || !'"\\/bfnrt'.includes(text[i] as string)) stop();
      }
      i++;
    }
    i++;
  };
  // Members of an object or elements of an array, up to the closing bracket.
  const sequence = (close: string, member: () => void): void => {
    i++;
    skipSpace();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      member();
      skipSpace();
      if (text[i] === close) {
        i++;
        return;
      }
      expect(',');
    }
  };
  const value = (): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      sequence('}', () => {
        string();
        expect(':');
        value();
      });
    } else if (c === '[') sequence(']', value);
    else if (c === '"') string();
    else if (c === '-' || isDigit(c)) number();
    else {
      const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i));
      if (literal === undefined) stop();
      else i += literal.length;
    }
  };
  try {
    value();
    skipSpace();
    if (i < text.length) stop();
    return undefined;
  } catch (e) {
    if (e instanceof SyntaxStop) return e.offset;
    if (e instanceof RangeError) return undefined; // nested too deeply to recurse; give no position
    throw e;
  }
}

export function positionAt(text: string, offset: number): TextPosition {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isHexDigit(c: string | undefined): boolean {
  return c !== undefined && (isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
}
