import { describe, expect, it } from 'vitest';
import type { JsonSchemaObject } from './json-schema.ts';
import { renderedOnce } from './render-cache.ts';

const barSchema = (description: string, order: string[]): JsonSchemaObject => ({
  type: 'array',
  description,
  items: { type: 'object', properties: Object.fromEntries(order.map((key) => [key, { type: 'number' }])) },
});

describe('renderedOnce', () => {
  const bars = Object.freeze([Object.freeze({ o: 1, c: 2 }), Object.freeze({ o: 3, c: 4 })]);

  it('renders a frozen value once for every schema that shows it the same way', () => {
    let renders = 0;
    const render = () => `text ${++renders}`;
    const first = renderedOnce(bars, bars, barSchema('regime', ['o', 'c']), render);
    // Another skill: other descriptions, other validation keywords, same shape.
    const strict = { ...barSchema('signer', ['o', 'c']), minItems: 2 };
    expect(renderedOnce(bars, bars, strict, render)).toBe(first);
    expect(renders).toBe(1);
    // Another key order shows in the text: rendered again.
    expect(renderedOnce(bars, bars, barSchema('x', ['c', 'o']), render)).toBe('text 2');
  });

  it('renders again when validation changed the value or when the value can change', () => {
    let renders = 0;
    const render = () => `text ${++renders}`;
    const schema = barSchema('a', ['o', 'c']);
    const window = Object.freeze([Object.freeze({ o: 1, c: 2 }), Object.freeze({ o: 3, c: 4 })]);
    renderedOnce(window, window, schema, render);
    // A default filled in by validation: the validated value differs from the frozen input.
    expect(
      renderedOnce(
        window,
        [
          { o: 1, c: 2, v: 0 },
          { o: 3, c: 4 },
        ],
        schema,
        render,
      ),
    ).toBe('text 2');
    const loose = [{ o: 1, c: 2 }];
    renderedOnce(loose, loose, schema, render);
    expect(renderedOnce(loose, loose, schema, render)).toBe('text 4');
    const shallow = Object.freeze([{ o: 1, c: 2 }]);
    renderedOnce(shallow, shallow, schema, render);
    expect(renderedOnce(shallow, shallow, schema, render)).toBe('text 6');
  });
});
