// The emulator's Graph responses against Microsoft's official Graph v1.0 schema subset
// (graph-openapi-subset.json + graph-csdl-subset.xml), through graph-conformance.mjs.
//
//   rm -f /tmp/rec.jsonl
//   ENTRAGATE_RECORD_GRAPH_RESPONSES=/tmp/rec.jsonl build/release/tests/emulator_tests
//   GRAPH_RESPONSES=/tmp/rec.jsonl node --test tests/js/graph-conformance.test.mjs
//
// The reference files are the copies in docs/reference/ (their origin is noted there). The checker's
// own tests below always run; only the check of recorded responses needs GRAPH_RESPONSES and is
// skipped without it.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { GraphConformance, formatSummary, formatViolation, normalisePath, parseCsdl } from './graph-conformance.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const reference = join(root, 'docs', 'reference');
const openapiPath = join(reference, 'graph-openapi-subset.json');
const csdlPath = join(reference, 'graph-csdl-subset.xml');

for (const p of [openapiPath, csdlPath]) {
  if (!existsSync(p)) throw new Error(`reference file missing: ${p} (see docs/reference/README.md)`);
}
const checker = GraphConformance.fromFiles(openapiPath, csdlPath);

const APP = 'microsoft.graph.application';
const SP = 'microsoft.graph.servicePrincipal';
const ARA = 'microsoft.graph.appRoleAssignment';
const JSON_CT = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** A hand-made full application, as Graph returns it from GET /applications/{id}. */
function validApplication() {
  return {
    '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#applications/$entity',
    id: '0d4c6b6e-5b1e-4f5e-9d7a-0b5c8f1d2e3a',
    deletedDateTime: null,
    addIns: [],
    api: {
      acceptMappedClaims: null,
      knownClientApplications: [],
      oauth2PermissionScopes: [
        {
          adminConsentDescription: 'Read things',
          adminConsentDisplayName: 'Read things',
          id: '5b0b8f53-0f7e-4a39-9a0e-6c1f4bde2a11',
          isEnabled: true,
          origin: 'Application',
          type: 'Admin',
          userConsentDescription: null,
          userConsentDisplayName: null,
          value: 'Things.Read',
        },
      ],
      preAuthorizedApplications: [],
      requestedAccessTokenVersion: 2,
    },
    appId: '3f1c2b7a-8e4d-4c1b-a6f2-9d8e7c6b5a40',
    applicationTemplateId: null,
    appRoles: [
      {
        allowedMemberTypes: ['Application'],
        description: 'Run jobs',
        displayName: 'Run jobs',
        id: 'c8a1f3e2-7b6d-4e5f-9a0b-1c2d3e4f5a6b',
        isEnabled: true,
        origin: 'Application',
        value: 'Jobs.Run',
      },
    ],
    certification: null,
    createdDateTime: '2024-05-01T12:00:00Z',
    defaultRedirectUri: null,
    description: null,
    disabledByMicrosoftStatus: null,
    displayName: 'conformance sample',
    groupMembershipClaims: null,
    identifierUris: ['api://3f1c2b7a-8e4d-4c1b-a6f2-9d8e7c6b5a40'],
    info: { logoUrl: null, marketingUrl: null, privacyStatementUrl: null, supportUrl: null, termsOfServiceUrl: null },
    isDeviceOnlyAuthSupported: null,
    isFallbackPublicClient: null,
    keyCredentials: [
      {
        customKeyIdentifier: 'hOBcHZi846VCHSJbFAs26Go9VTQ',
        displayName: 'CN=sample',
        endDateTime: '2026-05-01T12:00:00Z',
        key: null,
        keyId: '1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6',
        startDateTime: '2024-05-01T12:00:00Z',
        type: 'AsymmetricX509Cert',
        usage: 'Verify',
      },
    ],
    nativeAuthenticationApisEnabled: null,
    notes: null,
    oauth2RequirePostResponse: false,
    optionalClaims: {
      accessToken: [{ additionalProperties: [], essential: false, name: 'idtyp', source: null }],
      idToken: [],
      saml2Token: [],
    },
    parentalControlSettings: { countriesBlockedForMinors: [], legalAgeGroupRule: 'Allow' },
    passwordCredentials: [
      {
        customKeyIdentifier: null,
        displayName: 'ci',
        endDateTime: '2025-05-01T12:00:00.1234567Z',
        hint: 'abc',
        keyId: '2f3e4d5c-6b7a-4988-8b0c-d1e2f3a4b5c6',
        secretText: null,
        startDateTime: '2024-05-01T12:00:00Z',
      },
    ],
    publicClient: { redirectUris: [] },
    publisherDomain: 'contoso.onmicrosoft.com',
    requestSignatureVerification: null,
    requiredResourceAccess: [
      {
        resourceAppId: '00000003-0000-0000-c000-000000000000',
        resourceAccess: [{ id: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d', type: 'Scope' }],
      },
    ],
    samlMetadataUrl: null,
    serviceManagementReference: null,
    servicePrincipalLockConfiguration: {
      isEnabled: true,
      allProperties: true,
      credentialsWithUsageSign: null,
      credentialsWithUsageVerify: null,
      tokenEncryptionKeyId: null,
    },
    signInAudience: 'AzureADMyOrg',
    spa: { redirectUris: [] },
    tags: [],
    tokenEncryptionKeyId: null,
    uniqueName: null,
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
    web: {
      homePageUrl: null,
      implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false },
      logoutUrl: null,
      redirectUris: [],
      redirectUriSettings: [],
    },
  };
}

/** A hand-made full managed-identity service principal. */
function validServicePrincipal() {
  return {
    id: 'f110f748-095d-5114-a832-a9b1bd3d50d5',
    deletedDateTime: null,
    accountEnabled: true,
    addIns: [],
    alternativeNames: ['isExplicit=False', '/subscriptions/x/resourceGroups/vms/providers/Microsoft.Compute/virtualMachines/centos-1'],
    appDescription: null,
    appDisplayName: null,
    appId: '22af569d-987a-55b2-b011-1cc8f8ba53c9',
    applicationTemplateId: null,
    appOwnerOrganizationId: null,
    appRoleAssignmentRequired: false,
    appRoles: [],
    description: null,
    disabledByMicrosoftStatus: null,
    displayName: 'centos-1',
    homepage: null,
    info: { logoUrl: null, marketingUrl: null, privacyStatementUrl: null, supportUrl: null, termsOfServiceUrl: null },
    keyCredentials: [],
    loginUrl: null,
    logoutUrl: null,
    notes: null,
    notificationEmailAddresses: [],
    oauth2PermissionScopes: [],
    passwordCredentials: [],
    preferredSingleSignOnMode: null,
    preferredTokenSigningKeyThumbprint: null,
    replyUrls: [],
    resourceSpecificApplicationPermissions: [],
    samlSingleSignOnSettings: null,
    servicePrincipalNames: ['22af569d-987a-55b2-b011-1cc8f8ba53c9'],
    servicePrincipalType: 'ManagedIdentity',
    signInAudience: null,
    tags: [],
    tokenEncryptionKeyId: null,
    verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
  };
}

function validAssignment() {
  return {
    id: 'SPcQ8V0JFFGoMqmxvT1Q1eqH0_vW1aRfIa_bdDJl4d8',
    deletedDateTime: null,
    appRoleId: '27d34de0-3f07-4438-8503-f112cd81ef71',
    createdDateTime: '2024-05-01T12:00:00.5Z',
    principalDisplayName: 'centos-1',
    principalId: 'f110f748-095d-5114-a832-a9b1bd3d50d5',
    principalType: 'ServicePrincipal',
    resourceDisplayName: 'api',
    resourceId: '2298172e-69cb-4c24-bab7-219a1355a8bc',
  };
}

/** The distinct pointers of a list of violations (a value can break both a format and a pattern). */
const pointers = (violations) => [...new Set(violations.map((v) => v.pointer))];
const record = (route, status, body, { target, contentType = JSON_CT } = {}) => ({
  method: route.split(' ')[0],
  route,
  target: target ?? `/v1.0${route.split(' ')[1].replace(/\{id\}/g, 'x')}`,
  status,
  contentType,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('graph-conformance checker (hand-made bodies)', () => {
  test('a valid full application passes', () => {
    assert.deepEqual(checker.checkValue(APP, validApplication()), []);
  });

  test('an extra property fails', () => {
    const body = { ...validApplication(), isTotallyMadeUp: true };
    const v = checker.checkValue(APP, body);
    assert.deepEqual(pointers(v), ['/isTotallyMadeUp']);
    assert.match(v[0].message, /not declared by microsoft\.graph\.application/);
  });

  test('an extra property inside a complex type fails', () => {
    const body = validApplication();
    body.web.implicitGrantSettings.enableSomethingElse = true;
    assert.deepEqual(pointers(checker.checkValue(APP, body)), ['/web/implicitGrantSettings/enableSomethingElse']);
  });

  test('a missing property fails', () => {
    const body = validApplication();
    delete body.signInAudience;
    const v = checker.checkValue(APP, body);
    assert.deepEqual(pointers(v), ['/signInAudience']);
    assert.match(v[0].message, /missing/);
  });

  test('a missing property of a nested complex type fails', () => {
    const body = validApplication();
    delete body.appRoles[0].origin;
    delete body.optionalClaims.saml2Token;
    assert.deepEqual(pointers(checker.checkValue(APP, body)).sort(), ['/appRoles/0/origin', '/optionalClaims/saml2Token']);
  });

  test('a wrong type fails', () => {
    const body = validApplication();
    body.displayName = 42;
    const v = checker.checkValue(APP, body);
    assert.deepEqual(pointers(v), ['/displayName']);
    assert.match(v[0].message, /must be string/);
  });

  test('wrong types and formats deeper down fail', () => {
    const body = validApplication();
    body.api.requestedAccessTokenVersion = '2';
    body.appRoles[0].id = 'not-a-guid';
    body.createdDateTime = '2024-05-01 12:00:00';
    body.keyCredentials[0].customKeyIdentifier = 'a+b/';
    assert.deepEqual(pointers(checker.checkValue(APP, body)).sort(), [
      '/api/requestedAccessTokenVersion',
      '/appRoles/0/id',
      '/createdDateTime',
      '/keyCredentials/0/customKeyIdentifier',
    ]);
  });

  test('nullability: OpenAPI nullable, CSDL Nullable for $ref properties', () => {
    const ok = validApplication();
    ok.api = null; // graph.apiApplication, no Nullable attribute: nullable
    ok.web = null;
    ok.info = null;
    ok.nativeAuthenticationApisEnabled = null; // an enum by $ref
    assert.deepEqual(checker.checkValue(APP, ok), []);

    const bad = validApplication();
    bad.appRoles = null; // Collection, never null
    bad.identifierUris = null;
    bad.oauth2RequirePostResponse = null; // Edm.Boolean Nullable="false"
    bad.appRoles = null;
    bad.servicePrincipalLockConfiguration.isEnabled = null; // Nullable="false" inside a complex type
    assert.deepEqual(pointers(checker.checkValue(APP, bad)).sort(), [
      '/appRoles',
      '/identifierUris',
      '/oauth2RequirePostResponse',
      '/servicePrincipalLockConfiguration/isEnabled',
    ]);
  });

  test('a flags enum takes member lists and nothing else', () => {
    const body = validApplication();
    body.requestSignatureVerification = { allowedWeakAlgorithms: 'rsaSha1', isSignedRequestRequired: true };
    body.nativeAuthenticationApisEnabled = 'all';
    assert.deepEqual(checker.checkValue(APP, body), []);
    body.nativeAuthenticationApisEnabled = 'everything';
    assert.deepEqual(pointers(checker.checkValue(APP, body)), ['/nativeAuthenticationApisEnabled']);
  });

  test('@odata. instance annotations are allowed, other unknown members are not', () => {
    const body = { ...validApplication(), '@odata.type': '#microsoft.graph.application', '@odata.etag': 'W/"1"' };
    assert.deepEqual(checker.checkValue(APP, body), []);
    body.extension_3f1c2b7a8e4d4c1ba6f29d8e7c6b5a40_team = 'x';
    assert.deepEqual(pointers(checker.checkValue(APP, body)), ['/extension_3f1c2b7a8e4d4c1ba6f29d8e7c6b5a40_team']);
  });

  test('logo (Edm.Stream) may be absent; when present it is base64url', () => {
    assert.deepEqual(checker.checkValue(APP, { ...validApplication(), logo: 'iVBORw0KGgo' }), []);
    assert.deepEqual(pointers(checker.checkValue(APP, { ...validApplication(), logo: 'iVBOR+0KGgo=' })), ['/logo']);
  });

  test('properties newer than the OpenAPI (CSDL head) are known but not required', () => {
    const body = { ...validApplication(), isDisabled: false, createdByAppId: null, managerApplications: [] };
    body.authenticationBehaviors = { blockAzureADGraphAccess: null, removeUnverifiedEmailClaim: true, requireClientServicePrincipal: null };
    assert.deepEqual(checker.checkValue(APP, body), []);
    body.isDisabled = 'no';
    assert.deepEqual(pointers(checker.checkValue(APP, body)), ['/isDisabled']);
  });

  test('$select drops the presence rule but not the closed shape', () => {
    const partial = { '@odata.context': 'x', id: 'a', displayName: 'b' };
    assert.deepEqual(checker.checkValue(APP, partial, { full: false }), []);
    assert.ok(checker.checkValue(APP, partial).length > 30);
    assert.deepEqual(pointers(checker.checkValue(APP, { ...partial, bogus: 1 }, { full: false })), ['/bogus']);
  });

  test('navigation properties need $expand', () => {
    const body = { ...validApplication(), owners: [] };
    const v = checker.checkValue(APP, body);
    assert.deepEqual(pointers(v), ['/owners']);
    assert.match(v[0].message, /navigation property/);
    assert.deepEqual(checker.checkValue(APP, body, { expand: true }), []);
    // createdOnBehalfOf is navigation only according to the CSDL (the OpenAPI lost the marker).
    assert.match(checker.checkValue(APP, { ...validApplication(), createdOnBehalfOf: null })[0].message, /navigation/);
  });

  test('service principal: valid passes; customSecurityAttributes optional; bad shapes fail', () => {
    assert.deepEqual(checker.checkValue(SP, validServicePrincipal()), []);
    assert.deepEqual(checker.checkValue(SP, { ...validServicePrincipal(), customSecurityAttributes: { Engineering: { '@odata.type': '#Microsoft.DirectoryServices.CustomSecurityAttributeValue', Project: 'x' } } }), []);
    const bad = validServicePrincipal();
    bad.appRoleAssignmentRequired = null;
    delete bad.alternativeNames;
    bad.appOwnerOrganizationId = 'contoso';
    assert.deepEqual(pointers(checker.checkValue(SP, bad)).sort(), ['/alternativeNames', '/appOwnerOrganizationId', '/appRoleAssignmentRequired']);
  });

  test('appRoleAssignment: valid passes; missing, extra and mistyped members fail', () => {
    assert.deepEqual(checker.checkValue(ARA, validAssignment()), []);
    const bad = { ...validAssignment(), appRoleId: null, principalType: 1, expiresOn: null };
    delete bad.resourceDisplayName;
    assert.deepEqual(pointers(checker.checkValue(ARA, bad)).sort(), ['/appRoleId', '/expiresOn', '/principalType', '/resourceDisplayName']);
  });

  test('collection responses: closed, value required, items checked', () => {
    const name = 'microsoft.graph.servicePrincipalCollectionResponse';
    const page = { '@odata.context': 'x', '@odata.nextLink': 'https://graph/next', value: [validServicePrincipal()] };
    assert.deepEqual(checker.checkValue(name, page), []);
    const item = validServicePrincipal();
    delete item.tags;
    assert.deepEqual(pointers(checker.checkValue(name, { value: [item, null], count: 1 })).sort(), ['/count', '/value/0/tags', '/value/1']);
    assert.deepEqual(pointers(checker.checkValue(name, { '@odata.context': 'x' })), ['/value']);
  });

  test('records: route and status pick the schema', () => {
    const get = checker.checkRecord(record('GET /applications/{id}', 200, validApplication()));
    assert.equal(get.outcome, 'checked');
    assert.equal(get.schema, APP);
    assert.deepEqual(get.violations, []);

    const byAppId = checker.checkRecord(record("GET /applications(appId=)", 200, { id: 'x' }, { target: "/v1.0/applications(appId='1')?$select=id" }));
    assert.equal(byAppId.schema, APP);
    assert.deepEqual(byAppId.violations, []);

    const upsert = checker.checkRecord(record('PATCH /applications(uniqueName=)', 201, validApplication()));
    assert.deepEqual([upsert.schema, upsert.violations], [APP, []]);

    const list = checker.checkRecord(record('GET /servicePrincipals/{id}/appRoleAssignedTo', 200, { value: [validAssignment()] }));
    assert.deepEqual([list.schema, list.violations], ['microsoft.graph.appRoleAssignmentCollectionResponse', []]);

    const created = checker.checkRecord(record('POST /servicePrincipals/{id}/appRoleAssignedTo', 201, { ...validAssignment(), extra: 1 }));
    assert.deepEqual([created.schema, pointers(created.violations)], [ARA, ['/extra']]);

    assert.deepEqual(normalisePath("/servicePrincipals(appId='{appId}')"), '/servicePrincipals(appId=)');
  });

  test('records: errors, $count, 204 and skipped routes', () => {
    const error = { error: { code: 'Request_ResourceNotFound', message: 'gone', innerError: { date: '2024-05-01T12:00:00', 'request-id': 'r' } } };
    assert.deepEqual(checker.checkRecord(record('GET /users/{id}', 404, error, { contentType: 'application/json' })).violations, []);
    const noMessage = checker.checkRecord(record('GET /applications', 400, { error: { code: 'x' } }));
    assert.deepEqual([noMessage.schema, pointers(noMessage.violations)], ['microsoft.graph.ODataErrors.ODataError', ['/error/message']]);
    assert.match(noMessage.violations[0].message, /missing property 'message'/);
    assert.equal(checker.checkRecord(record('(refused before routing)', 401, '', { contentType: '' })).violations.length, 1);
    assert.equal(checker.checkRecord(record('GET /applications', 500, error, { contentType: 'text/html' })).violations.length, 1);

    const count = (body, contentType = 'text/plain') => checker.checkRecord(record('GET /servicePrincipals/$count', 200, body, { contentType }));
    assert.deepEqual([count('5').schema, count('5').violations], ['ODataCountResponse', []]);
    assert.equal(count('5\n').violations.length, 1);
    assert.equal(count('{"count":5}', 'application/json').violations.length, 2);
    assert.equal(count('99999999999').violations.length, 1); // int32

    const deleted = checker.checkRecord(record('DELETE /applications/{id}', 204, '', { contentType: '' }));
    assert.deepEqual([deleted.outcome, deleted.violations], ['empty', []]);
    assert.equal(checker.checkRecord(record('PATCH /applications/{id}', 204, '{}')).violations.length, 1);
    assert.equal(checker.checkRecord(record('POST /applications', 201, '', { contentType: '' })).violations.length, 1);

    for (const route of ['GET /users/{id}', 'GET /groups', 'POST /applications/{id}/addPassword', 'POST /$batch', 'GET /applications/{id}/federatedIdentityCredentials']) {
      const r = checker.checkRecord(record(route, 200, { anything: true }));
      assert.equal(r.outcome, 'skipped', route);
    }
  });

  test('checkLines counts and reports', () => {
    const lines = [
      record('GET /applications/{id}', 200, validApplication()),
      record('GET /applications/{id}', 200, { ...validApplication(), bogus: 1 }),
      record('GET /users/{id}', 200, { id: 'u' }),
      record('DELETE /applications/{id}', 204, '', { contentType: '' }),
    ].map((r) => JSON.stringify(r));
    const s = checker.checkLines(`${lines.join('\n')}\nnot json\n`);
    assert.deepEqual([s.total, s.checked, s.empty, s.skipped], [5, 3, 1, 1]);
    assert.deepEqual(s.skippedByRoute, { 'GET /users/{id} 200': 1 });
    assert.deepEqual(s.violations.map((v) => [v.line, v.pointer]), [[2, '/bogus'], [5, '']]);
    assert.match(formatViolation(s.violations[0]), /^GET \/applications\/\{id\} 200 \/bogus: /);
  });

  test('the CSDL subset describes every type the entities reach through structural properties', () => {
    // Nullability of $ref properties comes from the CSDL; make sure it is never a silent default.
    const openapi = JSON.parse(readFileSync(openapiPath, 'utf8'));
    const csdl = parseCsdl(readFileSync(csdlPath, 'utf8'));
    const schemas = openapi.components.schemas;
    const seen = new Set();
    const missing = [];
    const visit = (name) => {
      if (seen.has(name)) return;
      seen.add(name);
      const type = csdl.get(name);
      if (!type) {
        missing.push(name);
        return;
      }
      const parts = schemas[name].allOf ?? [schemas[name]];
      for (const part of parts) {
        if (part.$ref) visit(part.$ref.split('/').pop());
        for (const [prop, node] of Object.entries(part.properties ?? {})) {
          let decl;
          for (let t = type; t && !decl; t = csdl.get(t.baseType)) decl = t.props.get(prop);
          if (!decl) missing.push(`${name}/${prop}`);
          if (node['x-ms-navigationProperty'] || decl?.nav) continue;
          const ref = node.$ref ?? node.items?.$ref;
          if (ref) visit(ref.split('/').pop());
        }
      }
    };
    for (const name of [APP, SP, ARA]) visit(name);
    assert.deepEqual(missing, []);
    assert.ok(seen.size > 25, `${seen.size} types`);
  });
});

describe('recorded emulator responses', () => {
  const file = process.env.GRAPH_RESPONSES;
  test(
    'every recorded Graph response body conforms to the official schema subset',
    { skip: file ? false : 'GRAPH_RESPONSES is not set (point it at a file written by ENTRAGATE_RECORD_GRAPH_RESPONSES)' },
    (t) => {
      const summary = checker.checkLines(readFileSync(file, 'utf8'));
      t.diagnostic(formatSummary(summary));
      assert.ok(summary.total > 0, `${file} is empty`);
      for (const schema of [APP, SP, ARA, 'microsoft.graph.ODataErrors.ODataError']) {
        assert.ok(summary.bySchema[schema] > 0, `no ${schema} body was checked; is ${file} complete?`);
      }
      const listing = summary.violations.map(formatViolation).join('\n');
      assert.equal(summary.violations.length, 0, `${summary.violations.length} violation(s):\n${listing}`);
    },
  );
});
