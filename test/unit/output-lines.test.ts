// Child-process output cut into lines for the logs, and the short tail kept for a failure.
import t from 'tap';
import { LineSplitter, MAX_LINE_CHARS, OutputTail } from '../../src/runtime/output-lines.js';

t.test('lines across chunks, CRLF, and a last line without a newline', async (t) => {
  const splitter = new LineSplitter();
  t.same(splitter.push('one\ntw'), ['one']);
  t.same(splitter.push('o\r\nthree\n\nfo'), ['two', 'three', '']);
  t.same(splitter.push('ur'), []);
  t.same(splitter.end(), ['four']);
  t.same(splitter.end(), [], 'nothing left after the end');
});

t.test('a line longer than MAX_LINE_CHARS comes in pieces, also before its newline', async (t) => {
  const splitter = new LineSplitter();
  const long = 'x'.repeat(MAX_LINE_CHARS * 2 + 10);
  const pieces = splitter.push(long);
  t.same(pieces.map((p) => p.length), [MAX_LINE_CHARS, MAX_LINE_CHARS], 'not held in memory waiting for a newline');
  t.same(splitter.push('\n'), ['x'.repeat(10)]);
  t.same(new LineSplitter().push(`${'y'.repeat(MAX_LINE_CHARS + 1)}\n`).map((p) => p.length), [MAX_LINE_CHARS, 1]);
});

t.test('the output tail keeps the last non-blank lines, shortened', async (t) => {
  const tail = new OutputTail(2, 6);
  for (const line of ['first', '', 'second', '   ', 'a long third line']) tail.push(line);
  t.equal(tail.text(), 'second\na long…');
});
