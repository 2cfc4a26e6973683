#!/usr/bin/env node
// Turns a man-style help text (as `ipfailoverd --help` prints it) into a roff manual page.
//
//   node packaging/help-to-man.mjs NAME SECTION VERSION DATE [--usage SUMMARY] < help.txt > name.SECTION
//
// --usage: the text is a usage message instead ("Usage: ...", then "Commands:" and "Options:"
// with two-column rows, as `ipfailoverctl help` prints it); SUMMARY is the NAME line's text.
//
// The text's layout: a section heading is a line of capitals at column 0 ("EXIT STATUS");
// its body is indented by 4 spaces. Inside a body, a line at indent 4 directly followed by
// lines at indent 8 is a tagged paragraph ("--config FILE" and its description); SYNOPSIS and
// tables (lines with runs of 2+ spaces inside) are kept line for line; other text is filled.

import { readFileSync } from 'node:fs';

const [name, section, version, date, usageFlag, summary] = process.argv.slice(2);
if (!name || !section || !version || !date || (usageFlag !== undefined && (usageFlag !== '--usage' || !summary))) {
  process.stderr.write('usage: help-to-man.mjs NAME SECTION VERSION DATE [--usage SUMMARY] < help.txt\n');
  process.exit(64);
}

/** Escapes one line of text for roff: backslashes, minus signs, a leading control character. */
function esc(text) {
  const body = text.replace(/\\/g, '\\e').replace(/-/g, '\\-');
  return /^[.']/.test(body) ? `\\&${body}` : body;
}

const indent = (line) => line.length - line.trimStart().length;
const isHeading = (line) => /^[A-Z][A-Z0-9 ()-]*$/.test(line);
const isTableRow = (line) => /\S {2,}\S/.test(line.trim());

/**
 * A usage message in the man-style layout: "Usage: X" becomes SYNOPSIS, "Commands:" and
 * "Options:" sections whose rows ("  tag   description", continued further right) become tagged
 * paragraphs; anything else goes to DESCRIPTION. Later text (the package's) follows unchanged.
 */
function fromUsage(text) {
  const out = ['NAME', `    ${name} - ${summary}`, ''];
  const lines = text.split('\n');
  let i = 0;
  let description = false;
  for (; i < lines.length && !(indent(lines[i]) === 0 && isHeading(lines[i])); i++) {
    const line = lines[i].replace(/\s+$/, '');
    const usage = /^Usage:\s+(.*)$/.exec(line);
    const heading = /^([A-Z][A-Za-z ]*):$/.exec(line);
    const row = /^\s{1,4}(\S.*?)\s{2,}(\S.*)$/.exec(line);
    if (usage) out.push('SYNOPSIS', `    ${usage[1]}`, '');
    else if (heading) out.push(heading[1].toUpperCase());
    else if (row) out.push(`    ${row[1]}`, `        ${row[2]}`);
    else if (line.trim() === '') out.push('');
    else if (indent(line) > 4) out.push(`        ${line.trim()}`);
    else {
      if (!description) out.push('DESCRIPTION');
      description = true;
      out.push(`    ${line.trim()}`);
    }
  }
  return [...out, '', ...lines.slice(i)].join('\n');
}

// Sections by heading, in order of first appearance; a heading that comes again (the package's
// FILES after the program's) continues the first one.
const sections = new Map();
let current;
const input = readFileSync(0, 'utf8').replace(/\s+$/, '');
for (const raw of (usageFlag ? fromUsage(input) : input).split('\n')) {
  const line = raw.replace(/\s+$/, '');
  if (indent(line) === 0 && line !== '' && isHeading(line)) {
    current = sections.get(line) ?? [];
    if (current.length > 0) current.push('');
    sections.set(line, current);
  } else if (current) {
    current.push(line);
  }
}
const lines = [...sections].flatMap(([heading, body]) => [heading, ...body]);

const out = [
  `.\\" Generated from \`${name} --help\` by packaging/help-to-man.mjs; do not edit.`,
  `.TH ${name.toUpperCase()} ${section} "${date}" "${name} ${version}" "System Administration"`,
  '.nh',
  '.ad l',
];

let heading = '';
let verbatim = false;
const setVerbatim = (on) => {
  if (on !== verbatim) out.push(on ? '.nf' : '.fi');
  verbatim = on;
};

for (let i = 0; i < lines.length; i++) {
  const line = lines[i];
  if (line === '') {
    setVerbatim(false);
    out.push('.PP');
    continue;
  }
  if (indent(line) === 0 && isHeading(line)) {
    setVerbatim(false);
    heading = line;
    out.push(`.SH ${heading}`);
    continue;
  }
  const text = line.trim();
  if (heading === 'NAME') {
    // man-db's whatis wants "name \- description": esc() turns the "-" into just that.
    out.push(esc(text));
    continue;
  }
  if (heading === 'SYNOPSIS' || (isTableRow(line) && indent(line) <= 4)) {
    setVerbatim(true);
    out.push(esc(text));
    continue;
  }
  const next = lines[i + 1] ?? '';
  if (indent(line) <= 4 && next.trim() !== '' && indent(next) > indent(line)) {
    setVerbatim(false);
    out.push('.TP', `.B ${esc(text)}`);
    continue;
  }
  // Filled text, or the rest of a table.
  out.push(esc(text));
}
setVerbatim(false);
// ".PP" right after ".SH" or before ".TP" only adds noise.
const page = out.filter((l, i) => !(l === '.PP' && (/^\.(SH|TP|PP)/.test(out[i + 1] ?? '') || /^\.SH/.test(out[i - 1] ?? '') || i === out.length - 1)));
process.stdout.write(`${page.join('\n')}\n`);
