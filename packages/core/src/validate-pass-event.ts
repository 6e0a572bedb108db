import { Compile } from 'typebox/compile';
import { eventExtraIssues } from './event-extras.js';
import { isEventName } from './event-names.js';
import { requestError, type PassworksWebhookError, type ValidationIssue } from './errors.js';
import { isInstant } from './instant.js';
import { MAX_NESTING_DEPTH, findTooDeep } from './nesting-depth.js';
import { AnyPassEvent, type PassEvent, type UnknownPassEvent } from './pass-event.js';

/** The outcome of {@link validatePassEvent}: a known event, an unknown (but well-formed) one, or an error. */
export type ValidationResult =
  | { readonly ok: true; readonly known: true; readonly event: PassEvent }
  | { readonly ok: true; readonly known: false; readonly event: UnknownPassEvent }
  | { readonly ok: false; readonly error: PassworksWebhookError };

interface SchemaNode {
  readonly description?: string;
  readonly format?: string;
  readonly properties?: Record<string, SchemaNode>;
  readonly allOf?: readonly SchemaNode[];
  readonly anyOf?: readonly SchemaNode[];
}

/**
 * The top-level fields whose schema is a `date-time` (or a union with one).
 * typebox's format check accepts spellings no part of the toolkit can read
 * (an RFC 9557 `[UTC]` suffix), so each is also read with `parseInstant`:
 * one notion of an instant for validation, the key and the receiver's order.
 */
const dateTimeFields = Object.entries((AnyPassEvent as SchemaNode).properties ?? {})
  .filter(([, node]) => node.format === 'date-time' || (node.anyOf ?? []).some((member) => member.format === 'date-time'))
  .map(([name]) => name);

/**
 * The compiled validator checks {@link AnyPassEvent} without the `date-time`
 * format of those fields: `isInstant` reads each of them anyway, and is the
 * stricter of the two, so the format check was a second parse of every
 * date-time of every delivery. A malformed one is still an issue at its
 * path, with the same message ({@link instantIssuesOf}); the published
 * schema keeps its formats.
 */
const validator = Compile(
  (() => {
    const copy = JSON.parse(JSON.stringify(AnyPassEvent)) as { properties: Record<string, { format?: string; anyOf?: { format?: string }[] }> };
    for (const name of dateTimeFields) {
      const field = copy.properties[name];
      for (const node of [field, ...(field?.anyOf ?? [])]) if (node?.format === 'date-time') delete node.format;
    }
    return copy;
  })(),
);

/** schemaPath (`#/properties/x`) -> what the field expects, read once from the schema's descriptions. */
const expectations = new Map<string, string>();
(function collect(node: SchemaNode, path: string): void {
  if (node.description !== undefined) expectations.set(path, node.description);
  for (const [key, child] of Object.entries(node.properties ?? {})) collect(child, `${path}/properties/${key}`);
  (node.allOf ?? []).forEach((child, index) => collect(child, `${path}/allOf/${index}`));
})(AnyPassEvent as SchemaNode, '#');

/** `/event_extra/ip` -> `$.event_extra.ip` (JSON Pointer to a JSONPath a person reads). */
function toJsonPath(pointer: string): string {
  if (pointer === '') return '$';
  return (
    '$' +
    pointer
      .slice(1)
      .split('/')
      .map((raw) => {
        const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
        return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : /^\d+$/.test(key) ? `[${key}]` : `[${JSON.stringify(key)}]`;
      })
      .join('')
  );
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[raw.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return node;
}

function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function issuesOf(value: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const error of validator.Errors(value)) {
    if (error.keyword === 'required') {
      const missing = (error.params as { requiredProperties?: readonly string[] }).requiredProperties ?? [];
      for (const name of missing) {
        const pointer = `${error.instancePath}/${name}`;
        if (seen.has(pointer)) continue;
        seen.add(pointer);
        const expected = expectations.get(`${error.schemaPath}/properties/${name}`);
        issues.push({ path: toJsonPath(pointer), message: `is required${expected === undefined ? '' : `: expected ${expected}`}` });
      }
      continue;
    }
    // Union members each report an error; one issue per location reads better.
    if (seen.has(error.instancePath)) continue;
    seen.add(error.instancePath);
    const schemaPath = error.schemaPath.replace(/\/anyOf\/\d+$/, '');
    const expected = expectations.get(schemaPath) ?? error.message;
    issues.push({
      path: toJsonPath(error.instancePath),
      message: `expected ${expected}, got ${preview(valueAt(value, error.instancePath))}`,
    });
  }
  return issues;
}

const NO_ISSUES: readonly ValidationIssue[] = Object.freeze([]);

/** Date-time fields that are strings `parseInstant` cannot read as one instant (other types are the schema's issues). */
function instantIssuesOf(value: unknown, reported?: ReadonlySet<string>): readonly ValidationIssue[] {
  if (value === null || typeof value !== 'object') return [];
  let issues: ValidationIssue[] | undefined;
  for (const name of dateTimeFields) {
    const field = (value as Record<string, unknown>)[name];
    if (typeof field !== 'string' || isInstant(field) || reported?.has(`$.${name}`) === true) continue;
    (issues ??= []).push({
      path: `$.${name}`,
      message: `expected ${expectations.get(`#/properties/${name}`) ?? 'an RFC 3339 date-time'}, got ${preview(field)}`,
    });
  }
  return issues ?? NO_ISSUES;
}

/** `issues`, then the date-time fields that name no instant and have no issue yet. */
function withInstantIssues(value: unknown, issues: readonly ValidationIssue[]): ValidationIssue[] {
  return [...issues, ...instantIssuesOf(value, new Set(issues.map((issue) => issue.path)))];
}

function invalidEvent(issues: readonly ValidationIssue[]): ValidationResult {
  const first = issues[0];
  const summary = first === undefined ? 'not a pass event' : `${first.path}: ${first.message}`;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? 's' : ''})` : '';
  return { ok: false, error: requestError('invalid_event', `invalid pass event: ${summary}${more}`, { issues }) };
}

function isLegacyDocument(value: unknown): boolean {
  return value !== null && typeof value === 'object' && 'action_at' in value && !('event_at' in value);
}

/**
 * Validates a parsed JSON value as a pass event. Unknown extra fields are
 * kept; an unknown event name with valid common fields is `known: false`.
 * Every issue names its JSON path and what was expected. Date-time fields
 * must name one instant (`parseInstant`), and no field may nest deeper than
 * `MAX_NESTING_DEPTH` objects and arrays.
 * @example
 * const result = validatePassEvent(JSON.parse(body));
 * if (!result.ok) console.log(result.error.issues);
 */
export function validatePassEvent(value: unknown): ValidationResult {
  // First, and without recursion: every later step (the issue previews included) may walk the value.
  const tooDeep = findTooDeep(value, MAX_NESTING_DEPTH);
  if (tooDeep !== undefined) {
    return invalidEvent([
      { path: toJsonPath(tooDeep), message: `nested deeper than ${MAX_NESTING_DEPTH} levels of objects and arrays (the limit of any field)` },
    ]);
  }
  const extraIssues = eventExtraIssues(value);
  if (extraIssues.length === 0 && validator.Check(value)) {
    const instantIssues = instantIssuesOf(value);
    if (instantIssues.length > 0) return invalidEvent(instantIssues);
    const event = value as UnknownPassEvent;
    return isEventName(event.event) ? { ok: true, known: true, event: event as PassEvent } : { ok: true, known: false, event };
  }
  if (isLegacyDocument(value)) {
    return {
      ok: false,
      error: requestError('legacy_payload', 'this is the 2016 document shape (action_at, no event_at); the sender must send the current shape with event_at', {
        issues: withInstantIssues(value, issuesOf(value)),
      }),
    };
  }
  return invalidEvent(withInstantIssues(value, [...issuesOf(value), ...extraIssues]));
}
