#!/usr/bin/env node
// Checks entragate manifest files against the JSON Schema, the way an editor would see them.
//
//   node tests/js/check-schema.mjs SCHEMA FILE...
//
// Prints one JSON line per file: {"file": ..., "valid": true|false, "errors": [...]}.
// Exit status: 0 whenever every file was checked (valid or not); 2 when the script itself cannot run
// (bad arguments, unreadable or broken schema).
//
// YAML is read as YAML 1.2 with the core schema (so `yes` stays a string), and a duplicate key in a
// mapping is an error, as it is for entragate itself.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { LineCounter, isMap, isPair, isScalar, parseDocument } from 'yaml';

/** Compiles the schema at schemaPath in ajv strict mode; throws on any schema mistake. */
export function loadSchema(schemaPath) {
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

/** "line:col" (1-based) of the YAML node at an ajv instancePath, or '' when it cannot be found. */
function locate(doc, lineCounter, error) {
  const segments = error.instancePath === ''
    ? []
    : error.instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node = doc.contents;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === segment);
      node = pair ? pair.value : undefined;
    } else if (node && Array.isArray(node.items)) {
      node = node.items[Number(segment)];
    } else {
      node = undefined;
    }
    if (!node) return '';
  }
  // For a bad or unknown key, point at the key rather than at the mapping holding it.
  const key = error.params?.additionalProperty ?? error.params?.propertyName;
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === key);
    if (pair?.key?.range) node = pair.key;
  }
  if (!node?.range) return '';
  const { line, col } = lineCounter.linePos(node.range[0]);
  return `${line}:${col}`;
}

function describe(doc, lineCounter, error) {
  const where = locate(doc, lineCounter, error);
  const path = error.instancePath || '/';
  let text = `${path} ${error.message}`;
  if (error.params?.additionalProperty !== undefined) text += `: '${error.params.additionalProperty}'`;
  if (error.params?.allowedValues !== undefined) text += `: ${JSON.stringify(error.params.allowedValues)}`;
  return where ? `${where}: ${text}` : text;
}

/**
 * Checks one manifest file. Returns {file, valid, errors}; YAML errors (syntax, duplicate keys,
 * several documents in one file) make the file invalid without a schema check.
 */
export function checkFile(validate, file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { file, valid: false, errors: [`cannot read: ${e.message}`] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.2',
    schema: 'core',
    uniqueKeys: true,
    prettyErrors: false,
    lineCounter,
  });
  if (doc.errors.length > 0) {
    return {
      file,
      valid: false,
      errors: doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        return `${pos.line}:${pos.col}: YAML ${e.code}: ${e.message.split('\n')[0]}`;
      }),
    };
  }
  let data;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { file, valid: false, errors: [`YAML: ${e.message}`] };
  }
  const valid = validate(data);
  return {
    file,
    valid: Boolean(valid),
    errors: valid ? [] : validate.errors.map((e) => describe(doc, lineCounter, e)),
  };
}

function main(argv) {
  if (argv.length < 2) {
    process.stderr.write('usage: node check-schema.mjs SCHEMA FILE...\n');
    return 2;
  }
  const [schemaPath, ...files] = argv;
  let validate;
  try {
    validate = loadSchema(schemaPath);
  } catch (e) {
    process.stderr.write(`check-schema: ${schemaPath}: ${e.message}\n`);
    return 2;
  }
  for (const file of files) process.stdout.write(`${JSON.stringify(checkFile(validate, file))}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`check-schema: ${e.stack ?? e}\n`);
    process.exitCode = 2;
  }
}
