// The JSON Schema against the manifest corpus: examples and tests/manifests/{valid,invalid}.
// Run from the repository root:  node --test tests/js/
//
// Invalid manifests carry two header lines:
//   # expect: CODE LINE:COL   what entragate's loader must report (checked by the C++ tests)
//   # schema: reject|accept   whether the schema catches it too; `accept` marks semantic errors
//                             (references between elements) that only the loader can see

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { checkFile, loadSchema } from './check-schema.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const schemaPath = join(root, 'schemas', 'manifest.v1.schema.json');
const checker = join(root, 'tests', 'js', 'check-schema.mjs');
const validate = loadSchema(schemaPath);

/** Repository-relative paths of the *.yaml/*.yml files under dir, sorted. */
function yamlFiles(dir, { recursive = false } = {}) {
  return readdirSync(join(root, dir), { recursive, withFileTypes: false })
    .map((name) => join(dir, String(name)))
    .filter((p) => /\.ya?ml$/.test(p))
    .map((p) => p.split(sep).join('/'))
    .sort();
}

function check(rel) {
  return checkFile(validate, join(root, rel));
}

function header(rel) {
  const lines = readFileSync(join(root, rel), 'utf8').split('\n');
  const expect = /^# expect: (E\d{4}) (\d+):(\d+)\s*$/.exec(lines[0] ?? '');
  const schema = /^# schema: (reject|accept)\s*$/.exec(lines[1] ?? '');
  return { expect, schema: schema?.[1] };
}

describe('examples', () => {
  const files = yamlFiles('examples', { recursive: true }).filter((p) => !p.startsWith('examples/seeds/'));
  test('there are examples', () => assert.ok(files.length >= 5, files.join(', ')));
  for (const rel of files) {
    test(rel, () => {
      const text = readFileSync(join(root, rel), 'utf8');
      const depth = relative(join(root, 'examples'), join(root, rel)).split(sep).length;
      assert.ok(
        text.startsWith(`# yaml-language-server: $schema=${'../'.repeat(depth)}schemas/manifest.v1.schema.json\n`),
        'first line must be the yaml-language-server modeline pointing at the schema',
      );
      assert.match(text, /^version: 1$/m);
      const result = check(rel);
      assert.deepEqual(result.errors, []);
      assert.equal(result.valid, true);
    });
  }
});

describe('tests/manifests/valid', () => {
  const files = yamlFiles('tests/manifests/valid');
  test('there are valid manifests', () => assert.ok(files.length >= 5));
  for (const rel of files) {
    test(rel, () => {
      const result = check(rel);
      assert.deepEqual(result.errors, []);
      assert.equal(result.valid, true);
    });
  }
});

describe('tests/manifests/invalid', () => {
  const files = yamlFiles('tests/manifests/invalid');
  test('there are invalid manifests', () => assert.ok(files.length >= 20));
  for (const rel of files) {
    const { expect, schema } = header(rel);
    test(rel, () => {
      assert.ok(expect, 'line 1 must be "# expect: CODE LINE:COL"');
      assert.ok(schema, 'line 2 must be "# schema: reject" or "# schema: accept"');
      const [, , line, col] = expect;
      const lines = readFileSync(join(root, rel), 'utf8').split('\n');
      const target = lines[Number(line) - 1];
      assert.ok(target !== undefined && Number(col) >= 1 && Number(col) <= Math.max(1, target.length),
        `expected position ${line}:${col} is outside the file`);
      const result = check(rel);
      if (schema === 'reject') {
        assert.equal(result.valid, false, 'the schema should reject this file');
        assert.ok(result.errors.length > 0);
      } else {
        assert.deepEqual(result.errors, [], 'the schema should accept this file (only the loader sees the error)');
        assert.equal(result.valid, true);
      }
    });
  }
});

describe('check-schema.mjs command line', () => {
  test('prints one JSON line per file and exits 0', () => {
    const out = execFileSync(process.execPath, [
      checker, schemaPath,
      'tests/manifests/valid/minimal.yaml',
      'tests/manifests/invalid/duplicate-key.yaml',
      'tests/manifests/invalid/unknown-top-level-key.yaml',
    ], { cwd: root, encoding: 'utf8' });
    const results = out.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(results.map((r) => [r.file, r.valid]), [
      ['tests/manifests/valid/minimal.yaml', true],
      ['tests/manifests/invalid/duplicate-key.yaml', false],
      ['tests/manifests/invalid/unknown-top-level-key.yaml', false],
    ]);
    assert.match(results[1].errors[0], /^7:5: YAML DUPLICATE_KEY/);
    assert.match(results[2].errors.join('\n'), /^4:1: \/ must NOT have additional properties: 'identites'$/m);
  });

  test('exits 2 without arguments', () => {
    assert.throws(() => execFileSync(process.execPath, [checker], { cwd: root, stdio: 'pipe' }),
      (e) => e.status === 2);
  });

  test('exits 2 on a schema that is not JSON or that ajv strict mode refuses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'entragate-schema-'));
    try {
      const typo = join(dir, 'typo.schema.json');
      writeFileSync(typo, JSON.stringify({ type: 'object', propertiez: {} }));
      const manifest = join(root, 'tests', 'manifests', 'valid', 'minimal.yaml');
      for (const schema of [manifest, typo, join(dir, 'missing.json')]) {
        assert.throws(() => execFileSync(process.execPath, [checker, schema, manifest], { cwd: root, stdio: 'pipe' }),
          (e) => e.status === 2, schema);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('schema details', () => {
  const ok = (data) => validate(data);
  const app = (fields) => ({ version: 1, apps: { a: { displayName: 'A', ...fields } } });

  test('claim lists are exactly the ones the loader uses', () => {
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
    const defs = schema.$defs;
    assert.equal(defs.accessTokenClaimName.enum.length, 31);
    assert.equal(defs.idTokenClaimName.enum.length, 29);
    assert.equal(defs.saml2TokenClaimName.enum.length, 4);
    const access = new Set(defs.accessTokenClaimName.enum);
    const expectedId = [...access].filter((n) => !['idtyp', 'aud'].includes(n));
    assert.deepEqual([...defs.idTokenClaimName.enum].sort(), expectedId.sort());
    for (const n of defs.saml2TokenClaimName.enum) assert.ok(access.has(n), n);
  });

  test('extension attributes (source set) may use any claim name', () => {
    assert.ok(ok(app({ optionalClaims: { saml2Token: [{ name: 'extension_x_dept', source: 'user' }] } })));
    assert.ok(!ok(app({ optionalClaims: { saml2Token: [{ name: 'extension_x_dept' }] } })));
    assert.ok(!ok(app({ optionalClaims: { saml2Token: [{ name: 'extension_x_dept', source: null }] } })));
    assert.ok(!ok(app({ optionalClaims: { accessToken: [{ source: 'user' }] } })));
  });

  test('role values follow Graph rules', () => {
    const role = (value) => app({ appRoles: { [value]: { allowedMemberTypes: ['User'] } } });
    assert.ok(ok(role('a'.repeat(120))));
    assert.ok(!ok(role('a'.repeat(121))));
    assert.ok(ok(role("x:!#$%&'()*+,-./;=?@[]^_{}~")));
    assert.ok(!ok(role('')));
    assert.ok(!ok(role('.x')));
    assert.ok(!ok(role('a b')));
    assert.ok(!ok(role('a"b')));
    assert.ok(!ok(role('ä')));
  });

  test('names, GUIDs, tenant and resource ids', () => {
    assert.ok(ok({ version: 1, identities: { ['n'.repeat(120)]: { user: 'u' } } }));
    assert.ok(!ok({ version: 1, identities: { ['n'.repeat(121)]: { user: 'u' } } }));
    assert.ok(!ok({ version: 1, identities: { _n: { user: 'u' } } }));
    assert.ok(!ok({ version: 1, identities: { n: { user: '' } } }));
    assert.ok(ok({ version: 1, identities: { n: { resourceId: '/Subscriptions/x' } } }));
    assert.ok(!ok({ version: 1, identities: { n: { resourceId: 'subscriptions/x' } } }));
    assert.ok(ok({ version: 1, tenant: 'contoso.com' }));
    assert.ok(ok({ version: 1, tenant: '7E8C5963-8C6B-472E-B9C9-43118267CDBF' }));
    assert.ok(!ok({ version: 1, tenant: '7e8c5963-8c6b-472e-b9c9-43118267cdb' }));
    assert.ok(!ok({ version: 1, tenant: 'localhost' }));
  });

  test('identifier URI schemes', () => {
    assert.ok(ok(app({ identifierUris: ['https://contoso.com/a', 'api://{appId}'] })));
    assert.ok(!ok(app({ identifierUris: ['http://contoso.com/a'] })));
    assert.ok(!ok(app({ identifierUris: ['api:///a'] })));
    assert.ok(!ok(app({ identifierUris: ['api://a b'] })));
    assert.ok(!ok(app({ identifierUris: [''] })));
  });

  test('personal accounts need v2 tokens', () => {
    assert.ok(!ok(app({ signInAudience: 'AzureADandPersonalMicrosoftAccount', requestedAccessTokenVersion: 1 })));
    assert.ok(ok(app({ signInAudience: 'AzureADandPersonalMicrosoftAccount', requestedAccessTokenVersion: 2 })));
    assert.ok(ok(app({ signInAudience: 'AzureADMultipleOrgs' })));
    assert.ok(!ok(app({ requestedAccessTokenVersion: 3 })));
  });

  test('every property has a description', () => {
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
    const missing = [];
    const walk = (node, path) => {
      if (!node || typeof node !== 'object') return;
      if (node.properties && typeof node.properties === 'object' && !path.endsWith('/if') && !path.includes('/if/')) {
        for (const [key, sub] of Object.entries(node.properties)) {
          const inConditional = /\/(then|else)$/.test(path) || path.includes('claimHasSource');
          if (!inConditional && typeof sub.description !== 'string') missing.push(`${path}/properties/${key}`);
        }
      }
      for (const [key, sub] of Object.entries(node)) walk(sub, `${path}/${key}`);
    };
    walk(schema, '#');
    // $ref-only properties take their description from the referenced definition.
    const resolved = missing.filter((p) => {
      const sub = p.split('/').slice(1).reduce((n, k) => n?.[k], schema);
      const target = sub?.$ref?.startsWith('#/$defs/') ? schema.$defs[sub.$ref.slice(8)] : undefined;
      return typeof target?.description !== 'string';
    });
    assert.deepEqual(resolved, []);
  });
});
