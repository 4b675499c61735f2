import type { JsonSchemaObject } from './json-schema.ts';

/**
 * Rendered text of values that cannot change, shared by every skill that shows them the same
 * way. A candidate's four agents (Regime, Strategist, both signers) show the same frozen window
 * of 60 bars (agents/market-context.ts); rendering it four times was a fifth of a cycle's CPU.
 *
 * Why reuse is exact: the text of a value depends only on the value and on the parts of the
 * schema the renderer reads (property order, item and additional-property schemas: the
 * "render shape"). The value rendered is the validated one, so reuse also requires that the
 * validation of this call gave back a value equal to the frozen input (no default filled in,
 * nothing stripped). Validation itself still runs on every call, against each skill's own schema.
 */
export function renderedOnce(
  given: unknown,
  validated: unknown,
  schema: JsonSchemaObject | undefined,
  render: () => string,
): string {
  if (typeof given !== 'object' || given === null || !deeplyFrozen(given) || !sameValue(given, validated))
    return render();
  const shape = renderShape(schema);
  let byShape = texts.get(given);
  const known = byShape?.get(shape);
  if (known !== undefined) return known;
  const text = render();
  if (!byShape) {
    byShape = new Map();
    texts.set(given, byShape);
  }
  byShape.set(shape, text);
  return text;
}

const texts = new WeakMap<object, Map<string, string>>();
const shapes = new WeakMap<JsonSchemaObject, string>();

/**
 * Objects found frozen all the way down. Once true it stays true (a frozen object's properties
 * can neither change nor be replaced), so each value is walked once, not at every call: a
 * candidate's four agents show the same window, and the walk was a fifth of a call's garbage.
 */
const frozenAllTheWay = new WeakSet<object>();

/**
 * True when nothing inside the value can change: frozen objects all the way down. Only the value
 * asked about is remembered, not each object inside it (a window's 60 bars): every entry of a
 * weak set is work for each young-generation collection while it lives.
 */
export function deeplyFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (frozenAllTheWay.has(value)) return true;
  if (!frozenWithin(value)) return false;
  frozenAllTheWay.add(value);
  return true;
}

function frozenWithin(value: object): boolean {
  if (!Object.isFrozen(value)) return false;
  const items: readonly unknown[] = Array.isArray(value) ? value : Object.values(value);
  for (let index = 0; index < items.length; index += 1) {
    const item = items[index];
    if (typeof item === 'object' && item !== null && !frozenAllTheWay.has(item) && !frozenWithin(item))
      return false;
  }
  return true;
}

/** Structural equality of JSON-like values, key order included (it shows in the text). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  for (let index = 0; index < aKeys.length; index += 1) {
    const key = aKeys[index]!;
    if (key !== bKeys[index]) return false;
    if (!sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

/** The schema as the renderer reads it (descriptions and validation keywords left out), as text. */
function renderShape(schema: JsonSchemaObject | undefined): string {
  if (!schema) return '';
  let shape = shapes.get(schema);
  if (shape === undefined) {
    shape = JSON.stringify(shapeOf(schema));
    shapes.set(schema, shape);
  }
  return shape;
}

function shapeOf(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return null;
  const { properties, items, additionalProperties } = schema as JsonSchemaObject;
  const shape: Record<string, unknown> = {};
  if (typeof properties === 'object' && properties !== null)
    shape.properties = Object.entries(properties).map(([key, child]) => [key, shapeOf(child)]);
  if (items !== undefined) shape.items = shapeOf(items);
  if (additionalProperties !== undefined) shape.additionalProperties = shapeOf(additionalProperties);
  return shape;
}
