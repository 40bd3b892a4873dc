// docs/openapi.json is a valid OpenAPI 3.1 document, checked by a real validator, and
// every schema in it compiles as strict JSON Schema 2020-12 (no unknown keywords).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileErrors, validate } from '@readme/openapi-parser';
import { ApiDocument, documentPath } from './api_document.mjs';

test('docs/openapi.json passes the OpenAPI 3.1 validator without errors or warnings', async () => {
  const result = await validate(documentPath);
  assert.ok(result.valid, compileErrors(result));
  assert.deepEqual(result.warnings, []);
  assert.equal(result.specification, 'OpenAPI');
  assert.match(new ApiDocument().doc.openapi, /^3\.1\./);
});

test('every schema of docs/openapi.json compiles as strict JSON Schema 2020-12', () => {
  assert.ok(new ApiDocument().compileAll() > 0);
});
