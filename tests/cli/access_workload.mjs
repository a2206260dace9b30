// Writes a generated access-review workload into DIR: a local-tenant seed with K user-assigned
// managed identities, users and groups; a manifest of N apps (each grants App.Use to 10 managed
// identities, every tenth also Reports.Read to a group); and expected.json, the (app, identity,
// role, how) entries an access review of it must show. Usage: node access_workload.mjs DIR N K
import { mkdirSync, writeFileSync } from 'node:fs';

const [dir, apps = '300', identities = '500'] = process.argv.slice(2);
const N = Number(apps), K = Number(identities), GROUPS = 5, USERS_PER_GROUP = 4;
mkdirSync(`${dir}/m`, { recursive: true });

const users = [], groups = [];
for (let g = 0; g < GROUPS; ++g) {
  const members = [];
  for (let u = 0; u < USERS_PER_GROUP; ++u) {
    const upn = `user-${g}-${u}@contoso.onmicrosoft.com`;
    users.push(`{ userPrincipalName: ${upn}, displayName: User ${g}-${u} }`);
    members.push(upn);
  }
  groups.push({ name: `Readers ${g}`, members });
}
let seed = 'tenant: { id: 7e8c5963-8c6b-472e-b9c9-43118267cdbf, domains: [contoso.onmicrosoft.com], region: EU }\n';
seed += 'userAssignedIdentities:\n';
for (let i = 0; i < K; ++i)
  seed += `  - { name: mi-${i}, resourceId: /subscriptions/0/resourceGroups/review/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-${i} }\n`;
seed += 'hosts: [ { name: host-1, systemAssigned: true, resourceId: /subscriptions/0/resourceGroups/review/providers/Microsoft.Compute/virtualMachines/host-1 } ]\n';
seed += `users: [ ${users.join(', ')} ]\n`;
seed += `groups: [ ${groups.map(g => `{ displayName: ${g.name}, members: [${g.members.join(', ')}] }`).join(', ')} ]\n`;
seed += 'applications: []\nassignments: []\n';
writeFileSync(`${dir}/seed.yaml`, seed);

let ids = 'version: 1\nidentities:\n';
for (let i = 0; i < K; ++i) ids += `  mi-${i}: { managedIdentity: mi-${i} }\n`;
for (let g = 0; g < GROUPS; ++g) ids += `  readers-${g}: { group: Readers ${g} }\n`;
writeFileSync(`${dir}/m/identities.yaml`, ids);

const expected = [];
let m = 'version: 1\napps:\n';
for (let n = 0; n < N; ++n) {
  const holders = [];
  for (let k = 0; k < 10; ++k) holders.push(`mi-${(n * 10 + k) % K}`);
  m += `  app-${n}:\n    displayName: App ${n}\n    appRoles:\n      App.Use: { allowedMemberTypes: [ Application ] }\n`;
  if (n % 10 === 0) m += '      Reports.Read: { allowedMemberTypes: [ User ] }\n';
  m += `    assignmentRequired: true\n    access:\n      App.Use: [ ${holders.join(', ')} ]\n`;
  for (const h of holders) expected.push(`app-${n}|${h}|App.Use|direct`);
  if (n % 10 === 0) {
    const g = (n / 10) % GROUPS;
    m += `      Reports.Read: [ readers-${g} ]\n`;
    expected.push(`app-${n}|Readers ${g}|Reports.Read|direct`);
    for (const upn of groups[g].members) expected.push(`app-${n}|${upn}|Reports.Read|group`);
  }
}
writeFileSync(`${dir}/m/apps.yaml`, m);
writeFileSync(`${dir}/expected.json`, JSON.stringify(expected.sort()));
