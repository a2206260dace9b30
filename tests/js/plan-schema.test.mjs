// The plan JSON the C++ planner writes (the golden file pinned by tests/engine/render_test.cpp)
// validates against schemas/plan.v1.schema.json, and the schema rejects what it should.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const schema = JSON.parse(readFileSync(path.join(root, 'schemas/plan.v1.schema.json'), 'utf8'));
const plan = JSON.parse(readFileSync(path.join(root, 'tests/engine/golden/plan.json'), 'utf8'));
plan.observed_digest = '0'.repeat(64);  // the golden file leaves out the input hash
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

test('the golden plan validates', () => {
  assert.equal(validate(plan), true, JSON.stringify(validate.errors));
});

test('an unknown action is rejected', () => {
  const bad = structuredClone(plan);
  bad.changes[0].action = 'explode';
  assert.equal(validate(bad), false);
});

test('a wrong format version is rejected', () => {
  const bad = structuredClone(plan);
  bad.format_version = '2';
  assert.equal(validate(bad), false);
});
