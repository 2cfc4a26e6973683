/**
 * Child-process output as lines, for logs: a chunk may end mid-line, and a program may write a
 * megabyte without a newline, so lines are cut at MAX_LINE_CHARS instead of buffered whole.
 */

export const MAX_LINE_CHARS = 1000;

export class LineSplitter {
  private partial = '';

  /** The complete lines in `chunk` (with what was left over from the last one); no line ends. */
  push(chunk: string): string[] {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    const lines = parts.flatMap(cut);
    // An endless line is delivered in pieces rather than held in memory.
    while (this.partial.length >= MAX_LINE_CHARS) {
      lines.push(this.partial.slice(0, MAX_LINE_CHARS));
      this.partial = this.partial.slice(MAX_LINE_CHARS);
    }
    return lines;
  }

  /** What is left once the stream has ended: a last line without a newline, if any. */
  end(): string[] {
    const rest = this.partial;
    this.partial = '';
    return rest === '' ? [] : cut(rest);
  }
}

function cut(line: string): string[] {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += MAX_LINE_CHARS) pieces.push(text.slice(i, i + MAX_LINE_CHARS));
  return pieces.length === 0 ? [''] : pieces;
}

/** The last few lines of a program's output, for a log line that explains a failure. */
export class OutputTail {
  private readonly lines: string[] = [];

  constructor(
    private readonly maxLines = 5,
    private readonly maxLineChars = 200,
  ) {}

  push(line: string): void {
    if (line.trim() === '') return;
    this.lines.push(line.length > this.maxLineChars ? `${line.slice(0, this.maxLineChars)}…` : line);
    if (this.lines.length > this.maxLines) this.lines.shift();
  }

  text(): string {
    return this.lines.join('\n');
  }
}
