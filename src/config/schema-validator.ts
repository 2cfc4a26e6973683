// Runs the JSON Schema over a document and turns ajv's errors into
// ConfigIssues whose path points at the offending property.
//
// The validator fills in defaults, so it mutates the document it is given:
// callers pass a copy (load.ts does).
import { Ajv, type AnySchemaObject, type ErrorObject, type SchemaValidateFunction } from 'ajv';
import { parseAddress, parseCidr } from './cidr.js';
import { jsonPointer, type ConfigIssue } from './issues.js';
import { parseListenAddress } from './listen-address.js';
import { CONFIG_SCHEMA } from './schema.js';
import { closestName } from './suggest.js';

const PARSERS = { cidr: parseCidr, address: parseAddress, listen: parseListenAddress } as const;
type AddressKind = keyof typeof PARSERS;

// Reports cidr.ts's own reason ("prefix length must be 1..32 for IPv4")
// rather than a generic "must match format".
const checkAddress: SchemaValidateFunction = (kind: AddressKind, data: string) => {
  const result = PARSERS[kind](data);
  if (result.ok) return true;
  checkAddress.errors = [{ keyword: 'ipAddress', message: result.reason, params: { kind } }];
  return false;
};

function compile() {
  // verbose: errors carry their parentSchema, which holds errorHints and the
  // property names used for suggestions.
  const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true });
  ajv.addKeyword({
    keyword: 'ipAddress',
    type: 'string',
    schemaType: 'string',
    metaSchema: { enum: Object.keys(PARSERS) },
    errors: true,
    validate: checkAddress,
  });
  ajv.addKeyword({
    keyword: 'errorHints',
    schemaType: 'object',
    metaSchema: { type: 'object', additionalProperties: { type: 'string' } },
  });
  return ajv.compile(CONFIG_SCHEMA);
}

let validator: ReturnType<typeof compile> | undefined;

/** Validates and fills in defaults in place; returns every schema violation. */
export function validateSchema(document: unknown): ConfigIssue[] {
  validator ??= compile();
  if (validator(document)) return [];
  return (validator.errors ?? []).flatMap(toIssue);
}

function toIssue(error: ErrorObject): ConfigIssue[] {
  const code = `schema.${error.keyword}` as const;
  const parent: AnySchemaObject = error.parentSchema ?? {};
  const hint: unknown = parent['errorHints']?.[error.keyword];
  const path = error.instancePath;
  switch (error.keyword) {
    case 'if':
      // "must match then schema" only repeats the error from inside "then".
      return [];
    case 'required': {
      const name = String(error.params['missingProperty']);
      return [{ code, path: path + jsonPointer(name), message: `required property "${name}" is missing` }];
    }
    case 'additionalProperties': {
      const name = String(error.params['additionalProperty']);
      const known = Object.keys(parent['properties'] ?? {});
      const guess = closestName(name, known);
      const suggestion = guess === undefined ? '' : `; did you mean "${guess}"?`;
      return [{ code, path: path + jsonPointer(name), message: `unknown property "${name}"${suggestion}` }];
    }
    case 'enum': {
      const allowed = (error.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return [{ code, path, message: `must be one of ${allowed}` }];
    }
    default:
      return [{ code, path, message: typeof hint === 'string' ? hint : (error.message ?? `fails "${error.keyword}"`) }];
  }
}
