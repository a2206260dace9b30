#!/usr/bin/env node
// Validates JSON files against a JSON Schema (2020-12, strict), for CLI tests of JSON output.
//
//   node tests/js/check-json-schema.mjs SCHEMA FILE...
//
// Prints each invalid file with ajv's errors; exit status 1 when any file is invalid, 2 when the
// script cannot run.
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';

const [schemaPath, ...files] = process.argv.slice(2);
if (!schemaPath || files.length === 0) {
  console.error('usage: check-json-schema.mjs SCHEMA FILE...');
  process.exit(2);
}
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
let invalid = 0;
for (const file of files) {
  if (!validate(JSON.parse(readFileSync(file, 'utf8')))) {
    invalid++;
    console.log(`${file}: ${JSON.stringify(validate.errors)}`);
  }
}
process.exit(invalid ? 1 : 0);
