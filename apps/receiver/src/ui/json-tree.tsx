/** A JSON value as `JSON.parse` returns it. */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function Scalar({ value }: { value: null | boolean | number | string }) {
  return <span class={`json-${value === null ? 'null' : typeof value}`}>{JSON.stringify(value)}</span>;
}

/**
 * One member of an object or array: a scalar on one line, an object or array
 * as a `<details>` (open) whose summary shows its key and size, so each level
 * folds with a click and the text stays selectable. Text is rendered as text
 * (never HTML), so a hostile payload stays inert.
 */
function Member({ name, value, last }: { name: string | undefined; value: Json; last: boolean }) {
  const label = name === undefined ? null : <span class="json-key">{JSON.stringify(name)}: </span>;
  const comma = last ? '' : ',';
  if (value === null || typeof value !== 'object') {
    return (
      <div class="json-line">
        {label}
        <Scalar value={value} />
        {comma}
      </div>
    );
  }
  const entries: Array<[string | undefined, Json]> = Array.isArray(value) ? value.map((item) => [undefined, item]) : Object.entries(value);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0)
    return (
      <div class="json-line">
        {label}
        {open}
        {close}
        {comma}
      </div>
    );
  const size = Array.isArray(value) ? `${entries.length} item${entries.length === 1 ? '' : 's'}` : `${entries.length} key${entries.length === 1 ? '' : 's'}`;
  return (
    <details open class="json-node">
      <summary>
        {label}
        {open}
        <span class="json-size muted"> {size} </span>
      </summary>
      <div class="json-children">
        {entries.map(([key, item], index) => (
          <Member key={key ?? index} name={key} value={item} last={index === entries.length - 1} />
        ))}
      </div>
      <div class="json-line">
        {close}
        {comma}
      </div>
    </details>
  );
}

/** A parsed JSON document as an indented tree whose objects and arrays fold. */
export function JsonTree({ value }: { value: unknown }) {
  return (
    <div class="json-tree" data-testid="json-tree">
      <Member name={undefined} value={value as Json} last />
    </div>
  );
}
