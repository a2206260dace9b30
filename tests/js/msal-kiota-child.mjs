#!/usr/bin/env node
// Child process for microsoft-clients.test.mjs, like microsoft-clients-child.mjs: drives msal-node
// directly and the Kiota-based Graph SDK (@microsoft/msgraph-sdk, @microsoft/msgraph-sdk-core),
// unmodified, against a running `entragate serve --tls`.
//
//   ENTRAGATE_SERVE='<the serve JSON line>' NODE_EXTRA_CA_CERTS=<caFile> \
//     node tests/js/msal-kiota-child.mjs MODE [ARG...]
//
// MODE
//   msal-mi RESOURCE [CLIENT_ID]  ManagedIdentityApplication (source from the environment) asks twice
//                                 for RESOURCE, as the system-assigned or the CLIENT_ID identity.
//   msal-cca                      ConfidentialClientApplication as the operator app: a Graph token
//                                 twice (the second from msal's cache), then a wrong secret.
//   kiota                         GraphRequestAdapter with the Azure Identity provider: paging with
//                                 PageIterator, upsert by uniqueName, service principal, assignment,
//                                 $batch with BatchRequestContent, and Graph's refusals as ODataError.
//
// The Kiota SDK's per-resource request builders (applications, servicePrincipals) are not published
// on npm for JavaScript; requests are made the SDK's documented way for any path: a
// RequestInformation sent through the SDK's request adapter, with the SDK's models and error mapping.
//
// Prints exactly one JSON line on stdout: {"ok":true,...} or {"ok":false,"step":...,"error":{...}}.

import { randomUUID } from 'node:crypto';

import { ClientSecretCredential } from '@azure/identity';
import { ConfidentialClientApplication, ManagedIdentityApplication } from '@azure/msal-node';
import { HttpMethod, RequestInformation } from '@microsoft/kiota-abstractions';
import { GraphRequestAdapter } from '@microsoft/msgraph-sdk';
import {
  createAppRoleAssignmentFromDiscriminatorValue,
  createApplicationFromDiscriminatorValue,
  createServicePrincipalCollectionResponseFromDiscriminatorValue,
  createServicePrincipalFromDiscriminatorValue,
  serializeApplication,
  serializeAppRoleAssignment,
  serializeServicePrincipal,
} from '@microsoft/msgraph-sdk/models/index.js';
import { createODataErrorFromDiscriminatorValue } from '@microsoft/msgraph-sdk/models/oDataErrors/index.js';
import { BatchRequestContent, GraphAzureIdentityAuthenticationProvider, PageIterator } from '@microsoft/msgraph-sdk-core';

import { childMain, jwtPayload, out, run } from './client-child-lib.mjs';

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const errorMapping = { XXX: createODataErrorFromDiscriminatorValue };

function describeError(e) {
  return {
    name: e?.name,
    message: String(e?.message ?? e),
    errorCode: e?.errorCode,
    responseStatusCode: e?.responseStatusCode ?? e?.statusCode,
    graphCode: e?.error?.code,
    graphMessage: e?.error?.message,
  };
}

async function msalManagedIdentity(resource, clientId) {
  const app = new ManagedIdentityApplication(clientId ? { managedIdentityIdParams: { userAssignedClientId: clientId } } : {});
  out.source = app.getManagedIdentitySource();
  const first = await run('acquireToken', () => app.acquireToken({ resource }));
  const second = await run('acquireToken (again)', () => app.acquireToken({ resource }));
  out.token = { claims: jwtPayload(first.accessToken), expiresOn: first.expiresOn, fromCache: first.fromCache, tokenType: first.tokenType };
  out.again = { sameToken: second.accessToken === first.accessToken, fromCache: second.fromCache };
}

async function msalConfidentialClient(serve) {
  const config = (secret) => ({
    auth: {
      clientId: serve.operator.clientId,
      authority: `${serve.authority}/${serve.tenantId}`,
      clientSecret: secret,
      knownAuthorities: [new URL(serve.authority).host],
    },
  });
  const cca = new ConfidentialClientApplication(config(serve.operator.clientSecret));
  const first = await run('acquireTokenByClientCredential', () => cca.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] }));
  const second = await run('acquireTokenByClientCredential (again)', () => cca.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] }));
  out.token = { claims: jwtPayload(first.accessToken), fromCache: first.fromCache, tokenType: first.tokenType };
  out.again = { sameToken: second.accessToken === first.accessToken, fromCache: second.fromCache };
  try {
    await run('acquireTokenByClientCredential (wrong secret)', () =>
      new ConfidentialClientApplication(config('not-the-secret')).acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] }),
    );
    out.wrongSecret = { ok: true };
  } catch (e) {
    out.wrongSecret = describeError(e);
  }
}

function request(serve, method, path, headers = {}) {
  const info = new RequestInformation(method);
  info.URL = `${serve.graph}${path}`;
  for (const [name, value] of Object.entries(headers)) info.headers.tryAdd(name, value);
  return info;
}

async function refusal(fn) {
  try {
    await fn();
    return { ok: true };
  } catch (e) {
    return describeError(e);
  }
}

async function kiota(serve) {
  const credential = new ClientSecretCredential(serve.tenantId, serve.operator.clientId, serve.operator.clientSecret, {
    authorityHost: serve.authority,
    disableInstanceDiscovery: true,
  });
  const auth = new GraphAzureIdentityAuthenticationProvider(credential, [GRAPH_SCOPE], undefined, new Set([new URL(serve.graph).hostname]));
  const adapter = new GraphRequestAdapter(auth);
  adapter.baseUrl = serve.graph;

  // Paging: two service principals a page, every page followed by the SDK's PageIterator.
  const first = await run('GET /servicePrincipals?$top=2', () =>
    adapter.send(request(serve, HttpMethod.GET, '/servicePrincipals?$top=2&$select=id,displayName'), createServicePrincipalCollectionResponseFromDiscriminatorValue, errorMapping),
  );
  out.firstPage = { size: first.value.length, hasNextLink: Boolean(first.odataNextLink) };
  const names = [];
  await run('PageIterator.iterate', () =>
    new PageIterator(adapter, first, (sp) => (names.push(sp.displayName), true), createServicePrincipalCollectionResponseFromDiscriminatorValue, errorMapping).iterate(),
  );
  out.pagedNames = names;

  // Upsert by uniqueName: created, then the same call again updates (204, no body).
  const key = `kiota-${randomUUID().slice(0, 8)}`;
  const roleId = randomUUID();
  const app = {
    displayName: `Kiota ${key}`,
    appRoles: [{ id: roleId, value: 'Kiota.Use', displayName: 'Use', description: 'Use it', allowedMemberTypes: ['Application'], isEnabled: true }],
  };
  const upsert = (body) => {
    const info = request(serve, HttpMethod.PATCH, `/applications(uniqueName='${key}')`, { Prefer: 'create-if-missing' });
    info.setContentFromParsable(adapter, 'application/json', body, serializeApplication);
    return info;
  };
  const created = await run('PATCH /applications(uniqueName=…) create-if-missing', () => adapter.send(upsert(app), createApplicationFromDiscriminatorValue, errorMapping));
  out.created = { id: created?.id, appId: created?.appId, uniqueName: created?.uniqueName, roles: created?.appRoles?.map((r) => r.value) };
  const updated = await run('PATCH /applications(uniqueName=…) again', () =>
    adapter.send(upsert({ ...app, notes: 'updated by kiota' }), createApplicationFromDiscriminatorValue, errorMapping),
  );
  out.upsertAgainReturned = updated === undefined ? 'nothing (204)' : 'an object';

  // Its service principal, and an assignment of its role to centos-1.
  const spBody = request(serve, HttpMethod.POST, '/servicePrincipals');
  spBody.setContentFromParsable(adapter, 'application/json', { appId: created.appId, appRoleAssignmentRequired: true }, serializeServicePrincipal);
  const sp = await run('POST /servicePrincipals', () => adapter.send(spBody, createServicePrincipalFromDiscriminatorValue, errorMapping));
  const centos1 = await run("GET /servicePrincipals?$filter=displayName eq 'centos-1'", () =>
    adapter.send(request(serve, HttpMethod.GET, `/servicePrincipals?$filter=${encodeURIComponent("displayName eq 'centos-1'")}&$select=id`), createServicePrincipalCollectionResponseFromDiscriminatorValue, errorMapping),
  );
  const grant = request(serve, HttpMethod.POST, `/servicePrincipals/${sp.id}/appRoleAssignedTo`);
  grant.setContentFromParsable(adapter, 'application/json', { principalId: centos1.value[0].id, resourceId: sp.id, appRoleId: roleId }, serializeAppRoleAssignment);
  const assignment = await run('POST /servicePrincipals/{id}/appRoleAssignedTo', () => adapter.send(grant, createAppRoleAssignmentFromDiscriminatorValue, errorMapping));
  out.assignment = { principalId: assignment.principalId, principalDisplayName: assignment.principalDisplayName, resourceId: assignment.resourceId, appRoleId: assignment.appRoleId };
  out.centos1 = centos1.value[0].id;
  out.sp = sp.id;

  // $batch: three reads in one request, one of which fails on its own.
  const batch = new BatchRequestContent(adapter, errorMapping);
  const read = batch.addBatchRequest(request(serve, HttpMethod.GET, `/applications(uniqueName='${key}')?$select=id,notes`));
  const list = batch.addBatchRequest(request(serve, HttpMethod.GET, `/servicePrincipals/${sp.id}/appRoleAssignedTo`));
  const missing = batch.addBatchRequest(request(serve, HttpMethod.GET, "/applications(uniqueName='no-such-app')"));
  // Only the statuses: this SDK version reads every sub-response body as base64 bytes, so the JSON
  // object bodies Graph (and the local tenant) send come back undefined.
  const answered = await run('POST /$batch', () => batch.postAsync());
  const statuses = await answered.getResponsesStatusCodes();
  out.batch = { read: statuses.get(read.id), list: statuses.get(list.id), missing: statuses.get(missing.id), count: statuses.size };

  // Graph's refusals reach the SDK as ODataError with Graph's code and message.
  out.notFound = await refusal(() =>
    adapter.send(request(serve, HttpMethod.GET, "/applications(uniqueName='no-such-app')"), createApplicationFromDiscriminatorValue, errorMapping),
  );
  const sixteen = Array.from({ length: 16 }, (_, i) => `'00000000-0000-0000-0000-${String(i).padStart(12, '0')}'`).join(',');
  out.tooManyExpressions = await refusal(() =>
    adapter.send(request(serve, HttpMethod.GET, `/applications?$filter=${encodeURIComponent(`appId in (${sixteen})`)}`), createServicePrincipalCollectionResponseFromDiscriminatorValue, errorMapping),
  );
}

await childMain('msal-kiota-child.mjs msal-mi RESOURCE [CLIENT_ID] | msal-cca | kiota', async (serve, [mode, ...args]) => {
  if (mode === 'msal-mi' && args[0]) await msalManagedIdentity(args[0], args[1]);
  else if (mode === 'msal-cca') await msalConfidentialClient(serve);
  else if (mode === 'kiota') await kiota(serve);
  else return false;
  return true;
}, describeError);
