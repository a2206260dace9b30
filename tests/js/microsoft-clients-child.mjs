#!/usr/bin/env node
// Child process for microsoft-clients.test.mjs: drives Microsoft's own, unmodified JavaScript clients
// (@azure/identity, @microsoft/microsoft-graph-client) against a running `entragate serve --tls`.
//
//   ENTRAGATE_SERVE='<the serve JSON line>' NODE_EXTRA_CA_CERTS=<caFile> \
//     node tests/js/microsoft-clients-child.mjs MODE [ARG]
//
// NODE_EXTRA_CA_CERTS is read once when Node starts, which is why this runs as its own process: the
// parent test only learns the CA file after starting the emulator. Every managed-identity mode also
// runs in a fresh process, because msal-node picks the managed-identity source from the environment
// (IDENTITY_ENDPOINT / IDENTITY_HEADER / AZURE_POD_IDENTITY_AUTHORITY_HOST) and the parent sets those
// per scenario.
//
// MODE
//   graph              ClientSecretCredential as the operator app, then Graph through the Graph client:
//                      list service principals, create an app with an Application app role, set its
//                      identifierUris, create its service principal, require assignment, assign the
//                      role to centos-1, list the assignment back.
//   mi SCOPE           ManagedIdentityCredential (source chosen by msal-node from the environment)
//                      asks for SCOPE.
//
// Prints exactly one JSON line on stdout: {"ok":true,...results} or
// {"ok":false,"step":...,"error":{name,message,statusCode,code,body}}. Exit status 0 either way; the
// parent asserts on the content. Exit status 2 means the script itself was misused.

import { randomUUID } from 'node:crypto';

import { ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';

import { childMain, jwtPayload, out, run } from './client-child-lib.mjs';

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

function describeError(e) {
  return {
    name: e?.name,
    message: String(e?.message ?? e),
    statusCode: e?.statusCode,
    code: e?.code,
    body: typeof e?.body === 'string' ? e.body : e?.body === undefined ? undefined : JSON.stringify(e.body),
  };
}

async function graphMode(serve) {
  const credential = new ClientSecretCredential(serve.tenantId, serve.operator.clientId, serve.operator.clientSecret, {
    authorityHost: serve.authority,
    disableInstanceDiscovery: true,
  });

  const token = await run('ClientSecretCredential.getToken(graph)', () => credential.getToken(GRAPH_SCOPE));
  out.graphToken = {
    expiresOnTimestamp: token.expiresOnTimestamp,
    tokenType: token.tokenType,
    claims: jwtPayload(token.token),
  };

  // The supported adapter between an @azure/identity TokenCredential and the Graph client.
  const client = Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [GRAPH_SCOPE] }),
    baseUrl: serve.authority,
    customHosts: new Set([new URL(serve.authority).hostname]),
  });

  // Every service principal, following @odata.nextLink as the client hands it back.
  const servicePrincipals = [];
  let page = await run('GET /servicePrincipals', () => client.api('/servicePrincipals').get());
  for (;;) {
    servicePrincipals.push(...page.value);
    if (!page['@odata.nextLink']) break;
    const next = page['@odata.nextLink'];
    page = await run(`GET ${next}`, () => client.api(next).get());
  }
  out.servicePrincipals = servicePrincipals.map((sp) => ({
    id: sp.id,
    appId: sp.appId,
    displayName: sp.displayName,
    servicePrincipalType: sp.servicePrincipalType,
  }));

  const centos1 = servicePrincipals.find((sp) => sp.displayName === 'centos-1');
  if (!centos1) throw new Error('no service principal named centos-1 in the list');

  const roleId = randomUUID();
  const roleValue = 'Jobs.Run';
  const created = await run('POST /applications', () =>
    client.api('/applications').post({
      displayName: `entragate-js-clients-${randomUUID().slice(0, 8)}`,
      appRoles: [
        {
          id: roleId,
          allowedMemberTypes: ['Application'],
          displayName: 'Run jobs',
          description: 'Lets a workload run jobs.',
          value: roleValue,
          isEnabled: true,
        },
      ],
    }),
  );
  out.application = { id: created.id, appId: created.appId, displayName: created.displayName, appRoles: created.appRoles };
  out.role = { id: roleId, value: roleValue };

  const identifierUri = `api://${created.appId}`;
  await run('PATCH /applications/{id}', () =>
    client.api(`/applications/${created.id}`).patch({ identifierUris: [identifierUri] }),
  );
  const reread = await run('GET /applications/{id}', () => client.api(`/applications/${created.id}`).get());
  out.application.identifierUris = reread.identifierUris;

  const sp = await run('POST /servicePrincipals', () => client.api('/servicePrincipals').post({ appId: created.appId }));
  await run('PATCH /servicePrincipals/{id}', () =>
    client.api(`/servicePrincipals/${sp.id}`).patch({ appRoleAssignmentRequired: true }),
  );
  const spReread = await run('GET /servicePrincipals/{id}', () =>
    client.api(`/servicePrincipals/${sp.id}`).select('id,appId,appRoleAssignmentRequired,servicePrincipalNames,appRoles').get(),
  );
  out.servicePrincipal = {
    id: sp.id,
    appId: sp.appId,
    appRoleAssignmentRequired: spReread.appRoleAssignmentRequired,
    servicePrincipalNames: spReread.servicePrincipalNames,
    appRoleIds: (spReread.appRoles ?? []).map((r) => r.id),
  };

  const assignment = await run('POST /servicePrincipals/{id}/appRoleAssignedTo', () =>
    client.api(`/servicePrincipals/${sp.id}/appRoleAssignedTo`).post({
      principalId: centos1.id,
      resourceId: sp.id,
      appRoleId: roleId,
    }),
  );
  out.assignment = assignment;

  const listed = await run('GET /servicePrincipals/{id}/appRoleAssignedTo', () =>
    client.api(`/servicePrincipals/${sp.id}/appRoleAssignedTo`).get(),
  );
  out.assignedTo = listed.value;

  // The callback-style Client.init (an AuthProvider function instead of an AuthenticationProvider
  // object) is the other documented way to start the client; exercise it once.
  const classic = Client.init({
    baseUrl: serve.authority,
    customHosts: new Set([new URL(serve.authority).hostname]),
    authProvider: (done) => {
      credential.getToken(GRAPH_SCOPE).then((t) => done(null, t.token), (e) => done(e, null));
    },
  });
  const filtered = await run("Client.init: GET /servicePrincipals?$filter=displayName eq 'centos-2'", () =>
    classic.api('/servicePrincipals').filter("displayName eq 'centos-2'").select('id,displayName').get(),
  );
  out.clientInitFiltered = filtered.value;
}

async function managedIdentityMode(scope) {
  const credential = new ManagedIdentityCredential();
  const token = await run(`ManagedIdentityCredential.getToken(${scope})`, () => credential.getToken(scope));
  out.token = { expiresOnTimestamp: token.expiresOnTimestamp, tokenType: token.tokenType, claims: jwtPayload(token.token) };
}

await childMain('microsoft-clients-child.mjs graph | mi SCOPE', async (serve, [mode, arg]) => {
  if (mode === 'graph') await graphMode(serve);
  else if (mode === 'mi' && arg) await managedIdentityMode(arg);
  else return false;
  return true;
}, describeError);
