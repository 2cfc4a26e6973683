// keepalived.conf syntax as keepalived reads it (lib/parser.c): comments, quotes, braces, includes.
// The files live in memory behind ConfigSource; the fixture tests (test/interop/keepalived-import)
// run real files that keepalived itself has checked.
import t from 'tap';
import { lexKeepalived, splitCommand } from '../../src/import/keepalived-lexer.js';
import { parseKeepalived, type ConfigSource, type Statement } from '../../src/import/keepalived-parser.js';

function memory(files: Record<string, string>): ConfigSource {
  return {
    read: (path) => (path in files ? { ok: true, text: files[path] as string } : { ok: false, reason: 'ENOENT' }),
    expand: (pattern) => {
      const re = new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/\*/g, '[^/]*')}$`);
      return Object.keys(files).filter((path) => re.test(path)).sort();
    },
  };
}

/** A statement tree as plain data: [keyword, args, children?]. */
function shape(statements: readonly Statement[]): unknown[] {
  return statements.map((s) => [s.keyword.text, s.args.map((a) => a.text), ...(s.block === undefined ? [] : [shape(s.block)])]);
}

t.test('comments (# and ! outside quotes), quoted strings and braces are tokens as keepalived has them', async (t) => {
  const lexed = lexKeepalived('a "b # c" d # comment\n! whole line\n  e{f}  ! trailing\n', 'k.conf');
  if (!lexed.ok) throw new Error(lexed.message);
  t.same(lexed.lines.map((l) => [l.line, l.tokens.map((x) => x.text)]), [[1, ['a', 'b # c', 'd']], [3, ['e', '{', 'f', '}']]]);
  t.equal(lexed.lines[0]?.tokens[1]?.quoted, true);
});

t.test('a backslash at the end of a line continues it; the line keeps its first number', async (t) => {
  const lexed = lexKeepalived('one \\\n two\nthree\n', 'k.conf');
  if (!lexed.ok) throw new Error(lexed.message);
  t.same(lexed.lines.map((l) => [l.line, l.tokens.map((x) => x.text)]), [[1, ['one', 'two']], [3, ['three']]]);
});

t.test('an unterminated quote is a parse error at its line', async (t) => {
  const lexed = lexKeepalived('ok\nscript "/bin/x\n', 'k.conf');
  t.same(lexed.ok ? undefined : [lexed.at.line, lexed.message], [2, 'unterminated quoted string']);
});

t.test('script strings split into argv as keepalived splits them: quotes group, backslash escapes', async (t) => {
  t.same(splitCommand(`/usr/bin/check "two words" 'it''s' a\\ b`), ['/usr/bin/check', 'two words', 'its', 'a b']);
  t.same(splitCommand('  /bin/true  '), ['/bin/true']);
  t.equal(splitCommand('/bin/x "open'), undefined);
});

t.test('blocks: `{` on the keyword line or alone on the next one, `}` closes the innermost, one-line blocks', async (t) => {
  const parsed = parseKeepalived('/k.conf', memory({
    '/k.conf': 'vrrp_instance web\n{\n  virtual_ipaddress { 192.0.2.10/24 dev eth0 }\n  nopreempt\n}\nglobal_defs {\n}\n',
  }));
  if (!parsed.ok) throw new Error(parsed.message);
  t.same(shape(parsed.statements), [
    ['vrrp_instance', ['web'], [['virtual_ipaddress', [], [['192.0.2.10/24', ['dev', 'eth0']]]], ['nopreempt', []]]],
    ['global_defs', [], []],
  ]);
});

t.test('include: a glob relative to the including file, sorted, spliced in where it stands (also inside a block)', async (t) => {
  const parsed = parseKeepalived('/etc/k/k.conf', memory({
    '/etc/k/k.conf': 'vrrp_instance web {\n  include parts/*.conf\n}\n',
    '/etc/k/parts/b.conf': 'priority 50\n',
    '/etc/k/parts/a.conf': 'interface eth0\ninclude ../more/x.conf\n',
    '/etc/k/more/x.conf': 'nopreempt\n',
  }));
  if (!parsed.ok) throw new Error(parsed.message);
  t.same(shape(parsed.statements), [['vrrp_instance', ['web'], [['interface', ['eth0']], ['nopreempt', []], ['priority', ['50']]]]]);
  t.same(parsed.files, ['/etc/k/k.conf', '/etc/k/parts/a.conf', '/etc/k/more/x.conf', '/etc/k/parts/b.conf']);
  const nopreempt = (parsed.statements[0]?.block ?? [])[1];
  t.same([nopreempt?.keyword.file, nopreempt?.keyword.line], ['/etc/k/more/x.conf', 1], 'statements keep their own file and line');
});

t.test('files that cannot be parsed name the file and line', async (t) => {
  const cases: Array<[string, Record<string, string>, string, number, RegExp]> = [
    ['missing }', { '/k.conf': 'global_defs {\n}\nvrrp_instance web {\n  virtual_ipaddress {\n  }\n' }, '/k.conf', 3, /vrrp_instance opened here is never closed/],
    ['extra }', { '/k.conf': 'global_defs {\n}\n}\n' }, '/k.conf', 3, /closes no block/],
    ['{ without keyword', { '/k.conf': '{\n}\n' }, '/k.conf', 1, /no keyword/],
    ['include of a file that does not exist', { '/k.conf': 'global_defs {\n}\ninclude /nowhere.conf\n' }, '/k.conf', 3, /\/nowhere\.conf does not exist/],
    ['error inside an included file', { '/k.conf': 'include /i.conf\n', '/i.conf': 'a\nb }\n' }, '/i.conf', 2, /closes no block/],
    ['include loop', { '/k.conf': 'include /i.conf\n', '/i.conf': 'include /k.conf\n' }, '/i.conf', 1, /include loop: \/k\.conf -> \/i\.conf -> \/k\.conf/],
  ];
  for (const [what, files, file, line, message] of cases) {
    const parsed = parseKeepalived('/k.conf', memory(files));
    t.same(parsed.ok ? undefined : [parsed.at.file, parsed.at.line], [file, line], what);
    t.match(parsed.ok ? '' : parsed.message, message, what);
  }
});

t.test('an include pattern that matches nothing (an empty conf.d) is noted, as keepalived lets it pass', async (t) => {
  const parsed = parseKeepalived('/k.conf', memory({ '/k.conf': 'include conf.d/*.conf\nglobal_defs {\n}\n' }));
  if (!parsed.ok) throw new Error(parsed.message);
  t.same(shape(parsed.statements), [['global_defs', [], []]]);
  t.same(parsed.notes, [{ at: { file: '/k.conf', line: 1 }, keyword: 'include', why: 'conf.d/*.conf matches no file: nothing included (keepalived does the same)' }]);
});
