import { describe, expect, it } from 'vitest';
import { html, trustedHtml } from '#web/html/html';
import { renderMarkdown } from '#web/html/markdown';

describe('html template helper', () => {
  it('escapes every interpolated value unless it is already safe HTML', () => {
    const name = `<img src=x onerror="alert('x')">&`;
    const out = html`<p title="${name}">${name}</p>${html`<b>${'ok'}</b>`}${[1, '<2>']}${null}${false}${undefined}`
      .value;
    expect(out).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;</p><b>ok</b>1&lt;2&gt;',
    );
    expect(html`${trustedHtml('<i>x</i>')}`.value).toBe('<i>x</i>');
  });
});

describe('legal markdown subset', () => {
  it('renders headings, paragraphs, lists, bold, safe links and placeholders', () => {
    const out = renderMarkdown(
      '# Title\n\nSome **bold** text\ncontinues.\n\n- one [site](/privacy)\n- two [mail](mailto:a@b.c)\n\n1. first\n2. second\n\nKeep {{days}} days.',
      { days: '30' },
    ).value;
    expect(out).toBe(
      '<h1 id="title">Title</h1>\n<p>Some <strong>bold</strong> text continues.</p>\n<ul><li>one <a href="/privacy">site</a></li><li>two <a href="mailto:a@b.c">mail</a></li></ul>\n<ol><li>first</li><li>second</li></ol>\n<p>Keep 30 days.</p>',
    );
  });

  it('never lets HTML or script links through', () => {
    const out = renderMarkdown(
      '<script>alert(1)</script>\n\n[x](javascript:alert(1)) [y](//evil.example) [z]("onmouseover=alert(1))',
    ).value;
    expect(out).not.toContain('<script');
    expect(out).not.toContain('href="javascript');
    expect(out).not.toContain('href="//');
    expect(out).toContain('&lt;script&gt;');
  });
});
