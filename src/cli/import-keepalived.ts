// `ipfailoverctl import-keepalived FILE`: keepalived.conf (with its includes) in, an ipfailoverd
// configuration on stdout, and on stderr one line per thing that could not be carried over
// (`FILE:LINE: keyword: why`). Exit 0; 78 if the file cannot be parsed (naming FILE:LINE) or if
// what came out would not pass --check-config (which would be the importer's bug).
import { formatIssue, validateConfig } from '../config/load.js';
import { CONFIG_SCHEMA } from '../config/schema.js';
import { findProgram, fileSource } from '../import/fs-source.js';
import { formatNote, inReadingOrder } from '../import/import-notes.js';
import { parseKeepalived } from '../import/keepalived-parser.js';
import { translateKeepalived } from '../import/keepalived-to-config.js';
import { EX_CONFIG, EX_OK } from './exit-codes.js';

export function importKeepalived(program: string, file: string): number {
  const parsed = parseKeepalived(file, fileSource);
  if (!parsed.ok) {
    // Line 0: the file given on the command line itself could not be read.
    const where = parsed.at.line === 0 ? parsed.at.file : `${parsed.at.file}:${parsed.at.line}`;
    process.stderr.write(`${where}: ${parsed.message}\n${program}: ${file}: cannot be parsed, nothing imported\n`);
    return EX_CONFIG;
  }
  const properties = (CONFIG_SCHEMA.properties ?? {}) as Record<string, unknown>;
  const { document, notes } = translateKeepalived(parsed.statements, { resolve: findProgram, syncGroups: 'syncGroups' in properties });
  process.stderr.write(inReadingOrder([...parsed.notes, ...notes], parsed.files).map((note) => `${formatNote(note)}\n`).join(''));
  const checked = validateConfig(document);
  if (!checked.ok) {
    const lines = checked.errors.map((issue) => `${program}: the imported configuration would not pass --check-config: ${formatIssue(issue)}\n`);
    process.stderr.write(lines.join(''));
    return EX_CONFIG;
  }
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  return EX_OK;
}
