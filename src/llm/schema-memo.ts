type JsonSchema = Record<string, unknown>;

/** Skills are few: a full text cache means schemas built on the fly; it starts over rather than grow. */
const maxTexts = 256;

/**
 * What a pure function of a JSON Schema gives, computed once per schema. A schema frozen all the
 * way down (a skill's output schema as requests carry it: one object per skill, skills/render.ts)
 * is found again by identity, with no text to make; any other schema by its JSON text.
 */
export function memoizedBySchema<R>(compute: (schema: JsonSchema) => R): (schema: JsonSchema) => R {
  const byObject = new WeakMap<object, R>();
  const byText = new Map<string, R>();
  return (schema) => {
    if (byObject.has(schema)) return byObject.get(schema) as R;
    const key = JSON.stringify(schema);
    let result: R;
    if (byText.has(key)) result = byText.get(key) as R;
    else {
      if (byText.size >= maxTexts) byText.clear();
      result = compute(schema);
      byText.set(key, result);
    }
    if (frozenThroughout(schema)) byObject.set(schema, result);
    return result;
  };
}

function frozenThroughout(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(frozenThroughout);
}
