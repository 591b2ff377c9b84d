/**
 * Walks zod v4 schemas (`schema._zod.def`) to make fast-check arbitraries: values the schema
 * accepts, and edits that break them field by field. Nothing here knows the routes: a field or
 * schema added later is walked like the others, and a zod construct the walker does not know
 * throws, so that the fuzz test fails instead of silently skipping it.
 */
import fc from 'fast-check';
import type * as z from 'zod';

/** A value that only exists once fixtures do (a chat token, a site id): resolved when the request is sent. */
export class Ref {
  constructor(
    readonly name: string,
    /** A value of the same form, for checking generated values against their schema. */
    readonly example: unknown,
  ) {}
}

/** JSON text put into a body as it is: numbers JSON.stringify cannot write (1e400, -0, 1.0). */
export class RawJson {
  constructor(readonly text: string) {}
}

export type FieldPath = readonly string[];

/** Field-name knowledge the walker may not derive (values that must name real things). */
export type Binding = (path: FieldPath, schema: z.ZodType) => fc.Arbitrary<unknown> | undefined;

export interface Walk {
  binding?: Binding;
  /** "now" for dates, fixed once per run so a seed replays the same values relative to it. */
  nowMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const STRING_CAP = 40;

interface Def {
  type: string;
  checks?: z.ZodType[];
  [key: string]: any;
}

export function defOf(schema: z.ZodType): Def {
  return (schema as any)._zod.def as Def;
}

interface CheckDef {
  check: string;
  [key: string]: any;
}

function checksOf(schema: z.ZodType): CheckDef[] {
  const def = defOf(schema);
  const own = (def.checks ?? []).map((check) => (check as any)._zod.def as CheckDef);
  // String formats (z.iso.date(), z.email()…) carry their format on the schema itself.
  if (def.type === 'string' && def.format) own.push({ check: 'string_format', format: def.format, pattern: def.pattern });
  return own;
}

const accepts = (schema: z.ZodType) => (value: unknown) => schema.safeParse(resolveRefs(value, (ref) => ref.example)).success;

function unsupported(schema: z.ZodType, path: FieldPath): never {
  throw new Error(`fuzz: the walker has no generator for zod type "${defOf(schema).type}" at ${path.join('.') || '(root)'}`);
}

/** Optional, nullable and the like: the schema under the wrappers, and what the wrappers allow. */
export function unwrap(schema: z.ZodType): { inner: z.ZodType; optional: boolean; nullable: boolean } {
  let inner = schema;
  let optional = false;
  let nullable = false;
  for (;;) {
    const def = defOf(inner);
    if (def.type === 'optional' || def.type === 'default' || def.type === 'prefault') optional = true;
    else if (def.type === 'nullable') nullable = true;
    else if (def.type !== 'readonly' && def.type !== 'catch' && def.type !== 'nonoptional') break;
    inner = def.innerType as z.ZodType;
  }
  return { inner, optional, nullable };
}

// ---------------------------------------------------------------------------------------------
// Strings

interface StringShape {
  min: number;
  max: number | undefined;
  patterns: RegExp[];
  formats: string[];
  custom: boolean;
}

function stringShape(schema: z.ZodType): StringShape {
  const shape: StringShape = { min: 0, max: undefined, patterns: [], formats: [], custom: false };
  for (const check of checksOf(schema)) {
    if (check.check === 'min_length') shape.min = Math.max(shape.min, check.minimum);
    else if (check.check === 'max_length') shape.max = Math.min(shape.max ?? Infinity, check.maximum);
    else if (check.check === 'length_equals') {
      shape.min = check.length;
      shape.max = check.length;
    } else if (check.check === 'string_format') {
      if (check.format === 'regex' || check.format === 'starts_with' || check.format === 'ends_with') {
        shape.patterns.push(check.pattern);
      } else shape.formats.push(check.format);
    } else if (check.check === 'custom') shape.custom = true;
    else shape.custom = true; // a check we do not model: candidates are filtered by the schema itself
  }
  return shape;
}

/** fast-check cannot read the `i` flag; what the case-sensitive pattern matches, the other does too. */
function generable(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.replace(/[^dgmsu]/g, ''));
}

const SPECIAL_STRINGS = [
  ' ',
  '\t',
  '\n',
  '\u0000',
  '\u202e',
  'é',
  'e\u0301',
  '💩',
  '👩‍👩‍👧',
  '\ud800',
  '\udfff',
  '\ufeff',
  '<script>alert(1)</script>',
  "'; DROP TABLE x; --",
  '../..',
  '%00',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  'toString',
  '{"$gt":""}',
];

/** Any strings: ASCII, full Unicode (lone surrogates included), graphemes, web-like. */
function anyString(maxLength = STRING_CAP): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme-ascii', maxLength }),
    fc.webUrl(),
    fc.webPath().map((path) => `/${path.replace(/^\/+/, '')}`),
    fc.constantFrom(...SPECIAL_STRINGS),
  );
}

/** A valid string padded with its own last character up to the limit: lengths at and past the bound. */
function stretch(value: string, length: number): string {
  if (value.length === 0) return 'x'.repeat(length);
  if (value.length >= length) return value.slice(0, length);
  return value + value.at(-1)!.repeat(length - value.length);
}

function validString(schema: z.ZodType, walk: Walk): fc.Arbitrary<string> {
  const shape = stringShape(schema);
  const date = dateFormats(schema);
  let base: fc.Arbitrary<string>;
  if (date.length) base = fc.oneof(instantString(date, instantArb(walk)), ...shape.patterns.map((p) => fc.stringMatching(generable(p))));
  else if (shape.patterns.length) base = fc.stringMatching(generable(shape.patterns[0]!));
  else if (shape.formats.length) base = formatString(shape.formats[0]!);
  else {
    const cap = Math.min(shape.max ?? STRING_CAP, STRING_CAP);
    base = fc.oneof(
      fc.string({ minLength: shape.min, maxLength: Math.max(cap, shape.min) }),
      fc.string({ unit: 'grapheme', minLength: shape.min, maxLength: Math.max(cap, shape.min) }),
      fc.string({ unit: 'binary', minLength: shape.min, maxLength: Math.max(cap, shape.min) }),
      fc.webUrl(),
      fc.webPath().map((path) => `/${path.replace(/^\/+/, '')}`),
      fc.constantFrom(...SPECIAL_STRINGS),
    );
  }
  const ok = accepts(schema);
  // Lengths at the bounds now and then.
  const arbs: Array<{ weight: number; arbitrary: fc.Arbitrary<string> }> = [{ weight: 6, arbitrary: base }];
  if (shape.max !== undefined) arbs.push({ weight: 1, arbitrary: base.map((value) => stretch(value, shape.max!)) });
  if (shape.min > 0) arbs.push({ weight: 1, arbitrary: base.map((value) => stretch(value, shape.min)) });
  return fc.oneof(...arbs).filter(ok);
}

function formatString(format: string): fc.Arbitrary<string> {
  switch (format) {
    case 'email':
      return fc.emailAddress();
    case 'url':
      return fc.webUrl();
    case 'uuid':
    case 'guid':
      return fc.uuid();
    default:
      return anyString();
  }
}

// ---------------------------------------------------------------------------------------------
// Dates: instants near the bounds that matter (1970, 9999, now, year 0), written every ISO way

/** 'date' and 'datetime' formats anywhere in a (union of) string schema(s). */
export function dateFormats(schema: z.ZodType): CheckDef[] {
  const { inner } = unwrap(schema);
  const def = defOf(inner);
  if (def.type === 'pipe') return dateFormats(def.in as z.ZodType);
  if (def.type === 'union') return (def.options as z.ZodType[]).flatMap(dateFormats);
  if (def.type !== 'string') return [];
  return checksOf(inner).filter((check) => check.check === 'string_format' && (check.format === 'date' || check.format === 'datetime'));
}

const BOUNDARY_INSTANTS = [
  Date.UTC(1970, 0, 1),
  Date.UTC(1970, 0, 1) - 1,
  Date.UTC(1969, 11, 31),
  Date.UTC(1970, 0, 2) - 1,
  Date.UTC(10000, 0, 1) - 1,
  Date.UTC(10000, 0, 1),
  Date.UTC(9999, 11, 31),
  Date.parse('0000-01-01T00:00:00Z'),
  Date.parse('0001-01-01T00:00:00Z'),
  Date.UTC(2000, 1, 29),
  Date.UTC(2038, 0, 19, 3, 14, 8),
];

export function instantArb(walk: Walk): fc.Arbitrary<number> {
  const now = walk.nowMs;
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: now - 400 * DAY_MS, max: now + 400 * DAY_MS }) },
    { weight: 2, arbitrary: fc.constantFrom(now, now - 60_000, now + 60_000, now + DAY_MS, now - DAY_MS) },
    { weight: 2, arbitrary: fc.constantFrom(...BOUNDARY_INSTANTS) },
    { weight: 1, arbitrary: fc.integer({ min: Date.parse('0000-01-01T00:00:00Z'), max: Date.UTC(10000, 0, 1) + 2 * DAY_MS }) },
  );
}

const pad = (value: number, length: number) => String(Math.abs(value)).padStart(length, '0');

/** Writes an instant as one of the allowed formats: a plain date, or a date-time in any offset and precision. */
export function instantString(formats: CheckDef[], instant: fc.Arbitrary<number>): fc.Arbitrary<string> {
  const options: fc.Arbitrary<string>[] = [];
  for (const format of formats) {
    if (format.format === 'date') options.push(instant.map((ms) => new Date(ms).toISOString().slice(0, 10)));
    else {
      const offsets = format.offset
        ? fc.oneof(fc.constant(0), fc.constantFrom(-1, 1, -60, 60, 330, -(23 * 60 + 59), 23 * 60 + 59), fc.integer({ min: -1439, max: 1439 }))
        : fc.constant(0);
      options.push(
        fc.tuple(instant, offsets, fc.constantFrom('ms', 's', 'ns', 'long'), fc.boolean()).map(([ms, offset, precision, zulu]) => {
          const local = new Date(ms + offset * 60_000).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
          let text = local.slice(0, 19);
          if (precision === 'ms') text += local.slice(19, 23);
          if (precision === 'ns') text += `${local.slice(19, 23)}000000`;
          if (precision === 'long') text += `${local.slice(19, 23)}${'9'.repeat(30)}`;
          if (offset === 0 && zulu) return `${text}Z`;
          const sign = offset < 0 ? '-' : '+';
          return `${text}${sign}${pad(Math.trunc(offset / 60), 2)}:${pad(offset % 60, 2)}`;
        }),
      );
    }
  }
  return fc.oneof(...options);
}

/** Strings that look like dates but are not, or are at the edge of what parsers take. */
const BROKEN_DATES = [
  '',
  'tomorrow',
  'now',
  '0',
  '1700000000000',
  '2026-02-30',
  '2026-02-29',
  '2024-02-29',
  '2026-13-01',
  '2026-00-10',
  '2026-1-1',
  '20260101',
  '2026-01-01T00:00:00',
  '2026-01-01T00:00',
  '2026-01-01T00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T23:60:00Z',
  '2026-01-01T23:59:60Z',
  '2026-01-01 00:00:00Z',
  '2026-01-01t00:00:00z',
  '2026-01-01T00:00:00+24:00',
  '2026-01-01T00:00:00+0100',
  '2026-01-01T00:00:00.Z',
  '+012026-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.001Z',
  '10000-01-01',
  '９９９９-01-01',
  '2026-W01-1',
  '2026-001',
  'Thu, 01 Jan 1970 00:00:00 GMT',
  '1969-12-31T23:59:59.999Z',
  '0000-00-00',
];

// ---------------------------------------------------------------------------------------------
// Numbers

interface NumberShape {
  int: boolean;
  min: number | undefined;
  max: number | undefined;
  minInclusive: boolean;
  maxInclusive: boolean;
  custom: boolean;
}

function numberShape(schema: z.ZodType): NumberShape {
  const shape: NumberShape = { int: false, min: undefined, max: undefined, minInclusive: true, maxInclusive: true, custom: false };
  for (const check of checksOf(schema)) {
    if (check.check === 'number_format') {
      shape.int ||= /int/.test(check.format);
      const [low, high] = check.format === 'int32' ? [-(2 ** 31), 2 ** 31 - 1] : check.format === 'uint32' ? [0, 2 ** 32 - 1] : [];
      if (low !== undefined) shape.min = Math.max(shape.min ?? -Infinity, low);
      if (high !== undefined) shape.max = Math.min(shape.max ?? Infinity, high);
    } else if (check.check === 'greater_than') {
      shape.min = check.value;
      shape.minInclusive = check.inclusive;
    } else if (check.check === 'less_than') {
      shape.max = check.value;
      shape.maxInclusive = check.inclusive;
    } else shape.custom = true;
  }
  return shape;
}

function validNumber(schema: z.ZodType): fc.Arbitrary<number> {
  const shape = numberShape(schema);
  const ok = accepts(schema);
  if (shape.int) {
    const min = shape.min === undefined ? Number.MIN_SAFE_INTEGER : Math.ceil(shape.min) + (shape.minInclusive ? 0 : 1);
    const max = shape.max === undefined ? Number.MAX_SAFE_INTEGER : Math.floor(shape.max) - (shape.maxInclusive ? 0 : 1);
    return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max)).filter(ok);
  }
  const min = shape.min ?? -Number.MAX_VALUE;
  const max = shape.max ?? Number.MAX_VALUE;
  return fc.oneof(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), fc.constantFrom(min, max)).filter(ok);
}

function numberEdges(schema: z.ZodType): unknown[] {
  const shape = numberShape(schema);
  const edges: unknown[] = [0, -1, 1, 0.5, -0.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53) - 2, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE];
  for (const bound of [shape.min, shape.max]) {
    if (bound === undefined) continue;
    edges.push(bound, bound - 1, bound + 1, bound - 0.5, bound + 0.5, bound - Number.EPSILON * Math.max(1, Math.abs(bound)));
    edges.push(new RawJson(`${bound}.0`), new RawJson(`${bound}e0`), new RawJson(`${bound}.000000000000001`));
  }
  edges.push(
    ...['1e400', '-1e400', '1e-400', '-0', '0.0', '1E2', '010', '0x10', '.5', '5.', '+5', 'NaN', 'Infinity', '1_000', '9007199254740993'].map(
      (text) => new RawJson(text),
    ),
  );
  return edges;
}

// ---------------------------------------------------------------------------------------------
// Valid values

/** Values the schema accepts. Date fields of one object are drawn around one instant, so ranges meet their bounds. */
export function validArb(schema: z.ZodType, walk: Walk, path: FieldPath = []): fc.Arbitrary<unknown> {
  const bound = walk.binding?.(path, schema);
  if (bound) return bound;
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'prefault':
      return fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 3, arbitrary: validArb(def.innerType, walk, path) });
    case 'nullable':
      return fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 3, arbitrary: validArb(def.innerType, walk, path) });
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return validArb(def.innerType, walk, path);
    case 'pipe':
      return validArb(def.in, walk, path).filter(accepts(schema));
    case 'union':
      return fc.oneof(...(def.options as z.ZodType[]).map((option) => validArb(option, walk, path))).filter(accepts(schema));
    case 'string':
      return validString(schema, walk);
    case 'number':
      return validNumber(schema);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'undefined':
      return fc.constant(undefined);
    case 'literal':
      return fc.constantFrom(...(def.values as unknown[]));
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries as Record<string, unknown>));
    case 'unknown':
    case 'any':
      return fc.jsonValue({ maxDepth: 2 });
    case 'array': {
      const shape = arrayShape(schema);
      const element = validArb(def.element, walk, [...path, '0']);
      const max = Math.min(shape.max ?? 4, 4);
      const arbs = [fc.array(element, { minLength: shape.min, maxLength: Math.max(max, shape.min) })];
      if (shape.max !== undefined) arbs.push(fc.array(element, { minLength: shape.max, maxLength: shape.max }));
      return fc.oneof({ weight: 5, arbitrary: arbs[0]! }, ...(arbs[1] ? [{ weight: 1, arbitrary: arbs[1] }] : [])).filter(accepts(schema));
    }
    case 'object':
      return validObject(schema, walk, path);
    default:
      return unsupported(schema, path);
  }
}

function arrayShape(schema: z.ZodType) {
  let min = 0;
  let max: number | undefined;
  for (const check of checksOf(schema)) {
    if (check.check === 'min_length') min = check.minimum;
    else if (check.check === 'max_length') max = check.maximum;
    else if (check.check === 'length_equals') min = max = check.length;
  }
  return { min, max };
}

export function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const { inner } = unwrap(schema);
  const def = defOf(inner);
  if (def.type === 'pipe') return shapeOf(def.in);
  return def.type === 'object' ? (def.shape as Record<string, z.ZodType>) : undefined;
}

/** Whether the object refuses keys it does not name. */
export function isStrict(schema: z.ZodType): boolean {
  const def = defOf(unwrap(schema).inner);
  return def.type === 'object' && def.catchall !== undefined && defOf(def.catchall).type === 'never';
}

function validObject(schema: z.ZodType, walk: Walk, path: FieldPath): fc.Arbitrary<unknown> {
  const shape = defOf(schema).shape as Record<string, z.ZodType>;
  const keys = Object.keys(shape);
  const dateKeys = keys.filter((key) => dateFormats(shape[key]!).length > 0 && !walk.binding?.([...path, key], shape[key]!));
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const key of keys) {
    const child = shape[key]!;
    const { inner, optional, nullable } = unwrap(child);
    if (!optional) required.push(key);
    let arb: fc.Arbitrary<unknown>;
    if (dateKeys.includes(key)) arb = fc.constant(null); // drawn together below
    else {
      arb = walk.binding?.([...path, key], child) ?? validArb(inner, walk, [...path, key]);
      if (nullable) arb = fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 3, arbitrary: arb });
    }
    model[key] = arb;
  }
  let record: fc.Arbitrary<Record<string, unknown>> = fc.record(model, { requiredKeys: required, noNullPrototype: true });
  if (dateKeys.length) {
    // One anchor, and each date field an offset from it: equal, a little apart, about a year apart, reversed.
    const delta = fc.oneof(
      fc.constantFrom(0, 1, -1, DAY_MS, -DAY_MS, 366 * DAY_MS, 366 * DAY_MS + 1, 366 * DAY_MS - DAY_MS, 367 * DAY_MS, 365 * DAY_MS),
      fc.integer({ min: -400 * DAY_MS, max: 400 * DAY_MS }),
      fc.integer({ min: -30 * DAY_MS, max: 30 * DAY_MS }),
    );
    const dates = fc.tuple(instantArb(walk), ...dateKeys.map(() => delta)).chain(([anchor, ...deltas]) =>
      fc.tuple(...dateKeys.map((key, i) => instantString(dateFormats(shape[key]!), fc.constant(anchor + deltas[i]! * (i === 0 ? 0 : 1))))),
    );
    // Mostly all of them (a range), sometimes each on its own.
    const presence = fc.oneof(
      { weight: 2, arbitrary: fc.constant(dateKeys.map(() => true)) },
      { weight: 1, arbitrary: fc.tuple(...dateKeys.map((key) => (unwrap(shape[key]!).optional ? fc.boolean() : fc.constant(true)))) },
    );
    record = fc.tuple(record, dates, presence).map(([value, drawn, present]) => {
      const out = { ...value };
      dateKeys.forEach((key, i) => {
        delete out[key];
        if (present[i]) out[key] = drawn[i];
      });
      return out;
    });
  }
  return record.filter(accepts(schema));
}

// ---------------------------------------------------------------------------------------------
// Field-by-field edits

export type Edit =
  | { op: 'set'; path: FieldPath; value: unknown; label: string }
  | { op: 'delete'; path: FieldPath; label: string }
  | { op: 'replace'; value: unknown; label: string };

/** Values of every wrong kind, for any field. */
const WRONG_KINDS: unknown[] = [null, true, false, 0, -1, 1.5, '', 'x', [], ['x'], [null], {}, { a: 1 }, { $gt: '' }];

function hugeStrings(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(101, 201, 2049, 5_000, 40_000, 66_000).map((n) => 'x'.repeat(n)),
    fc.constantFrom(30_000, 70_000).map((n) => '€'.repeat(n / 3)),
    fc.constantFrom(20_000).map((n) => '💩'.repeat(n / 4)),
  );
}

/** Values that may break the field: wrong kinds, edges of its checks, odd and huge strings. */
export function hostileArbFor(schema: z.ZodType, walk: Walk): fc.Arbitrary<unknown> {
  return hostileArb(schema, walk);
}

function hostileArb(schema: z.ZodType, walk: Walk): fc.Arbitrary<unknown> {
  const { inner } = unwrap(schema);
  const def = defOf(inner);
  const arbs: fc.Arbitrary<unknown>[] = [fc.constantFrom(...WRONG_KINDS), fc.jsonValue({ maxDepth: 2 }), anyString()];
  const stringSchema = (def.type === 'pipe' ? def.in : inner) as z.ZodType;
  const strings = defOf(stringSchema);
  if (strings.type === 'string' || strings.type === 'union') {
    arbs.push(hugeStrings(), fc.constantFrom(...SPECIAL_STRINGS));
    if (dateFormats(inner).length) {
      arbs.push(fc.constantFrom(...BROKEN_DATES), fc.stringMatching(/^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,12})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$/));
      arbs.push(instantString(dateFormats(inner), instantArb(walk)));
    }
    if (strings.type === 'string') {
      const shape = stringShape(stringSchema);
      const valid = validString(stringSchema, walk);
      if (shape.max !== undefined) arbs.push(valid.map((value) => stretch(value, shape.max! + 1)));
      if (shape.min > 0) arbs.push(valid.map((value) => value.slice(0, shape.min - 1)));
      arbs.push(valid.map((value) => ` ${value}`), valid.map((value) => `${value}\n`), valid.map((value) => value.toUpperCase()));
      arbs.push(valid.map((value) => `${value}\u0000`), valid.map((value) => `${value}é`), valid.map((value) => value.replace(/.$/su, '/')));
    }
  }
  if (def.type === 'number') arbs.push(fc.constantFrom(...numberEdges(inner)), fc.double(), fc.integer().map(String));
  if (def.type === 'enum' || def.type === 'literal') {
    const values = (def.type === 'enum' ? Object.values(def.entries) : def.values) as unknown[];
    const strings = values.filter((value): value is string => typeof value === 'string');
    if (strings.length) {
      arbs.push(
        fc.constantFrom(...strings).chain((value) =>
          fc.constantFrom(value.toUpperCase(), ` ${value}`, `${value} `, `${value}\u0000`, value.slice(0, -1), `${value}s`, [value]),
        ),
      );
    }
  }
  if (def.type === 'boolean') arbs.push(fc.constantFrom('true', 'false', 1, 0, 'yes'));
  if (def.type === 'array') {
    const shape = arrayShape(inner);
    const element = validArb(def.element, walk);
    if (shape.max !== undefined) arbs.push(fc.array(element, { minLength: shape.max + 1, maxLength: shape.max + 1 }));
    arbs.push(fc.array(fc.constantFrom(...WRONG_KINDS), { minLength: 1, maxLength: 3 }), element);
  }
  if (def.type === 'object') arbs.push(validArb(inner, walk).map((value) => [value]), fc.constant('[object Object]'));
  return fc.oneof(...arbs);
}

interface Site {
  path: FieldPath;
  schema: z.ZodType;
  /** The parent object refuses unknown keys. */
  strictParent: boolean;
}

/** Every place a field-by-field edit can land: each field, each array's first element, each object (for unknown keys). */
export function editSites(schema: z.ZodType, path: FieldPath = []): Site[] {
  const { inner } = unwrap(schema);
  const def = defOf(inner);
  const sites: Site[] = [{ path, schema, strictParent: false }];
  if (def.type === 'object' || (def.type === 'pipe' && shapeOf(inner))) {
    const shape = shapeOf(inner)!;
    for (const [key, child] of Object.entries(shape)) {
      for (const site of editSites(child, [...path, key])) {
        sites.push(site.path.length === path.length + 1 ? { ...site, strictParent: isStrict(inner) } : site);
      }
    }
  } else if (def.type === 'array') {
    sites.push(...editSites(def.element, [...path, '0']).slice(1), { path: [...path, '0'], schema: def.element, strictParent: false });
  }
  return sites;
}

const UNKNOWN_KEYS = ['unexpected', '__proto__', 'constructor', 'prototype', '$where', 'toString', '', ' ', 'Name', 'NAME', 'é', '💩', 'a.b', 'x'.repeat(300)];

/** One edit of a value that the schema describes: a field removed, set to something hostile, or an unknown key added. */
export function editArb(schema: z.ZodType, walk: Walk): fc.Arbitrary<Edit> {
  const sites = editSites(schema);
  return fc.constantFrom(...sites).chain((site) => {
    const name = site.path.join('.') || '(whole)';
    const options: fc.Arbitrary<Edit>[] = [
      hostileArb(site.schema, walk).map((value) =>
        site.path.length ? ({ op: 'set', path: site.path, value, label: `${name} = hostile` } as Edit) : ({ op: 'replace', value, label: 'whole = hostile' } as Edit),
      ),
    ];
    if (site.path.length) {
      options.push(fc.constant({ op: 'delete', path: site.path, label: `${name} missing` } as Edit));
      options.push(
        validArb(site.schema, walk, site.path).map((value) => ({ op: 'set', path: site.path, value, label: `${name} = other valid value` }) as Edit),
      );
    }
    const objectDef = defOf(unwrap(site.schema).inner);
    if (objectDef.type === 'object') {
      options.push(
        fc.tuple(fc.oneof(fc.constantFrom(...UNKNOWN_KEYS), fc.string({ maxLength: 10 })), fc.jsonValue({ maxDepth: 1 })).map(
          ([key, value]) => ({ op: 'set', path: [...site.path, key], value, label: `${name}: unknown key` }) as Edit,
        ),
      );
    }
    return fc.oneof(...options);
  });
}

/** Applies an edit to a copy of the value (intermediate objects are created as needed). */
export function applyEdit(value: unknown, edit: Edit): unknown {
  if (edit.op === 'replace') return edit.value;
  const root = clone(value === undefined || value === null || typeof value !== 'object' ? {} : value);
  let node: any = root;
  for (const key of edit.path.slice(0, -1)) {
    if (node[key] === null || typeof node[key] !== 'object') define(node, key, /^\d+$/.test(key) ? [] : {});
    node = node[key];
  }
  const last = edit.path.at(-1)!;
  if (edit.op === 'delete') {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else define(node, last, edit.value);
  return root;
}

/** Own, enumerable, even for "__proto__". */
function define(target: any, key: string, value: unknown) {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function clone(value: unknown): any {
  if (Array.isArray(value)) return value.map(clone);
  if (value && typeof value === 'object' && !(value instanceof Ref) && !(value instanceof RawJson)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) define(out, key, clone((value as Record<string, unknown>)[key]));
    return out;
  }
  return value;
}

/** JSON text with RawJson pieces inserted as they are and refs resolved. */
export function toJsonText(value: unknown, resolve: (ref: Ref) => unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, function (this: unknown, _key, item: unknown) {
    if (item instanceof Ref) return resolve(item);
    if (item instanceof RawJson) {
      raws.push(item.text);
      return `\u0000raw${raws.length - 1}\u0000`;
    }
    return item;
  });
  return (text ?? '').replace(/"\\u0000raw(\d+)\\u0000"/g, (_, index: string) => raws[Number(index)]!);
}

/** A value with its refs resolved, as it would read after JSON (for query strings and headers). */
export function resolveRefs(value: unknown, resolve: (ref: Ref) => unknown): unknown {
  if (value instanceof Ref) return resolve(value);
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return value.map((item) => resolveRefs(item, resolve));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) define(out, key, resolveRefs((value as Record<string, unknown>)[key], resolve));
    return out;
  }
  return value;
}
