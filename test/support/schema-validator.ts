/**
 * Strict schema validation of Kubernetes manifests for tests.
 *
 * Schemas are read from the repository's vendor/ folder (copied unchanged from upstream; see
 * vendor/README.md for their sources, versions, licences and checksums):
 *   vendor/schemas/k8s-v1.27.0-definitions.json   built-in kinds (swagger definitions)
 *   vendor/crds/*.yaml                             CustomResourceDefinitions
 * $NATS_MESH_SCHEMA_DIR, or the `schemaDir` option, points at another folder of the same layout.
 *
 * Validation is strict like `kubectl apply --validate=strict`: unknown fields are errors,
 * required fields and types are enforced. Formats and CEL rules (x-kubernetes-validations)
 * are not checked.
 *
 * A schema file that is absent or unreadable is an error (loadSchemaValidator throws), so no test
 * passes without checking anything. Only `allowMissing: true` tolerates it: the validator then
 * accepts what it cannot check and lists it in `missing`.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

export interface SchemaValidator {
  /** Returns readable error strings; an empty array means the object is valid (or, with `allowMissing`, could not be checked: see `missing`). */
  validate(obj: any): string[];
  /** Plain sentences naming what could not be checked because schema files were absent or unreadable (only ever non-empty with `allowMissing`). */
  readonly missing: string[];
}

export interface SchemaValidatorOptions {
  /** Directory holding `schemas/` and `crds/`. Defaults to $NATS_MESH_SCHEMA_DIR, else `<repo>/vendor`. */
  schemaDir?: string;
  /**
   * When true, absent or unreadable schema files are recorded in `missing` and the objects they
   * would check are accepted. Default false: loadSchemaValidator throws, naming what is missing.
   */
  allowMissing?: boolean;
}

/** The folder the schemas are read from by default: the repository's vendor/. */
export const VENDOR_DIR = path.resolve(__dirname, '../../vendor');

type JsonSchema = Record<string, any>;

const CORE_FILE = 'k8s-v1.27.0-definitions.json';
/** $id under which the core definitions are registered with ajv. */
const CORE_ID = 'k8s-core-definitions.json';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** One schema an apiVersion/kind is checked against. */
interface SchemaSource {
  /** Bundle file name for CRDs (used as an error prefix when several bundles define the kind). */
  file?: string;
  /** Returns the ajv-ready schema; called once, on first use. */
  build(): JsonSchema;
  compiled?: ValidateFunction;
}

/** A CRD file's knowledge of one group/kind, for "version not served" errors. */
interface CrdDefinition {
  file: string;
  served: string[];
}

export function loadSchemaValidator(options: SchemaValidatorOptions = {}): SchemaValidator {
  const schemaDir = path.resolve(options.schemaDir ?? (process.env.NATS_MESH_SCHEMA_DIR || VENDOR_DIR));
  const missing: string[] = [];
  const sources = new Map<string, SchemaSource[]>(); // key: apiVersion|kind
  const crdDefinitions = new Map<string, CrdDefinition[]>(); // key: group|kind

  const ajv = new Ajv({
    strict: false, // tolerate x-kubernetes-*, unknown formats, etc.
    allErrors: true,
    validateFormats: false,
    validateSchema: false, // the inputs are trusted; skipping the meta-schema check keeps loading fast
    unicodeRegExp: false, // CRD patterns are RE2, closer to non-unicode JS regexps
  });

  if (!fs.existsSync(schemaDir)) {
    missing.push(
      `Schema directory ${schemaDir} not found: no Kubernetes object was schema-checked (neither built-in kinds nor custom resources).`,
    );
  } else {
    const coreLoaded = loadCore(path.join(schemaDir, 'schemas', CORE_FILE), ajv, sources, missing);
    loadCrds(path.join(schemaDir, 'crds'), coreLoaded, sources, crdDefinitions, missing);
  }
  if (missing.length > 0 && !options.allowMissing) {
    const hint = schemaDir === VENDOR_DIR
      ? 'vendor/ is part of the repository: restore it (git checkout -- vendor)'
      : `${schemaDir} (from ${options.schemaDir !== undefined ? 'the schemaDir option' : 'NATS_MESH_SCHEMA_DIR'}) must hold schemas/${CORE_FILE} and crds/*.yaml, like vendor/`;
    throw new Error(`Schema validation is impossible: ${hint}.\n- ${missing.join('\n- ')}`);
  }
  const complete = missing.length === 0;
  const reportedUnchecked = new Set<string>();

  function validate(obj: any): string[] {
    if (!isPlainObject(obj) || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
      return [`${describe(obj)}: not a Kubernetes object (apiVersion and kind must be strings)`];
    }
    const apiVersion: string = obj.apiVersion;
    const kind: string = obj.kind;
    const label = describe(obj);
    const found = sources.get(`${apiVersion}|${kind}`) ?? [];
    const errors: string[] = [];

    // A bundle that defines this group/kind but does not serve this version rejects the object.
    const { group, version } = splitApiVersion(apiVersion);
    for (const def of crdDefinitions.get(`${group}|${kind}`) ?? []) {
      if (!def.served.includes(version)) {
        errors.push(`[${def.file}] ${label}: apiVersion ${apiVersion} is not served (served versions: ${def.served.join(', ') || 'none'})`);
      }
    }

    if (found.length === 0) {
      if (errors.length > 0) return errors;
      if (complete) return [`${label}: no schema for ${apiVersion}/${kind}`];
      // Some schema files are absent, so the kind may be valid: record it instead of failing.
      const key = `${apiVersion}/${kind}`;
      if (!reportedUnchecked.has(key)) {
        reportedUnchecked.add(key);
        missing.push(`${key} objects were not schema-checked: no schema for them was loaded.`);
      }
      return [];
    }

    const prefixFiles = found.length > 1;
    for (const source of found) {
      source.compiled ??= ajv.compile(source.build());
      if (source.compiled(obj)) continue;
      const prefix = prefixFiles && source.file ? `[${source.file}] ` : '';
      for (const message of formatErrors(source.compiled.errors ?? [])) {
        errors.push(`${prefix}${label}: ${message}`);
      }
    }
    return errors;
  }

  return { validate, missing };
}

// ---------------------------------------------------------------------------------------------
// Loading

/** Registers the core swagger definitions with ajv and indexes them by group/version/kind. */
function loadCore(file: string, ajv: Ajv, sources: Map<string, SchemaSource[]>, missing: string[]): boolean {
  let definitions: Record<string, JsonSchema>;
  try {
    definitions = JSON.parse(fs.readFileSync(file, 'utf8')).definitions;
    if (!isPlainObject(definitions)) throw new Error('no "definitions" object');
  } catch (err) {
    missing.push(
      `Kubernetes core schema ${file} could not be read (${errorText(err)}): built-in kinds (Deployment, Service, ConfigMap, ...) and the metadata of custom resources were not schema-checked.`,
    );
    return false;
  }

  const converted: Record<string, JsonSchema> = {};
  for (const [name, def] of Object.entries(definitions)) {
    converted[name] = convertSchema(def, false);
    for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      const key = `${apiVersion}|${gvk.kind}`;
      if (sources.has(key)) continue; // first definition wins (only meta types like DeleteOptions repeat)
      sources.set(key, [{ build: () => ({ $ref: `${CORE_ID}#/definitions/${name}` }) }]);
    }
  }
  ajv.addSchema({ $id: CORE_ID, definitions: converted });
  return true;
}

/** Indexes every served version of every CRD in `dir/*.yaml`; schemas are converted lazily. */
function loadCrds(
  dir: string,
  coreLoaded: boolean,
  sources: Map<string, SchemaSource[]>,
  crdDefinitions: Map<string, CrdDefinition[]>,
  missing: string[],
): void {
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch (err) {
    missing.push(`CRD directory ${dir} could not be read (${errorText(err)}): custom resources (NACK, Istio, cert-manager, Prometheus Operator, Gateway API) were not schema-checked.`);
    return;
  }
  if (files.length === 0) {
    missing.push(`CRD directory ${dir} holds no YAML files: custom resources were not schema-checked.`);
    return;
  }

  for (const file of files) {
    let docs: any[];
    try {
      docs = parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8')).map((doc) => {
        if (doc.errors.length > 0) throw doc.errors[0];
        return doc.toJS();
      });
    } catch (err) {
      missing.push(`CRD file ${path.join(dir, file)} could not be read (${errorText(err)}): the custom resources it defines were not schema-checked.`);
      continue;
    }

    for (const crd of docs) {
      if (!isPlainObject(crd) || crd.kind !== 'CustomResourceDefinition' || !isPlainObject(crd.spec)) continue;
      const group: string = crd.spec.group;
      const kind: string = crd.spec.names?.kind;
      const versions: any[] = Array.isArray(crd.spec.versions) ? crd.spec.versions : [];
      const served = versions.filter((v) => v?.served);

      const defKey = `${group}|${kind}`;
      if (!crdDefinitions.has(defKey)) crdDefinitions.set(defKey, []);
      crdDefinitions.get(defKey)!.push({ file, served: served.map((v) => v.name) });

      for (const v of served) {
        const apiVersion = `${group}/${v.name}`;
        const raw = v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
        const key = `${apiVersion}|${kind}`;
        if (!sources.has(key)) sources.set(key, []);
        sources.get(key)!.push({ file, build: () => crdRootSchema(raw, apiVersion, kind, coreLoaded) });
      }
    }
  }
}

/** Converts a CRD's root schema; apiVersion, kind and metadata are always allowed, as the API server does. */
function crdRootSchema(raw: JsonSchema, apiVersion: string, kind: string, coreLoaded: boolean): JsonSchema {
  const root = convertSchema(raw, false);
  const preserve = raw['x-kubernetes-preserve-unknown-fields'] === true;
  root.type = 'object';
  root.properties = {
    ...root.properties,
    apiVersion: { type: 'string', enum: [apiVersion] },
    kind: { type: 'string', enum: [kind] },
    metadata: coreLoaded ? { $ref: `${CORE_ID}#/definitions/${OBJECT_META}` } : { type: 'object' },
  };
  if (!preserve && root.additionalProperties === undefined) root.additionalProperties = false;
  return root;
}

// ---------------------------------------------------------------------------------------------
// Schema conversion (Kubernetes structural schema / swagger -> draft-07 JSON schema for ajv)

/** Keys that carry no validation and are dropped to keep compiled validators small. */
const DROPPED_KEYS = new Set(['description', 'nullable', 'default', 'example', 'externalDocs']);

/**
 * Returns a draft-07 copy of a Kubernetes schema node:
 * - `x-kubernetes-*` keys are dropped after being interpreted;
 * - `x-kubernetes-int-or-string` accepts integers and strings;
 * - `nullable` also accepts null;
 * - an object with `properties`, no `additionalProperties` and no `x-kubernetes-preserve-unknown-fields`
 *   rejects unknown fields (strict field validation). Branches of allOf/anyOf/oneOf/not are left open,
 *   since structural schemas only repeat (a subset of) fields there.
 */
function convertSchema(node: any, inJunctor: boolean): JsonSchema {
  if (!isPlainObject(node)) return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-') || DROPPED_KEYS.has(key)) continue;
    switch (key) {
      case 'properties':
      case 'patternProperties':
      case 'definitions':
        out[key] = mapValues(value, (v) => convertSchema(v, inJunctor));
        break;
      case 'items':
        out[key] = Array.isArray(value) ? value.map((v) => convertSchema(v, inJunctor)) : convertSchema(value, inJunctor);
        break;
      case 'additionalProperties':
        out[key] = convertSchema(value, inJunctor); // booleans pass through unchanged
        break;
      case 'not':
        out[key] = convertSchema(value, true);
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        out[key] = (value as any[]).map((v) => convertSchema(v, true));
        break;
      case 'pattern':
        if (isUsablePattern(value)) out[key] = value; // drop RE2-only syntax JS cannot compile
        break;
      default:
        out[key] = value;
    }
  }

  if (node['x-kubernetes-int-or-string'] === true) out.type = ['integer', 'string'];

  if (node['x-kubernetes-embedded-resource'] === true && out.properties) {
    out.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...out.properties };
  }

  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (!inJunctor && !preserve && out.properties && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }

  if (node.nullable === true) return allowNull(out);
  return out;
}

/** Makes a converted schema accept null, keeping simple type errors readable where possible. */
function allowNull(schema: JsonSchema): JsonSchema {
  const combined = ['$ref', 'allOf', 'anyOf', 'oneOf', 'not'].some((k) => k in schema);
  if (combined || schema.type === undefined) return { anyOf: [{ type: 'null' }, schema] };
  const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
  const out: JsonSchema = { ...schema, type: types.includes('null') ? types : [...types, 'null'] };
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  return out;
}

function isUsablePattern(pattern: unknown): boolean {
  if (typeof pattern !== 'string') return false;
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Error formatting

/** Turns ajv errors into `<instancePath> <message>` strings, folding oneOf/anyOf branch errors into one line. */
function formatErrors(errors: ErrorObject[]): string[] {
  const junctors = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  // The outermost oneOf/anyOf error that an error belongs to (a failed branch of it), if any.
  const outermost = (e: ErrorObject): ErrorObject | undefined => {
    const enclosing = junctors.filter(
      (j) => j !== e && e.schemaPath.startsWith(`${j.schemaPath}/`) && isUnder(e.instancePath, j.instancePath),
    );
    return enclosing.sort((a, b) => a.schemaPath.length - b.schemaPath.length)[0];
  };
  const lines: string[] = [];
  for (const error of errors) {
    if (outermost(error)) continue; // reported as part of its junctor
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf') {
      const branches = errors.filter((e) => e !== error && outermost(e) === error);
      lines.push(`${pointer(error.instancePath)} ${junctorMessage(error, branches)}`);
    } else {
      lines.push(`${pointer(error.instancePath)} ${message(error)}`);
    }
  }
  return [...new Set(lines)];
}

function junctorMessage(error: ErrorObject, branches: ErrorObject[]): string {
  if (branches.length === 0) return error.message ?? error.keyword;
  const sameSpot = branches.every((b) => b.keyword === 'type' && b.instancePath === error.instancePath);
  if (sameSpot) {
    const types = [...new Set(branches.flatMap((b) => String((b.params as any).type).split(',')))];
    return `must be ${types.join(' or ')}`;
  }
  const details = branches.map((b) => (b.instancePath === error.instancePath ? message(b) : `${pointer(b.instancePath)} ${message(b)}`));
  return `${error.message} (${[...new Set(details)].join('; ')})`;
}

function message(error: ErrorObject): string {
  const params = error.params as any;
  switch (error.keyword) {
    case 'additionalProperties':
      return `unknown field "${params.additionalProperty}"`;
    case 'enum':
      return `${error.message}: ${params.allowedValues.map((v: unknown) => JSON.stringify(v)).join(', ')}`;
    default:
      return error.message ?? error.keyword;
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function describe(obj: any): string {
  const kind = isPlainObject(obj) && typeof obj.kind === 'string' ? obj.kind : '<no kind>';
  const name = isPlainObject(obj) && isPlainObject(obj.metadata) && obj.metadata.name ? obj.metadata.name : '<no name>';
  return `${kind}/${name}`;
}

function isUnder(child: string, parent: string): boolean {
  return child === parent || child.startsWith(`${parent}/`);
}

function pointer(instancePath: string): string {
  return instancePath === '' ? '/' : instancePath;
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function isPlainObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapValues(obj: Record<string, any>, fn: (v: any) => any): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(obj ?? {})) out[k] = fn(v);
  return out;
}

function errorText(err: unknown): string {
  if (isPlainObject(err) && (err as any).code === 'ENOENT') return 'not found';
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}
