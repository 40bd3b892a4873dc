// The API document (docs/openapi.json) as a checker of real requests and answers: it
// finds the operation a request names and validates parameters, bodies and headers
// against that operation's schemas (JSON Schema 2020-12, the dialect of OpenAPI 3.1).
//
// Object schemas are read as closed: a property the document does not list fails, so a
// field the server writes under another name than the document's is caught. The
// document itself leaves them open, so clients may ignore fields added later.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export const documentPath =
  process.env.OPENAPI_DOCUMENT ?? fileURLToPath(new URL('../../docs/openapi.json', import.meta.url));

const BASE = 'urn:mailbox:openapi';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
// Request headers of HTTP itself, which operations do not declare.
const PLAIN_HEADERS = new Set(['authorization', 'content-type', 'content-length', 'host', 'accept', 'connection']);

// A copy of schema with its component references made absolute and its object schemas
// closed.
function prepare(schema) {
  if (Array.isArray(schema)) return schema.map(prepare);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/'))
      out[key] = `${BASE}#/$defs/${value.slice('#/components/schemas/'.length)}`;
    else if (key === 'properties' || key === '$defs')
      out[key] = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, prepare(s)]));
    else out[key] = prepare(value);
  }
  if (out.type === 'object' && out.properties && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

// A header or query value (always text) as the type its schema names.
function typed(value, schema) {
  if ((schema?.type === 'integer' || schema?.type === 'number') && /^-?[0-9]+(\.[0-9]+)?$/.test(value))
    return Number(value);
  return value;
}

function isJson(mediaType) {
  const base = mediaType.split(';')[0].trim();
  return base === 'application/json' || base.endsWith('+json');
}

export class ApiDocument {
  constructor(path = documentPath) {
    this.doc = JSON.parse(readFileSync(path, 'utf8'));
    this.ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: BASE, $defs: prepare(this.doc.components.schemas) });
    this.validators = new Map();
  }

  // The object a "#/components/..." reference points at; anything else as it is.
  resolve(item) {
    if (!item?.$ref) return item;
    return this.resolve(item.$ref.slice(2).split('/').reduce((node, key) => node[key], this.doc));
  }

  // Every operation: [template, method, operation].
  operations() {
    const ops = [];
    for (const [template, item] of Object.entries(this.doc.paths))
      for (const method of HTTP_METHODS) if (item[method]) ops.push([template, method, item[method]]);
    return ops;
  }

  // The operation for a request, literal paths before templated ones (as OpenAPI says):
  // { template, op }, or undefined when the document has none.
  operation(method, path) {
    const candidates = Object.keys(this.doc.paths).sort(
      (a, b) => (a.match(/\{/g) ?? []).length - (b.match(/\{/g) ?? []).length);
    for (const template of candidates) {
      const pattern = new RegExp('^' + template.replace(/\{[^}]+\}/g, '[^/]+') + '$');
      const op = this.doc.paths[template][method.toLowerCase()];
      if (op && pattern.test(path)) return { template, op };
    }
    return undefined;
  }

  // The errors of value against schema (empty when it fits), each prefixed with what.
  check(schema, value, what) {
    const key = JSON.stringify(schema);
    if (!this.validators.has(key)) this.validators.set(key, this.ajv.compile(prepare(schema)));
    const validate = this.validators.get(key);
    if (validate(value)) return [];
    return validate.errors.map((e) => `${what}${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  }

  // Compiles every schema of the document (strict mode refuses unknown keywords and
  // formats); throws on the first that does not compile.
  compileAll() {
    for (const name of Object.keys(this.doc.components.schemas))
      if (!this.ajv.getSchema(`${BASE}#/$defs/${name}`)) throw new Error(`schema ${name} does not compile`);
    const schemas = [];
    for (const [, , op] of this.operations()) {
      for (const p of op.parameters ?? []) schemas.push(this.resolve(p).schema);
      for (const media of Object.values(this.resolve(op.requestBody)?.content ?? {})) schemas.push(media.schema);
      for (const r of Object.values(op.responses)) {
        const response = this.resolve(r);
        for (const h of Object.values(response.headers ?? {})) schemas.push(this.resolve(h).schema);
        for (const media of Object.values(response.content ?? {})) schemas.push(media.schema);
      }
    }
    for (const schema of schemas) this.check(schema, null, '');
    return schemas.length;
  }

  // What is wrong with a request against its operation: undeclared query parameters or
  // headers, values outside their schemas, a body that does not fit.
  checkRequest({ method, target, headers = {}, body }) {
    const url = new URL(target, 'http://localhost');
    const found = this.operation(method, url.pathname);
    if (!found) return [`${method} ${url.pathname}: no such operation in the document`];
    const params = (found.op.parameters ?? []).map((p) => this.resolve(p));
    const errors = [];
    for (const [name, value] of url.searchParams) {
      const p = params.find((q) => q.in === 'query' && q.name === name);
      if (!p) errors.push(`query parameter ${name}: not declared by ${method} ${found.template}`);
      else errors.push(...this.check(p.schema, typed(value, p.schema), `query parameter ${name}`));
    }
    for (const [name, value] of Object.entries(headers)) {
      if (PLAIN_HEADERS.has(name.toLowerCase())) continue;
      const p = params.find((q) => q.in === 'header' && q.name.toLowerCase() === name.toLowerCase());
      if (!p) errors.push(`header ${name}: not declared by ${method} ${found.template}`);
      else errors.push(...this.check(p.schema, typed(value, p.schema), `header ${name}`));
    }
    if (body !== undefined && body !== '') {
      const media = this.resolve(found.op.requestBody)?.content?.['application/json'];
      if (!media) errors.push(`${method} ${found.template} takes no JSON body`);
      else errors.push(...this.check(media.schema, JSON.parse(body), 'request body'));
    }
    return errors;
  }

  // What is wrong with an answer against the document: a status it does not list (nor
  // covers with default), a missing required header, a header value or body outside
  // its schema, a content type it does not name. An answer for a path or method the
  // document lacks must be a problem (404, 405).
  checkAnswer({ method, target, status, headers, body }) {
    const path = new URL(target, 'http://localhost').pathname;
    const found = this.operation(method, path);
    const type = headers['content-type'] ?? '';
    const what = `${method} ${path} -> ${status}`;
    if (!found) {
      if (type !== 'application/problem+json') return [`${what}: not a documented operation, yet not a problem`];
      return this.checkProblem(what, status, JSON.parse(body));
    }
    const listed = found.op.responses[String(status)] ?? found.op.responses.default;
    if (!listed) return [`${what}: status not in the document`];
    const response = this.resolve(listed);
    const errors = [];
    for (const [name, h] of Object.entries(response.headers ?? {})) {
      const header = this.resolve(h);
      const value = headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.required) errors.push(`${what}: header ${name} missing`);
      } else {
        errors.push(...this.check(header.schema, typed(value, header.schema), `${what}: header ${name}`));
      }
    }
    const content = response.content ?? {};
    const media = content[type] ?? content[type.split(';')[0].trim()];
    if (!media) return [...errors, `${what}: content type '${type}' not in the document (${Object.keys(content)})`];
    const value = isJson(type) ? JSON.parse(body) : body;
    errors.push(...this.check(media.schema, value, `${what}: body`));
    if (type === 'application/problem+json') errors.push(...this.checkProblem(what, status, value));
    return errors;
  }

  // A problem's own consistency: the schema, its status, and its type naming its code.
  checkProblem(what, status, problem) {
    const errors = this.check(this.doc.components.schemas.Problem, problem, `${what}: problem`);
    if (problem.status !== status) errors.push(`${what}: problem says status ${problem.status}`);
    if (problem.type !== `/problems/${problem.code}`) errors.push(`${what}: problem type ${problem.type}`);
    return errors;
  }
}
