// Prints a step's script from a CI recipe, so tests/cli/ci_recipes_cli_test.sh can run it as CI would;
// or, with `check`, verifies the recipe's shape: who gets which identity, what is installed, what is
// published. Exit 1 with the reason when the shape is wrong.
//   node ci_recipe_steps.mjs github|azure FILE step plan|apply|drift
//   node ci_recipe_steps.mjs github|azure FILE check
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../js/package.json', import.meta.url));
const YAML = require('yaml');
const [kind, file, what, name] = process.argv.slice(2);
const doc = YAML.parse(readFileSync(file, 'utf8'));
const fail = (why) => { process.stderr.write(`${file}: ${why}\n`); process.exit(1); };

function githubStep(job, id) {
  const step = (doc.jobs?.[job]?.steps ?? []).find((s) => s.id === id);
  if (!step?.run) fail(`job ${job} has no step with id ${id} and a run script`);
  return step;
}

// Every job and step of an Azure pipeline, however deep (stages, deployment strategies).
function azureSteps(node, out = []) {
  if (Array.isArray(node)) node.forEach((n) => azureSteps(n, out));
  else if (node && typeof node === 'object') {
    if (node.task || node.script || node.publish || node.download) out.push(node);
    Object.values(node).forEach((v) => azureSteps(v, out));
  }
  return out;
}
function azureTask(displayName) {
  const step = azureSteps(doc).find((s) => s.displayName === displayName && s.task === 'AzureCLI@2');
  if (!step?.inputs?.inlineScript) fail(`no AzureCLI@2 step named ${displayName} with an inline script`);
  return step;
}

if (what === 'step') {
  process.stdout.write(kind === 'github' ? githubStep(name, name).run : azureTask(name).inputs.inlineScript);
} else if (kind === 'github') {
  const j = doc.jobs;
  const client = (job) => String(j[job]?.env?.AZURE_CLIENT_ID ?? '');
  if (!/READ/.test(client('plan')) || !/READ/.test(client('drift'))) fail('plan and drift must sign in with the read-only identity');
  if (!/WRITE/.test(client('apply'))) fail('apply must sign in with the write identity');
  if (/WRITE/.test(JSON.stringify(doc.env ?? {}))) fail('the write identity must not be workflow-wide');
  if (!/refs\/heads\/main/.test(j.apply.if) || !/push/.test(j.apply.if)) fail('apply must run only on pushes to main');
  if (!/pull_request/.test(j.plan.if)) fail('plan must run on pull requests');
  const build = JSON.stringify(j.build.steps);
  if (!build.includes('scripts/bootstrap') || !build.includes('scripts/package')) fail('the build job must bootstrap and package entragate');
  for (const job of ['plan', 'apply', 'drift'])
    if (!JSON.stringify(j[job].steps).includes('apt-get install -y -qq ./entragate.deb') || !j[job].needs?.includes?.('build') && j[job].needs !== 'build')
      fail(`job ${job} must install the package the build job made`);
  const upload = j.drift.steps.find((s) => String(s.uses).startsWith('actions/upload-artifact'));
  if (!upload || upload.if !== 'always()' || upload.with?.path !== 'drift.xml') fail('drift.xml must be uploaded, also when drift fails');
} else {
  const sub = (n) => azureTask(n).inputs.azureSubscription;
  if (sub('plan') !== 'entragate-read' || sub('drift') !== 'entragate-read') fail('plan and drift must use the read-only connection');
  if (sub('apply') !== 'entragate-write') fail('apply must use the write connection');
  const steps = azureSteps(doc);
  const build = JSON.stringify(steps.filter((s) => s.script));
  if (!build.includes('scripts/bootstrap') || !build.includes('scripts/package')) fail('the build stage must bootstrap and package entragate');
  const results = steps.find((s) => s.task === 'PublishTestResults@2');
  if (!results || results.inputs?.testResultsFiles !== 'drift.xml' || results.condition !== 'succeededOrFailed()')
    fail('drift.xml must be published as test results, also when drift fails');
  const deploy = JSON.stringify(doc).includes('"deployment":"apply"') && /refs\/heads\/main/.test(JSON.stringify(doc));
  if (!deploy) fail('apply must be a deployment limited to main');
}
