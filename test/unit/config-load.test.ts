// Reading files: unreadable files and JSON syntax errors come back as issues,
// the syntax error with line and column; ConfigError for callers that throw.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { jsonErrorOffset, positionAt } from '../../src/config/json-syntax.js';
import { ConfigError, loadConfigFile, unwrapConfig, validateConfig, type ConfigResult } from '../../src/config/load.js';
import { configWith, instance } from '../helpers/config-documents.js';

// From dist/test/unit/ back to the repository root.
const EXAMPLE = fileURLToPath(new URL('../../../config.example.json', import.meta.url));

function onlyError(t: Test, result: ConfigResult): { path: string; code: string; message: string } {
  t.equal(result.ok, false, 'rejected');
  const errors = result.ok ? [] : result.errors;
  t.equal(errors.length, 1, 'exactly one error');
  return errors[0] ?? { path: 'missing', code: 'missing', message: '' };
}

t.test('the example file loads', async (t) => {
  const result = await loadConfigFile(EXAMPLE);
  t.equal(result.ok, true);
  if (result.ok) t.equal(result.config.instances.length, 2);
});

t.test('an unreadable file is an error at the root that names the file', async (t) => {
  const dir = t.testdir({});
  const missing = join(dir, 'missing.json');
  const error = onlyError(t, await loadConfigFile(missing));
  t.equal(error.path, '');
  t.equal(error.code, 'file.unreadable');
  t.match(error.message, missing);
  t.match(error.message, 'ENOENT');
  t.equal(onlyError(t, await loadConfigFile(dir)).code, 'file.unreadable', 'a directory');
});

t.test('a JSON syntax error gives line and column', async (t) => {
  const dir = t.testdir({
    'comma.json': '{\n  "instances": [\n    { "name": "web", }\n  ]\n}\n',
    'empty.json': '',
    'truncated.json': '{\n  "instances": [\n',
  });
  const cases: Array<[string, string]> = [
    ['comma.json', 'line 3, column 22'],
    ['empty.json', 'line 1, column 1'],
    ['truncated.json', 'line 3, column 1'],
  ];
  for (const [file, where] of cases) {
    const error = onlyError(t, await loadConfigFile(join(dir, file)));
    t.equal(error.code, 'json.syntax', file);
    t.equal(error.path, '', file);
    t.match(error.message, where, file);
  }
});

t.test('a byte order mark is tolerated', async (t) => {
  const dir = t.testdir({});
  const file = join(dir, 'bom.json');
  writeFileSync(file, '\uFEFF' + JSON.stringify(configWith(instance())));
  t.equal((await loadConfigFile(file)).ok, true);
});

t.test('schema errors in a file come back with their paths', async (t) => {
  const dir = t.testdir({ 'bad.json': JSON.stringify(configWith(instance({ vrid: 256 }))) });
  const error = onlyError(t, await loadConfigFile(join(dir, 'bad.json')));
  t.equal(error.path, '/instances/0/vrid');
  t.match(error.message, 'must be <= 255');
});

t.test('the syntax locator finds the first offending character', async (t) => {
  const cases: Array<[string, number | undefined]> = [
    ['{"a": 1}', undefined],
    [' [1, -2.5e+3, "x\\u00e9", true, false, null, {}] ', undefined],
    ['{"a":}', 5],
    ['{"a": 1,}', 8],
    ['[1 2]', 3],
    ['{a: 1}', 1],
    ['"tab\there"', 4],
    ['"\\q"', 2],
    ['01', 1],
    ['1.', 2],
    ['tru', 0],
    ['{"a": 1} x', 9],
    ['', 0],
  ];
  for (const [text, offset] of cases) t.equal(jsonErrorOffset(text), offset, JSON.stringify(text));
  t.same(positionAt('ab\ncd\nef', 7), { line: 3, column: 2 });
});

t.test('ConfigError carries a stable code and every issue', async (t) => {
  const result = validateConfig(configWith(instance({ vrid: 0, priority: 0 })));
  const error = t.throws(() => unwrapConfig(result, 'test.json')) as ConfigError;
  t.type(error, ConfigError);
  t.equal(error.code, 'ERR_IPFAILOVERD_CONFIG');
  t.same(error.issues.map((i) => i.path), ['/instances/0/vrid', '/instances/0/priority']);
  t.match(error.message, 'in test.json: /instances/0/vrid: must be >= 1 (and 1 more)');

  const ok = unwrapConfig(validateConfig(configWith(instance())));
  t.equal(ok.config.instances[0]?.name, 'web');
});
