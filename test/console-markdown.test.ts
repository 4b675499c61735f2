import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../web/src/markdown.ts';

// The console renders journal files (which quote model output) as HTML: nothing in them may become markup.
describe('console markdown renderer', () => {
  it('renders headings, lists, quotes, code fences and tables', () => {
    const html = renderMarkdown(
      [
        '---',
        'ts: 2026-11-21',
        '---',
        '# ALPHA — executed',
        '',
        '- **when**: 2026-11-21 14:30:05 UTC',
        '- `code` here',
        '',
        '> the strategist said',
        '> two lines',
        '',
        '````json',
        '{"a": "```"}',
        '````',
        '',
        '| signer | verdict |',
        '|---|---|',
        '| risk-gate | sign |',
        '',
        'A paragraph',
        'that continues.',
      ].join('\n'),
    );
    expect(html).not.toContain('ts: 2026-11-21');
    expect(html).toContain('<h1>ALPHA — executed</h1>');
    expect(html).toContain('<li><strong>when</strong>: 2026-11-21 14:30:05 UTC</li>');
    expect(html).toContain('<li><code>code</code> here</li>');
    expect(html).toContain('<blockquote>the strategist said<br>two lines</blockquote>');
    expect(html).toContain('<pre><code>{&quot;a&quot;: &quot;```&quot;}</code></pre>');
    expect(html).toContain('<th>signer</th>');
    expect(html).toContain('<td>risk-gate</td>');
    expect(html).toContain('<p>A paragraph that continues.</p>');
  });

  it('escapes every tag and attribute a model could write', () => {
    const hostile = [
      '# <img src=x onerror=alert(1)>',
      '- <script>alert(1)</script>',
      '> <a href="javascript:alert(1)">x</a>',
      '**<b onclick="x">bold</b>**',
      '```',
      '</code></pre><script>alert(2)</script>',
      '```',
    ].join('\n');
    const html = renderMarkdown(hostile);
    expect(html).not.toMatch(/<(img|script|a|b)[\s>]/);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
