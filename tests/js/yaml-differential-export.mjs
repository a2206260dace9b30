// Writes manifest-shaped YAML documents made at random (nested block mappings and lists, block
// scalars with every chomping and empty ones, quoted and plain scalars, flow collections, comments
// and blank lines), each with the reading of the `yaml` package (YAML 1.2, core schema), for
// tests/engine/yaml_suite_test.cpp: a second opinion on libfyaml where the YAML test suite is thin.
// Same file format as yaml-test-suite-export.mjs. Deterministic (a fixed seed).
// Usage: node tests/js/yaml-differential-export.mjs OUTDIR [COUNT]
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

const out = process.argv[2];
const wanted = Number(process.argv[3] ?? 3000);
if (!out) throw new Error('usage: yaml-differential-export.mjs OUTDIR [COUNT]');
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });

let seed = 20261202;
const rnd = (n) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};
const pick = (list) => list[rnd(list.length)];
const pad = (n) => ' '.repeat(n);
const words = ['app', 'orders-api', 'App.Use', 'api://x/y', 'true', '12', '1.5', 'null', '~', 'Reports Reader', 'a: b', '#no', 'x#y'];
const keys = ['displayName', 'description', 'access', 'appRoles', 'notes', 'owners', 'tags', 'value', 'k'];

function plainOrQuoted() {
  const w = pick(words);
  switch (rnd(4)) {
    case 0: return /^[A-Za-z0-9.~]/.test(w) && !w.includes(': ') && !w.includes(' #') ? w : `'${w}'`;
    case 1: return `'${w.replace(/'/g, "''")}'`;
    case 2: return `"${w}\\t${pick(['', '\\n', '\\u00e9', '\\N', '\\_'])}"`;
    default: return pick(['', '~', 'null', 'true', 'False', '0x1F', '12', '-3', '1e3', 'plain text']);
  }
}

function blockScalar(indent) {
  const header = pick(['|', '>', '|-', '>-', '|+', '>+']);
  const lines = [];
  const n = rnd(4);  // 0: an empty block scalar
  for (let i = 0; i < n; i++) lines.push(rnd(4) === 0 ? '' : pad(indent + 2 + (rnd(5) === 0 ? 2 : 0)) + pick(words));
  if (rnd(3) === 0) lines.push('');
  return { header, body: lines.map((l) => l + '\n').join('') };
}

function mapping(indent, depth) {
  let text = '';
  const used = new Set();
  const count = 1 + rnd(4);
  for (let i = 0; i < count; i++) {
    let key = pick(keys);
    if (used.has(key)) continue;
    used.add(key);
    if (rnd(6) === 0) text += pad(indent) + '# a comment\n';
    if (rnd(8) === 0) text += '\n';
    text += pad(indent) + key + ':' + value(indent, depth);
  }
  return text;
}

function sequence(indent, depth) {
  let text = '';
  const count = 1 + rnd(3);
  for (let i = 0; i < count; i++) {
    if (depth < 3 && rnd(4) === 0) {
      const inner = mapping(indent + 2, depth + 1);
      text += pad(indent) + '- ' + inner.slice(indent + 2);
    } else {
      const v = rnd(4) === 0 ? blockScalar(indent) : null;
      text += pad(indent) + '-' + (v ? ' ' + v.header + '\n' + v.body : ' ' + plainOrQuoted() + '\n');
    }
  }
  return text;
}

function value(indent, depth) {
  const kind = depth >= 3 ? rnd(3) : rnd(7);
  switch (kind) {
    case 0: return ' ' + plainOrQuoted() + (rnd(5) === 0 ? ' # why' : '') + '\n';
    case 1: {
      const b = blockScalar(indent);
      return ' ' + b.header + '\n' + b.body;
    }
    case 2: return ' ' + pick(['[a, b]', '[]', '{}', '{a: 1, b: [x]}', "['q', \"r\"]"]) + '\n';
    case 3:
    case 4: return '\n' + mapping(indent + 2, depth + 1);
    default: return '\n' + sequence(rnd(2) ? indent : indent + 2, depth + 1);
  }
}

let written = 0;
for (let i = 0; written < wanted && i < wanted * 3; i++) {
  const text = 'version: 1\n' + mapping(0, 0);
  let json;
  try {
    const doc = YAML.parseDocument(text, { version: '1.2', schema: 'core', uniqueKeys: false });
    if (doc.errors.length) continue;
    json = JSON.stringify(doc.toJS());
  } catch {
    continue;
  }
  const base = path.join(out, `gen-${written}`);
  fs.writeFileSync(`${base}.yaml`, text);
  fs.writeFileSync(`${base}.json`, JSON.stringify({ name: `generated ${written}`, fail: false, documents: 1, json }));
  written++;
}
if (written < wanted / 2) throw new Error(`only ${written} documents written`);
console.log(`${written} generated documents written to ${out}`);
