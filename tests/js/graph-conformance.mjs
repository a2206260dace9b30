#!/usr/bin/env node
// Checks response bodies that the emulator's Graph service sent against Microsoft's official Graph v1.0
// schema subset: the OpenAPI 3.0 document plus the CSDL ($metadata) it was generated from.
//
//   node tests/js/graph-conformance.mjs RESPONSES.jsonl OPENAPI.json CSDL.xml
//
// RESPONSES.jsonl holds one JSON object per line, {"method","route","target","status","contentType",
// "body"}, as written by the C++ tests under ENTRAGATE_RECORD_GRAPH_RESPONSES=FILE. `route` is the
// emulator's route template ("GET /applications(appId=)", "POST /servicePrincipals/{id}/appRoleAssignedTo")
// and `body` is the response body as text.
//
// How a response is mapped to a schema:
//   - status >= 400, any route: microsoft.graph.ODataErrors.ODataError (application/json).
//   - 2xx: the route is matched to an OpenAPI path item and method (path parameters become `{id}`,
//     alternate keys `(appId='{appId}')` become `(appId=)`), and the operation's `2XX` response gives the
//     schema: an entity (application, servicePrincipal, appRoleAssignment), a collection response, or
//     ODataCountResponse for `$count` (a plain integer as text/plain). 204 must have an empty body.
//   - A route with no operation in the subset (users, groups, federatedIdentityCredentials, addPassword,
//     $batch, ...) is counted as skipped and reported by route; it never passes silently.
//
// How the OpenAPI schemas are made strict (see convert*() below):
//   - Entity and complex types, and collection responses, are closed: a property that the type does
//     not declare fails. Only instance annotations whose name starts with "@odata." are allowed.
//     (The OpenAPI writes `additionalProperties: {type: object}` everywhere; that is the converter's
//     way of saying "open", and it is replaced.) The error types stay open, as the OpenAPI declares them
//     and as the real service uses them (innerError carries service-specific members).
//   - In a full representation (no $select in the target) every declared structural property must be
//     present, except those the service never returns inline (NOT_RETURNED_INLINE). With $select only
//     the presence rule is dropped; unknown properties still fail.
//   - Navigation properties are allowed only when the target has $expand.
//   - `nullable: true` becomes a type union with null. A property typed by `$ref` (complex or enum) has
//     lost its nullability in the OpenAPI conversion, so it is taken from the CSDL `Nullable` attribute
//     (default true).
//   - Formats: date-time, uuid, duration, int32, int64 from ajv-formats; base64url (OData Edm.Binary)
//     is defined here. Flags enums (x-ms-enum-flags) accept comma-separated member lists.
//
// Exit status: 0 when every checked response conforms, 1 when there are violations, 2 when the
// script cannot run (bad arguments, unreadable reference files).

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const NS = 'microsoft.graph';
const ERROR_SCHEMA = 'microsoft.graph.ODataErrors.ODataError';
const COUNT_SCHEMA = 'ODataCountResponse';

/**
 * Declared structural properties that the real service does not put in a full representation, so
 * their absence is not a violation (they are still type-checked when present).
 *   - Every Edm.Stream property (found from the CSDL, e.g. application.logo): OData never serializes a
 *     stream inline; its content is fetched from its own URL (/applications/{id}/logo). The OpenAPI
 *     shows it as `type: string, format: base64url` only because the converter maps Edm.Stream so.
 *   - servicePrincipal.customSecurityAttributes: documented as "Returned only on $select" on the
 *     servicePrincipal resource page (and on agentIdentityBlueprintPrincipal, which inherits it), and it
 *     needs the separate CustomSecAttributeAssignment.Read.All permission to be read at all.
 */
const NOT_RETURNED_INLINE = {
  [`${NS}.servicePrincipal`]: ['customSecurityAttributes'],
};

/** The OData instance annotations that may appear on any object. */
const ANNOTATION_PATTERN = '^@odata\\.';

// ---------------------------------------------------------------------------------------------------
// CSDL

function xmlUnescape(s) {
  return s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]);
}

/**
 * Reads the EntityType / ComplexType / EnumType elements of a CSDL document.
 * Returns Map<qualifiedName, {kind, name, baseType, openType, abstract, isFlags, members, props}> where
 * props is Map<name, {type, nullable (attribute as written, or undefined), nav}>. Type names are
 * qualified with the schema namespace (the alias, e.g. "graph.", is expanded).
 */
export function parseCsdl(xml) {
  const text = xml.replace(/<!--[\s\S]*?-->/g, '').replace(/<\?[\s\S]*?\?>/g, '');
  const tag = /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
  const attrRe = /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  const types = new Map();
  const aliases = new Map();
  const stack = [];
  let matched = 0;
  let schemaNs;
  let current;
  for (let m; (m = tag.exec(text)); ) {
    matched += 1;
    const [, closing, name, attrText, selfClosing] = m;
    const local = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
    if (closing) {
      const open = stack.pop();
      if (open !== local) throw new Error(`CSDL: </${name}> closes <${open}>`);
      if (['EntityType', 'ComplexType', 'EnumType'].includes(local)) current = undefined;
      continue;
    }
    const attrs = {};
    for (let a; (a = attrRe.exec(attrText)); ) attrs[a[1]] = xmlUnescape(a[2] ?? a[3]);
    if (local === 'Schema') {
      schemaNs = attrs.Namespace;
      if (attrs.Alias) aliases.set(attrs.Alias, attrs.Namespace);
    } else if (['EntityType', 'ComplexType', 'EnumType'].includes(local) && stack.at(-1) === 'Schema') {
      current = {
        kind: local,
        name: `${schemaNs}.${attrs.Name}`,
        baseType: attrs.BaseType,
        openType: attrs.OpenType === 'true',
        abstract: attrs.Abstract === 'true',
        isFlags: attrs.IsFlags === 'true',
        members: [],
        props: new Map(),
      };
      types.set(current.name, current);
      if (selfClosing) current = undefined;
    } else if (current && stack.at(-1) === current.kind && (local === 'Property' || local === 'NavigationProperty')) {
      current.props.set(attrs.Name, { type: attrs.Type, nullable: attrs.Nullable, nav: local === 'NavigationProperty' });
    } else if (current && local === 'Member') {
      current.members.push(attrs.Name);
    }
    if (!selfClosing) stack.push(local);
  }
  if (stack.length) throw new Error(`CSDL: unclosed <${stack.join('> <')}>`);
  const opens = (text.match(/</g) ?? []).length;
  if (opens !== matched) throw new Error(`CSDL: ${opens - matched} markup item(s) could not be read`);
  const qualify = (t) => {
    if (!t) return t;
    const coll = /^Collection\((.*)\)$/.exec(t);
    if (coll) return `Collection(${qualify(coll[1])})`;
    const dot = t.indexOf('.');
    const prefix = dot < 0 ? '' : t.slice(0, dot);
    return aliases.has(prefix) ? `${aliases.get(prefix)}${t.slice(dot)}` : t;
  };
  for (const t of types.values()) {
    t.baseType = qualify(t.baseType);
    for (const p of t.props.values()) p.type = qualify(p.type);
  }
  return types;
}

/** The CSDL type and its base types, most derived first. */
function csdlChain(csdl, name) {
  const chain = [];
  for (let t = csdl.get(name); t; t = t.baseType ? csdl.get(t.baseType) : undefined) chain.push(t);
  return chain;
}

/** The CSDL declaration of property `prop` on type `name` or one of its base types. */
function csdlProperty(csdl, name, prop) {
  for (const t of csdlChain(csdl, name)) if (t.props.has(prop)) return t.props.get(prop);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// OpenAPI -> JSON Schema (draft 2020-12)

const refName = (ref) => decodeURIComponent(ref.replace(/^#\/components\/schemas\//, ''));
const defRef = (name) => `#/$defs/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/** Keywords copied as they are from an OpenAPI schema node; everything else is dropped or rewritten. */
const COPIED = ['title', 'format', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems', 'readOnly', 'writeOnly', 'deprecated', 'const'];

/** Adds null to a converted schema (type union, or anyOf for a $ref / untyped schema). */
function withNull(schema) {
  if (schema.$ref || schema.anyOf || schema.oneOf || schema.allOf || schema.type === undefined) {
    return { anyOf: [schema, { type: 'null' }] };
  }
  const out = { ...schema, type: [...new Set([...[schema.type].flat(), 'null'])] };
  if (out.enum && !out.enum.includes(null)) out.enum = [...out.enum, null];
  return out;
}

function flagsPattern(members) {
  const one = `(?:${members.map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`;
  return `^${one}(?:,${one})*$`;
}

/**
 * Converts one OpenAPI schema node that describes a value (a property, an array item, ...).
 * `refNullable` says whether a bare $ref here may be null (from the CSDL), since OpenAPI 3.0 cannot say so.
 */
function convertNode(node, refNullable) {
  if (node.$ref) {
    // OpenAPI 3.0 ignores the siblings of $ref; `nullable` beside a $ref is the one sibling with
    // a meaning that later converters honour, so it is kept.
    const ref = { $ref: defRef(refName(node.$ref)) };
    return refNullable || node.nullable === true ? withNull(ref) : ref;
  }
  const out = {};
  for (const k of COPIED) if (node[k] !== undefined) out[k] = node[k];
  if (node.type !== undefined) out.type = node.type;
  if (node.enum) {
    if (node['x-ms-enum-flags']?.isFlags) out.pattern = flagsPattern(node.enum);
    else out.enum = [...node.enum];
  }
  if (node.items) out.items = convertNode(node.items, refNullable);
  for (const k of ['anyOf', 'oneOf', 'allOf']) if (node[k]) out[k] = node[k].map((n) => convertNode(n, false));
  if (node.properties || node.additionalProperties !== undefined) {
    // An inline object: no such node exists in the subset's property tree; keep it open.
    out.type ??= 'object';
  }
  return node.nullable === true ? withNull(out) : out;
}

/** The properties of a component schema, following allOf into its base schemas (base first). */
function flattenProperties(components, name, seen = new Set()) {
  if (seen.has(name)) throw new Error(`schema cycle at ${name}`);
  seen.add(name);
  const schema = components[name];
  const props = new Map();
  const parts = schema.allOf ?? [schema];
  for (const part of parts) {
    if (part.$ref) for (const [k, v] of flattenProperties(components, refName(part.$ref), seen)) props.set(k, v);
    else for (const [k, v] of Object.entries(part.properties ?? {})) props.set(k, v);
  }
  return props;
}

/** JSON Schema for a CSDL type reference, for structural properties the 2024 OpenAPI does not have yet. */
function csdlTypeSchema(type, components, csdl, extraDefs) {
  const coll = /^Collection\((.*)\)$/.exec(type);
  if (coll) return { type: 'array', items: csdlTypeSchema(coll[1], components, csdl, extraDefs) };
  const prim = {
    'Edm.String': { type: 'string' },
    'Edm.Boolean': { type: 'boolean' },
    'Edm.Int32': { type: 'integer', format: 'int32' },
    'Edm.Int64': { type: 'integer', format: 'int64' },
    'Edm.Double': { type: 'number' },
    'Edm.Guid': { type: 'string', format: 'uuid' },
    'Edm.DateTimeOffset': { type: 'string', format: 'date-time' },
    'Edm.Duration': { type: 'string', format: 'duration' },
    'Edm.Binary': { type: 'string', format: 'base64url' },
  }[type];
  if (prim) return prim;
  if (components[type]) return { $ref: defRef(type) };
  const t = csdl.get(type);
  if (!t) throw new Error(`CSDL type ${type} is neither in the OpenAPI nor in the CSDL subset`);
  const defName = `csdl:${type}`;
  if (!extraDefs[defName]) {
    extraDefs[defName] = {}; // placeholder against recursion
    if (t.kind === 'EnumType') {
      extraDefs[defName] = t.isFlags ? { type: 'string', pattern: flagsPattern(t.members) } : { type: 'string', enum: t.members };
    } else {
      const properties = {};
      for (const [p, decl] of t.props) {
        if (decl.nav) continue;
        properties[p] = csdlPropertySchema(decl, components, csdl, extraDefs);
      }
      extraDefs[defName] = {
        type: 'object',
        'x-graph-type': type,
        'x-graph-kind': 'complex',
        properties,
        required: Object.keys(properties),
        patternProperties: { [ANNOTATION_PATTERN]: true },
        additionalProperties: false,
      };
    }
  }
  return { $ref: defRef(defName) };
}

/** JSON Schema for a CSDL property: Nullable (default true) applies to the value, or to the items of a collection. */
function csdlPropertySchema(decl, components, csdl, extraDefs) {
  const s = csdlTypeSchema(decl.type, components, csdl, extraDefs);
  if (decl.nullable === 'false') return s;
  return s.type === 'array' ? { ...s, items: withNull(s.items) } : withNull(s);
}

/**
 * Builds the JSON Schema document for one variant.
 *   full:   every non-navigation property of an entity must be present (no $select)
 *   expand: navigation properties may appear ($expand)
 * Complex types always require all their properties: $select does not reach inside them.
 */
function buildVariant(openapi, csdl, { full, expand }) {
  const components = openapi.components.schemas;
  const defs = {};
  const extraDefs = {};
  for (const [name, schema] of Object.entries(components)) {
    if (name.startsWith(`${NS}.ODataErrors.`)) {
      defs[name] = convertOpen(schema);
      continue;
    }
    if (name === COUNT_SCHEMA) {
      defs[name] = convertNode(schema, false);
      continue;
    }
    if (schema.enum) {
      defs[name] = convertNode(schema, false);
      continue;
    }
    const isCollectionResponse = /CollectionResponse$/.test(name);
    const csdlType = csdl.get(name);
    const isEntity = csdlType?.kind === 'EntityType' || (schema.allOf && !isCollectionResponse);
    const props = flattenProperties(components, name);
    if (props.size === 0) {
      // An object type that declares nothing: customSecurityAttributeValue, an OpenType complex type
      // whose members are the tenant's attribute sets. Closing it would only admit {}, so it stays open.
      defs[name] = { type: 'object' };
      continue;
    }
    const properties = {};
    const required = [];
    const navigation = [];
    const skipRequired = new Set(NOT_RETURNED_INLINE[name] ?? []);
    for (const [prop, node] of props) {
      const decl = csdlType ? csdlProperty(csdl, name, prop) : undefined;
      // Single-valued navigation properties (createdOnBehalfOf, synchronization,
      // remoteDesktopSecurityConfiguration) lost their x-ms-navigationProperty marker in the OpenAPI
      // conversion, because it cannot sit beside a $ref; the CSDL still says NavigationProperty.
      const nav = node['x-ms-navigationProperty'] === true || decl?.nav === true;
      if (nav) navigation.push(prop);
      if (nav && !expand) continue;
      // Only a $ref-typed node needs the CSDL to know its nullability; the CSDL's Nullable defaults
      // to true. Where the CSDL declares nothing (the collection-response wrappers, which are not
      // CSDL types), the OpenAPI is taken as written: a bare $ref is not null.
      const refNullable = decl ? decl.nullable !== 'false' : false;
      properties[prop] = convertNode(node, refNullable);
      if (decl?.type === 'Edm.Stream') skipRequired.add(prop);
      if (!nav && !skipRequired.has(prop) && !isCollectionResponse && (full || !isEntity)) required.push(prop);
    }
    if (isCollectionResponse) required.push('value');
    // Structural properties that the newer CSDL declares and this 2024 OpenAPI does not (listed in the
    // subset's x-subset-notes.csdlHeadDelta): the current service declares them, so they are known
    // properties, typed from the CSDL, but not required, since the OpenAPI does not declare them.
    if (csdlType) {
      for (const t of csdlChain(csdl, name)) {
        for (const [prop, decl] of t.props) {
          if (decl.nav || properties[prop] || props.has(prop) || decl.type === 'Edm.Stream') continue;
          properties[prop] = csdlPropertySchema(decl, components, csdl, extraDefs);
        }
      }
    }
    defs[name] = {
      type: 'object',
      'x-graph-type': name,
      'x-graph-kind': isCollectionResponse ? 'collection' : isEntity ? 'entity' : 'complex',
      'x-graph-navigation': navigation,
      properties,
      required,
      patternProperties: { [ANNOTATION_PATTERN]: true },
      additionalProperties: false,
    };
  }
  return { ...defs, ...extraDefs };
}

/** The error schemas: declared properties and `required` kept, other members allowed (as the OpenAPI says). */
function convertOpen(schema) {
  const out = { type: 'object' };
  if (schema.properties) {
    out.properties = {};
    for (const [k, v] of Object.entries(schema.properties)) out.properties[k] = convertNode(v, false);
  }
  if (schema.required) out.required = [...schema.required];
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Checker

/** OData base64url (Edm.Binary in JSON): RFC 4648 §5 alphabet, padding optional. */
const BASE64URL = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;

/** Normalises an OpenAPI path or an emulator route path: parameters become {id}, alternate keys lose their value. */
export function normalisePath(path) {
  return path.replace(/='\{[^}]*\}'/g, '=').replace(/='[^']*'/g, '=').replace(/\{[^}]+\}/g, '{id}');
}

/** The OData system query options present in a request target ($select, $expand, ...; the $ is optional). */
function queryOptions(target) {
  const q = target.indexOf('?');
  const names = new Set();
  if (q < 0) return names;
  for (const part of target.slice(q + 1).split('&')) {
    let name = part.split('=')[0];
    try {
      name = decodeURIComponent(name);
    } catch {
      // keep it as written
    }
    names.add(name.replace(/^\$/, '').toLowerCase());
  }
  return names;
}

const pointerEscape = (s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');

export class GraphConformance {
  constructor(openapi, csdlXml) {
    this.openapi = openapi;
    this.csdl = parseCsdl(csdlXml);
    this.ajv = new Ajv2020({ strict: true, allErrors: true, verbose: true });
    addFormats(this.ajv);
    this.ajv.addFormat('base64url', BASE64URL);
    this.ajv.addKeyword({ keyword: 'x-graph-type', schemaType: 'string' });
    this.ajv.addKeyword({ keyword: 'x-graph-navigation', schemaType: 'array' });
    this.ajv.addKeyword({ keyword: 'x-graph-kind', schemaType: 'string' });
    this.variants = new Map();
    this.operations = new Map();
    for (const [path, item] of Object.entries(openapi.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!op || typeof op !== 'object' || !op.responses) continue;
        this.operations.set(`${method.toUpperCase()} ${normalisePath(path)}`, { path, method, op });
      }
    }
  }

  static fromFiles(openapiPath, csdlPath) {
    return new GraphConformance(JSON.parse(readFileSync(openapiPath, 'utf8')), readFileSync(csdlPath, 'utf8'));
  }

  /** The compiled validator of component `name` in the variant for this request. */
  validator(name, { full = true, expand = false } = {}) {
    const key = `${full ? 'full' : 'select'}${expand ? '+expand' : ''}`;
    if (!this.variants.has(key)) {
      const id = `https://entragate.invalid/graph-conformance/${key}.json`;
      this.ajv.addSchema({ $id: id, $defs: buildVariant(this.openapi, this.csdl, { full, expand }) });
      this.variants.set(key, id);
    }
    const id = this.variants.get(key);
    const v = this.ajv.getSchema(`${id}${defRef(name)}`);
    if (!v) throw new Error(`no schema ${name} in the OpenAPI subset`);
    return v;
  }

  /**
   * Validates a parsed JSON value against component `name`. Returns [{pointer, message}], empty when valid.
   * options: {full: no $select, expand: $expand present}.
   */
  checkValue(name, value, options = {}) {
    const validate = this.validator(name, options);
    if (validate(value)) return [];
    return this.describe(validate.errors);
  }

  describe(errors) {
    // A nullable $ref is anyOf [ref, null]: when the value is not null, only the ref's own errors
    // say something; drop the "must be null" branch and the anyOf summary that come with them.
    const kept = errors.filter((e) => !(e.keyword === 'type' && e.params.type === 'null' && /\/anyOf\/\d+\/type$/.test(e.schemaPath)));
    const out = [];
    for (const e of kept) {
      if (e.keyword === 'anyOf' && kept.some((o) => o !== e && o.instancePath.startsWith(e.instancePath) && o.keyword !== 'anyOf')) continue;
      let pointer = e.instancePath || '';
      let message = e.message;
      const type = e.parentSchema?.['x-graph-type'];
      if (e.keyword === 'additionalProperties') {
        const prop = e.params.additionalProperty;
        pointer = `${pointer}/${pointerEscape(prop)}`;
        const nav = e.parentSchema?.['x-graph-navigation'] ?? [];
        message = nav.includes(prop)
          ? `navigation property of ${type} returned without $expand`
          : `property not declared by ${type ?? 'the schema'}`;
      } else if (e.keyword === 'required') {
        pointer = `${pointer}/${pointerEscape(e.params.missingProperty)}`;
        const kind = e.parentSchema?.['x-graph-kind'];
        const missing = `missing property '${e.params.missingProperty}'`;
        message =
          kind === 'entity'
            ? `${missing}: declared by ${type}, and a full representation (no $select) carries every structural property`
            : kind === 'complex'
              ? `${missing}: declared by complex type ${type}, whose values always carry every property`
              : `${missing}: required by ${type ?? 'the schema'}`;
      } else if (e.keyword === 'enum') {
        message = `${e.message}: ${JSON.stringify(e.params.allowedValues)}`;
      } else if (e.keyword === 'type' || e.keyword === 'format' || e.keyword === 'pattern') {
        message = `${e.message} (got ${JSON.stringify(e.data)})`;
      }
      out.push({ pointer: pointer || '/', message });
    }
    const seen = new Set();
    return out.filter((v) => {
      const k = `${v.pointer}\u0000${v.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }

  /** The OpenAPI operation for an emulator route ("GET /applications(appId=)"), or undefined. */
  operationFor(route, method) {
    const sp = route.indexOf(' ');
    const path = sp < 0 ? route : route.slice(sp + 1);
    const m = (sp < 0 ? method : route.slice(0, sp)) ?? method;
    return this.operations.get(`${String(m).toUpperCase()} ${normalisePath(path)}`);
  }

  resolveResponse(resp) {
    let r = resp;
    while (r?.$ref) r = this.openapi.components.responses[r.$ref.replace(/^#\/components\/responses\//, '')];
    return r;
  }

  /**
   * Checks one recorded response. Returns {outcome, schema?, reason?, violations}:
   *   outcome 'checked'  a body was validated against `schema`
   *           'empty'    a 2xx without content, as the operation allows (204)
   *           'skipped'  no schema for this route in the subset (`reason`)
   */
  checkRecord(rec) {
    const { method, route, target = '', status, contentType = '', body = '' } = rec;
    const violations = [];
    const fail = (pointer, message) => violations.push({ pointer, message });
    const isJson = /^application\/json(?:;|$)/i.test(contentType);

    const checkJson = (schema, options) => {
      if (!isJson) fail('', `content type ${JSON.stringify(contentType)} is not application/json`);
      let value;
      try {
        value = JSON.parse(body);
      } catch (e) {
        fail('', `body is not JSON: ${e.message}`);
        return { outcome: 'checked', schema, violations };
      }
      violations.push(...this.checkValue(schema, value, options));
      return { outcome: 'checked', schema, violations };
    };

    if (status >= 400) {
      if (body === '') {
        fail('', `error status ${status} without an ODataError body`);
        return { outcome: 'checked', schema: ERROR_SCHEMA, violations };
      }
      return checkJson(ERROR_SCHEMA);
    }

    const found = this.operationFor(route, method);
    if (!found) return { outcome: 'skipped', reason: `no operation for ${route} in the OpenAPI subset`, violations };
    if (status < 200 || status > 299) {
      return { outcome: 'skipped', reason: `status ${status} of ${route} has no response schema`, violations };
    }
    const response = this.resolveResponse(found.op.responses['2XX'] ?? found.op.responses[String(status)]);
    const content = response?.content ?? {};
    if (status === 204 || Object.keys(content).length === 0) {
      if (body !== '') fail('', `status ${status} must not have a body (got ${body.length} bytes)`);
      return { outcome: 'empty', violations };
    }
    if (body === '') {
      fail('', `status ${status} of ${route} must carry a body (${Object.keys(content).join(', ')})`);
      return { outcome: 'checked', schema: '(body)', violations };
    }
    if (content['text/plain']) {
      const schema = refName(content['text/plain'].schema.$ref);
      if (!/^text\/plain(?:;|$)/i.test(contentType)) fail('', `content type ${JSON.stringify(contentType)} is not text/plain`);
      if (!/^(?:0|-?[1-9][0-9]*)$/.test(body)) {
        fail('', `body ${JSON.stringify(body.slice(0, 40))} is not a plain integer`);
        return { outcome: 'checked', schema, violations };
      }
      violations.push(...this.checkValue(schema, Number(body)));
      return { outcome: 'checked', schema, violations };
    }
    const media = content['application/json'];
    if (!media?.schema?.$ref) return { outcome: 'skipped', reason: `no JSON schema for ${route}`, violations };
    const options = queryOptions(target);
    return checkJson(refName(media.schema.$ref), { full: !options.has('select'), expand: options.has('expand') });
  }

  /** Checks every line of a JSONL text. Returns {total, checked, empty, skipped, bySchema, skippedByRoute, violations}. */
  checkLines(text) {
    const summary = { total: 0, checked: 0, empty: 0, skipped: 0, bySchema: {}, skippedByRoute: {}, violations: [] };
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      summary.total += 1;
      let rec;
      try {
        rec = JSON.parse(line);
      } catch (e) {
        summary.checked += 1;
        summary.violations.push({ line: i + 1, route: '?', status: '?', target: '', pointer: '', message: `line is not JSON: ${e.message}` });
        return;
      }
      const r = this.checkRecord(rec);
      if (r.outcome === 'checked') {
        summary.checked += 1;
        summary.bySchema[r.schema] = (summary.bySchema[r.schema] ?? 0) + 1;
      } else if (r.outcome === 'empty') {
        summary.empty += 1;
      } else {
        summary.skipped += 1;
        const key = `${rec.route} ${rec.status}`;
        summary.skippedByRoute[key] = (summary.skippedByRoute[key] ?? 0) + 1;
      }
      for (const v of r.violations) {
        summary.violations.push({ line: i + 1, route: rec.route, status: rec.status, target: rec.target, schema: r.schema, ...v });
      }
    });
    return summary;
  }
}

/** One line per violation: "route status pointer: message  (line N, target)". */
export function formatViolation(v) {
  return `${v.route} ${v.status} ${v.pointer || '/'}: ${v.message}  [line ${v.line}${v.target ? `, ${v.target}` : ''}]`;
}

export function formatSummary(s) {
  const lines = [
    `${s.total} responses: ${s.checked} checked, ${s.empty} without content (204), ${s.skipped} skipped (no schema in the subset); ${s.violations.length} violation(s)`,
  ];
  for (const [schema, n] of Object.entries(s.bySchema).sort()) lines.push(`  checked ${n} x ${schema}`);
  for (const [route, n] of Object.entries(s.skippedByRoute).sort()) lines.push(`  skipped ${n} x ${route}`);
  return lines.join('\n');
}

function main(argv) {
  if (argv.length !== 3) {
    process.stderr.write('usage: graph-conformance.mjs RESPONSES.jsonl OPENAPI.json CSDL.xml\n');
    return 2;
  }
  const [responses, openapiPath, csdlPath] = argv;
  let checker;
  let text;
  try {
    checker = GraphConformance.fromFiles(openapiPath, csdlPath);
    text = readFileSync(responses, 'utf8');
  } catch (e) {
    process.stderr.write(`graph-conformance: ${e.message}\n`);
    return 2;
  }
  const summary = checker.checkLines(text);
  process.stdout.write(`${formatSummary(summary)}\n`);
  for (const v of summary.violations) process.stdout.write(`VIOLATION ${formatViolation(v)}\n`);
  return summary.violations.length ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main(process.argv.slice(2));
