// Microsoft's own JavaScript clients against `entragate serve --tls`: @azure/identity
// (ClientSecretCredential, ManagedIdentityCredential over the App Service and IMDS protocols),
// @microsoft/microsoft-graph-client, @azure/msal-node (ConfidentialClientApplication,
// ManagedIdentityApplication) and the Kiota-based @microsoft/msgraph-sdk, installed unmodified from npm.
//
//   ENTRAGATE_BIN=build/release/cli/entragate node --test tests/js/microsoft-clients.test.mjs
//
// Skipped when ENTRAGATE_BIN is not set. The emulator runs as a child process with a fresh state
// directory; the clients run in grandchild processes (microsoft-clients-child.mjs) because the
// emulator's CA reaches Node only through NODE_EXTRA_CA_CERTS, which Node reads at start-up, and
// because msal-node picks its managed-identity source from the environment of the process.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = process.env.ENTRAGATE_BIN;
const childScript = fileURLToPath(new URL('./microsoft-clients-child.mjs', import.meta.url));
const msalKiotaScript = fileURLToPath(new URL('./msal-kiota-child.mjs', import.meta.url));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MANAGED_IDENTITIES = ['centos-1', 'centos-2', 'ci-runner'];

/** Variables that would steer @azure/identity or msal-node somewhere else; the children never inherit them. */
const STEERING = /^(AZURE_|IDENTITY_|MSI_|IMDS_|DEFAULT_IDENTITY_CLIENT_ID$|NODE_TEST_CONTEXT$|NODE_EXTRA_CA_CERTS$|(HTTPS?|ALL|NO)_PROXY$)/i;

function childEnv(serve, extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!STEERING.test(k)) env[k] = v;
  return {
    ...env,
    ENTRAGATE_SERVE: JSON.stringify(serve),
    NODE_EXTRA_CA_CERTS: serve.caFile,
    // msal-node reports which managed-identity source it chose at info level.
    AZURE_LOG_LEVEL: 'info',
    ...extra,
  };
}

/** Runs microsoft-clients-child.mjs (or `script`); resolves {result, source, stderr}. */
function runChild(serve, args, extraEnv = {}, script = childScript) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: childEnv(serve, extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').at(-1) ?? '';
      let result;
      try {
        result = JSON.parse(line);
      } catch {
        reject(new Error(`child ${args.join(' ')} exited ${code ?? signal} without a JSON result\nstdout: ${stdout}\nstderr: ${stderr.slice(-4000)}`));
        return;
      }
      const source = /MSAL Identity source: (\w+)/.exec(stderr)?.[1];
      resolve({ result, source, stderr });
    });
  });
}

/** GET on the emulator's admin API, trusting its CA for this one request. */
function adminGet(serve, path) {
  return new Promise((resolve, reject) => {
    const req = request(`${serve.authority}${path}`, { ca: readFileSync(serve.caFile), headers: { 'X-Emulator-Key': serve.adminKey } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${path}: ${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Fails with the child's own account of what went wrong. */
function assertOk(run) {
  if (!run.result.ok) {
    assert.fail(`${run.result.step} failed: ${JSON.stringify(run.result.error, null, 2)}\n--- child stderr (tail) ---\n${run.stderr.slice(-3000)}`);
  }
  return run.result;
}

describe('Microsoft clients against entragate serve', { skip: bin ? false : 'ENTRAGATE_BIN is not set (path to the entragate binary)' }, () => {
  let server;
  let serverExit;
  let serverStderr = '';
  let stateDir;
  let serve;
  let graph; // the result of the Graph flow, which the managed-identity tests build on

  before(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'entragate-clients-'));
    server = spawn(bin, ['serve', '--tls', '--state', stateDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    server.stderr.on('data', (d) => (serverStderr += d));
    serverExit = new Promise((resolve) => server.on('exit', (code, signal) => resolve({ code, signal })));
    serve = await new Promise((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => reject(new Error(`entragate serve printed no line within 60 s\nstderr: ${serverStderr}`)), 60_000);
      server.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      server.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`entragate serve exited (${code ?? signal}) before printing its JSON line\nstderr: ${serverStderr}`));
      });
      server.stdout.on('data', (d) => {
        stdout += d;
        const nl = stdout.indexOf('\n');
        if (nl < 0) return;
        clearTimeout(timer);
        try {
          resolve(JSON.parse(stdout.slice(0, nl)));
        } catch (e) {
          reject(new Error(`first stdout line of entragate serve is not JSON: ${stdout.slice(0, nl)} (${e.message})`));
        }
      });
    });
    server.stdout.resume();
    for (const key of ['graph', 'authority', 'tenantId', 'imds', 'identityEndpoint', 'caFile', 'adminKey']) {
      assert.equal(typeof serve[key], 'string', `serve line lacks ${key}: ${JSON.stringify(serve)}`);
    }
    assert.match(serve.authority, /^https:\/\//);
    assert.equal(serve.graph, `${serve.authority}/v1.0`);
  });

  after(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
      await serverExit;
      clearTimeout(timer);
    }
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  test('ClientSecretCredential and the Graph client: list, create app + role, service principal, assignment', async () => {
    const run = await runChild(serve, ['graph']);
    graph = assertOk(run);

    // The operator's token for Microsoft Graph (v1 token, as Graph uses).
    const t = graph.graphToken;
    assert.equal(t.tokenType, 'Bearer');
    assert.ok(t.expiresOnTimestamp > Date.now() + 5 * 60_000, `token expires at ${new Date(t.expiresOnTimestamp).toISOString()}`);
    assert.equal(t.claims.tid, serve.tenantId);
    assert.equal(t.claims.appid, serve.operator.clientId);
    assert.equal(t.claims.aud, 'https://graph.microsoft.com');
    for (const role of ['Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All']) assert.ok(t.claims.roles.includes(role), `roles: ${t.claims.roles}`);

    // Service principals: the seeded managed identities are there, typed as such.
    const byName = new Map(graph.servicePrincipals.map((sp) => [sp.displayName, sp]));
    for (const name of MANAGED_IDENTITIES) {
      assert.ok(byName.has(name), `no service principal ${name} in ${[...byName.keys()]}`);
      assert.equal(byName.get(name).servicePrincipalType, 'ManagedIdentity', name);
      assert.match(byName.get(name).id, UUID);
      assert.match(byName.get(name).appId, UUID);
    }
    const centos1 = byName.get('centos-1');

    // The application, its role and its App ID URI.
    const app = graph.application;
    assert.match(app.id, UUID);
    assert.match(app.appId, UUID);
    assert.deepEqual(app.identifierUris, [`api://${app.appId}`]);
    assert.equal(app.appRoles.length, 1);
    assert.equal(app.appRoles[0].id, graph.role.id);
    assert.equal(app.appRoles[0].value, graph.role.value);
    assert.deepEqual(app.appRoles[0].allowedMemberTypes, ['Application']);
    assert.equal(app.appRoles[0].isEnabled, true);

    // Its service principal, now requiring assignment and exposing the role.
    const sp = graph.servicePrincipal;
    assert.match(sp.id, UUID);
    assert.equal(sp.appId, app.appId);
    assert.equal(sp.appRoleAssignmentRequired, true);
    assert.ok(sp.servicePrincipalNames.includes(`api://${app.appId}`), `servicePrincipalNames: ${sp.servicePrincipalNames}`);
    assert.deepEqual(sp.appRoleIds, [graph.role.id]);

    // The assignment as created and as listed back.
    const a = graph.assignment;
    assert.equal(a.principalId, centos1.id);
    assert.equal(a.resourceId, sp.id);
    assert.equal(a.appRoleId, graph.role.id);
    assert.equal(a.principalType, 'ServicePrincipal');
    assert.equal(a.principalDisplayName, 'centos-1');
    assert.equal(graph.assignedTo.length, 1);
    assert.equal(graph.assignedTo[0].id, a.id);
    assert.equal(graph.assignedTo[0].principalId, centos1.id);
    assert.equal(graph.assignedTo[0].appRoleId, graph.role.id);

    // Client.init with a callback auth provider, $filter and $select.
    assert.deepEqual(graph.clientInitFiltered, [{ id: byName.get('centos-2').id, displayName: 'centos-2' }]);

    // The calls really reached the emulator's Graph service.
    const stats = await adminGet(serve, '/_emulator/stats');
    for (const route of [
      'GET /servicePrincipals',
      'POST /applications',
      'PATCH /applications/{id}',
      'POST /servicePrincipals',
      'PATCH /servicePrincipals/{id}',
      'POST /servicePrincipals/{id}/appRoleAssignedTo',
      'GET /servicePrincipals/{id}/appRoleAssignedTo',
    ]) {
      assert.ok(stats.byRoute?.[route] >= 1, `${route} not in ${JSON.stringify(stats.byRoute)}`);
    }
  });

  test('ManagedIdentityCredential, App Service protocol, centos-1: token for the app carries the role', async (t) => {
    if (!graph?.ok) return t.skip('needs the Graph flow');
    const scope = `api://${graph.application.appId}/.default`;
    const run = await runChild(serve, ['mi', scope], { IDENTITY_ENDPOINT: serve.identityEndpoint, IDENTITY_HEADER: serve.identityHeaders['centos-1'] });
    const r = assertOk(run);
    assert.equal(run.source, 'AppService');
    const centos1 = graph.servicePrincipals.find((sp) => sp.displayName === 'centos-1');
    const c = r.token.claims;
    assert.equal(r.token.tokenType, 'Bearer');
    assert.ok(r.token.expiresOnTimestamp > Date.now() + 5 * 60_000);
    // requestedAccessTokenVersion is null, so a v1 token whose aud is the App ID URI as requested.
    assert.equal(c.aud, `api://${graph.application.appId}`);
    assert.equal(c.ver, '1.0');
    assert.equal(c.tid, serve.tenantId);
    assert.deepEqual(c.roles, [graph.role.value]);
    assert.equal(c.oid, centos1.id);
    assert.equal(c.appid, centos1.appId);
  });

  // As on Azure, App Service keeps the identity platform's reason to itself: a generic HTTP 500.
  test('ManagedIdentityCredential, App Service protocol, centos-2 (no assignment): the platform\'s HTTP 500', async (t) => {
    if (!graph?.ok) return t.skip('needs the Graph flow');
    const scope = `api://${graph.application.appId}/.default`;
    const run = await runChild(serve, ['mi', scope], { IDENTITY_ENDPOINT: serve.identityEndpoint, IDENTITY_HEADER: serve.identityHeaders['centos-2'] });
    assert.equal(run.source, 'AppService');
    assert.equal(run.result.ok, false, `centos-2 got a token: ${JSON.stringify(run.result.token?.claims)}`);
    assert.match(run.result.error.message, /An unexpected error occured while fetching the AAD Token\./);
    assert.doesNotMatch(run.result.error.message, /AADSTS/);
  });

  test('ManagedIdentityCredential, IMDS via AZURE_POD_IDENTITY_AUTHORITY_HOST: token for centos-1', async (t) => {
    if (!graph?.ok) return t.skip('needs the Graph flow');
    const scope = `api://${graph.application.appId}/.default`;
    const run = await runChild(serve, ['mi', scope], { AZURE_POD_IDENTITY_AUTHORITY_HOST: serve.imds });
    const r = assertOk(run);
    assert.equal(run.source, 'DefaultToImds');
    const centos1 = graph.servicePrincipals.find((sp) => sp.displayName === 'centos-1');
    const c = r.token.claims;
    assert.ok(r.token.expiresOnTimestamp > Date.now() + 5 * 60_000);
    assert.equal(c.aud, `api://${graph.application.appId}`);
    assert.equal(c.tid, serve.tenantId);
    assert.equal(c.oid, centos1.id);
    assert.equal(c.appid, centos1.appId);
    assert.deepEqual(c.roles, [graph.role.value]);
  });
  test('msal-node ConfidentialClientApplication: client credentials, then msal\'s own cache, and a wrong secret', async () => {
    const r = assertOk(await runChild(serve, ['msal-cca'], {}, msalKiotaScript));
    assert.equal(r.token.tokenType, 'Bearer');
    assert.equal(r.token.fromCache, false);
    assert.equal(r.token.claims.aud, 'https://graph.microsoft.com');
    assert.equal(r.token.claims.appid, serve.operator.clientId);
    assert.equal(r.token.claims.tid, serve.tenantId);
    assert.ok(r.token.claims.roles.includes('AppRoleAssignment.ReadWrite.All'), `roles: ${r.token.claims.roles}`);
    assert.deepEqual(r.again, { sameToken: true, fromCache: true });
    assert.equal(r.wrongSecret.errorCode, 'invalid_client');
    assert.match(r.wrongSecret.message, /AADSTS7000215/);
    assert.ok(!r.wrongSecret.message.includes(serve.operator.clientSecret));
  });

  test('msal-node ManagedIdentityApplication over IMDS: system-assigned centos-1, user-assigned ci-runner with xms_az_rid', async (t) => {
    if (!graph?.ok) return t.skip('needs the Graph flow');
    const byName = new Map(graph.servicePrincipals.map((sp) => [sp.displayName, sp]));
    const env = { AZURE_POD_IDENTITY_AUTHORITY_HOST: serve.imds };
    const system = assertOk(await runChild(serve, ['msal-mi', 'https://graph.microsoft.com'], env, msalKiotaScript));
    assert.equal(system.source, 'DefaultToImds');
    assert.equal(system.token.claims.oid, byName.get('centos-1').id);
    assert.match(system.token.claims.xms_mirid, /\/resourcegroups\/vms\/providers\/Microsoft\.Compute\/virtualMachines\/centos-1$/);
    assert.equal(system.token.claims.xms_az_rid, undefined);
    assert.ok(Date.parse(system.token.expiresOn) > Date.now() + 23 * 3600_000, `expiresOn ${system.token.expiresOn}`);
    assert.equal(system.again.sameToken, true);

    const user = assertOk(await runChild(serve, ['msal-mi', 'https://graph.microsoft.com', byName.get('ci-runner').appId], env, msalKiotaScript));
    assert.equal(user.token.claims.oid, byName.get('ci-runner').id);
    assert.match(user.token.claims.xms_mirid, /\/resourcegroups\/ci\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/ci-runner$/);
    assert.equal(user.token.claims.xms_az_rid, system.token.claims.xms_mirid); // the VM it runs on
  });

  // (Its refusal is the @azure/identity case above: that credential is msal-node's, and msal retries
  // the platform's 500 for seconds.)
  test('msal-node ManagedIdentityApplication over App Service: centos-2', async (t) => {
    if (!graph?.ok) return t.skip('needs the Graph flow');
    const env = { IDENTITY_ENDPOINT: serve.identityEndpoint, IDENTITY_HEADER: serve.identityHeaders['centos-2'] };
    const r = assertOk(await runChild(serve, ['msal-mi', 'https://graph.microsoft.com'], env, msalKiotaScript));
    assert.equal(r.source, 'AppService');
    assert.equal(r.token.claims.oid, graph.servicePrincipals.find((sp) => sp.displayName === 'centos-2').id);
    assert.equal(r.token.claims.aud, 'https://graph.microsoft.com');
    assert.equal(r.again.sameToken, true);
  });

  test('Kiota Graph SDK: PageIterator paging, upsert by uniqueName, assignment, $batch, refusals as ODataError', async () => {
    const r = assertOk(await runChild(serve, ['kiota'], {}, msalKiotaScript));
    assert.deepEqual(r.firstPage, { size: 2, hasNextLink: true });
    for (const name of [...MANAGED_IDENTITIES, 'Microsoft Graph', 'entragate-operator']) assert.ok(r.pagedNames.includes(name), `${name} not paged: ${r.pagedNames}`);
    assert.equal(new Set(r.pagedNames).size, r.pagedNames.length, 'a service principal came twice');
    assert.match(r.created.id, UUID);
    assert.match(r.created.appId, UUID);
    assert.match(r.created.uniqueName, /^kiota-/);
    assert.deepEqual(r.created.roles, ['Kiota.Use']);
    assert.equal(r.upsertAgainReturned, 'nothing (204)');
    assert.deepEqual(r.assignment, { principalId: r.centos1, principalDisplayName: 'centos-1', resourceId: r.sp, appRoleId: r.assignment.appRoleId });
    assert.match(r.assignment.appRoleId, UUID);
    assert.deepEqual(r.batch, { read: 200, list: 200, missing: 404, count: 3 });
    assert.equal(r.notFound.responseStatusCode, 404);
    assert.equal(r.notFound.message, "Resource 'no-such-app' does not exist or one of its queried reference-property objects are not present.");
    assert.equal(r.tooManyExpressions.responseStatusCode, 400);
    assert.equal(r.tooManyExpressions.message, "Too many child clauses specified in search filter expression containing 'OR' operators: 16. Max allowed: 15.");

    const stats = await adminGet(serve, '/_emulator/stats');
    for (const route of ['PATCH /applications(uniqueName=)', 'POST /$batch']) {
      assert.ok(stats.byRoute?.[route] >= 1, `${route} not in ${JSON.stringify(stats.byRoute)}`);
    }
  });
});
