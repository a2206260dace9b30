// Every `--format json` document entragate prints, from the real binary against the local tenant,
// validates against its schema under schemas/ — and the schemas refuse what they should.
//   ENTRAGATE_BIN=build/release/cli/entragate node --test tests/js/output-schemas.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.env.ENTRAGATE_BIN;
assert.ok(bin, 'ENTRAGATE_BIN must name the entragate binary');

const ajv = new Ajv2020({ strict: true, allErrors: true });
for (const f of readdirSync(path.join(root, 'schemas')).filter((f) => f.endsWith('.schema.json') && !f.startsWith('manifest')))
  ajv.addSchema(JSON.parse(readFileSync(path.join(root, 'schemas', f), 'utf8')));
const schema = (name) => ajv.getSchema(`https://entragate.dev/schemas/${name}.v1.schema.json`);

const work = mkdtempSync(path.join(tmpdir(), 'entragate-schemas-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const local = ['--target', 'local', '--local-state', path.join(work, 'tenant')];
cpSync(path.join(root, 'examples/restrict-managed-identities'), path.join(work, 'm'), { recursive: true });

/** Runs entragate; returns {status, doc} with stdout parsed as one JSON document. */
function run(...args) {
  const r = spawnSync(bin, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  let doc;
  try {
    doc = JSON.parse(r.stdout);
  } catch (e) {
    assert.fail(`entragate ${args.join(' ')} (exit ${r.status}) did not print one JSON document: ${e.message}\n${r.stdout}\n${r.stderr}`);
  }
  return { status: r.status, doc };
}

function valid(name, doc) {
  const validate = schema(name);
  assert.equal(validate(doc), true, `${name}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(doc)}`);
}

const ghost = `version: 1
identities:
  ghost: { managedIdentity: ghost-vm }
apps:
  otherapp:
    displayName: Other
    appRoles: { Read: { allowedMemberTypes: [ Application ] } }
    assignmentRequired: true
    access: { Read: [ ghost ] }
`;

test('version --format json', () => {
  const { status, doc } = run('version', '--format', 'json');
  assert.equal(status, 0);
  valid('version', doc);
});

test('validate --format json: a valid set and an invalid one', () => {
  let r = run('validate', '--format', 'json', path.join(work, 'm'));
  assert.equal(r.status, 0);
  valid('diagnostics', r.doc);
  assert.equal(r.doc.valid, true);
  r = run('validate', '--format', 'json', path.join(root, 'tests/manifests/invalid/access-unknown-role.yaml'));
  assert.equal(r.status, 1);
  valid('diagnostics', r.doc);
  assert.equal(r.doc.diagnostics[0].code, 'E0203');
  assert.equal(typeof r.doc.diagnostics[0].line, 'number');
});

test('plan --format json: the plan, and the problems when it cannot be made', () => {
  let r = run('plan', '--format', 'json', path.join(work, 'm'), ...local);
  assert.equal(r.status, 0);
  valid('plan', r.doc);
  assert.ok(r.doc.changes.length > 0);
  writeFileSync(path.join(work, 'ghost.yaml'), ghost);
  r = run('plan', '--format', 'json', path.join(work, 'ghost.yaml'), ...local);
  assert.equal(r.status, 1);
  valid('diagnostics', r.doc);
  assert.deepEqual(r.doc.diagnostics.map((d) => [d.code, d.line, d.column]), [['E0302', 9, 23]]);
  r = run('plan', '--format', 'json', path.join(root, 'tests/manifests/invalid/access-unknown-role.yaml'), ...local);
  assert.equal(r.status, 1);
  valid('diagnostics', r.doc);
  assert.equal(r.doc.diagnostics[0].code, 'E0203');
});

test('show --format json of a saved plan is a plan', () => {
  const saved = path.join(work, 'plan.json');
  assert.equal(spawnSync(bin, ['plan', path.join(work, 'm'), '-o', saved, ...local]).status, 0);
  const r = run('show', saved, '--format', 'json');
  assert.equal(r.status, 0);
  valid('plan', r.doc);
});

test('drift --format json: drifted, in sync, an app that cannot be checked', () => {
  let r = run('drift', '--format', 'json', path.join(work, 'm'), ...local);
  assert.equal(r.status, 2);
  valid('drift', r.doc);
  assert.equal(r.doc.drifted, true);
  assert.equal(schema('plan')(r.doc), false, 'a drift report is not a plan');
  assert.equal(spawnSync(bin, ['apply', '--auto-approve', path.join(work, 'm'), ...local]).status, 0);
  r = run('drift', '--format', 'json', path.join(work, 'm'), ...local);
  assert.equal(r.status, 0);
  valid('drift', r.doc);
  assert.deepEqual(r.doc.apps, [{ key: 'testapp', status: 'in_sync', changes: 0 }]);
  writeFileSync(path.join(work, 'm', 'ghost.yaml'), ghost);
  r = run('drift', '--format', 'json', path.join(work, 'm'), ...local);
  assert.equal(r.status, 1);
  valid('drift', r.doc);
  assert.deepEqual(r.doc.apps.map((a) => [a.key, a.status]), [['otherapp', 'error'], ['testapp', 'in_sync']]);
  assert.equal(r.doc.apps[0].diagnostics[0].code, 'E0302');
  rmSync(path.join(work, 'm', 'ghost.yaml'));
});

test('drift --format json when the whole set fails: diagnostics', () => {
  const r = run('drift', '--format', 'json', path.join(root, 'tests/manifests/invalid/access-unknown-role.yaml'), ...local);
  assert.equal(r.status, 1);
  valid('diagnostics', r.doc);
});

test('export -o DIR --format json: the report', () => {
  const r = run('export', '--all', '-o', path.join(work, 'exported'), '--format', 'json', ...local);
  assert.equal(r.status, 0);
  valid('export-report', r.doc);
  assert.ok(r.doc.apps.includes('testapp'), JSON.stringify(r.doc));
  assert.equal(r.doc.files.length, readdirSync(path.join(work, 'exported')).length);
});

test('the schemas refuse documents of another version or with unknown fields', () => {
  for (const name of ['diagnostics', 'drift', 'version', 'export-report']) {
    assert.equal(schema(name)({ format_version: '2' }), false, name);
  }
  const r = run('version', '--format', 'json');
  assert.equal(schema('version')({ ...r.doc, extra: 1 }), false);
  assert.equal(schema('diagnostics')({ format_version: '1', valid: false, error_count: 1, warning_count: 0, diagnostics: [{ severity: 'error', code: 'X', message: 'm', file: '' }] }), false);
});
