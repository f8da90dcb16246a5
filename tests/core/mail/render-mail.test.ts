import { describe, expect, it } from 'vitest';
import { paragraphsOf, renderMail } from '#core/mail/render-mail';

const SITE = { publicUrl: 'https://imagine.example', supportEmail: 'help@imagine.example' };

describe('renderMail', () => {
  it('makes the text and the HTML part from the same blocks, in the plain layout', () => {
    const mail = renderMail('en', SITE, {
      subject: 'Your receipt',
      blocks: [
        { kind: 'paragraph', text: 'Thank you.' },
        { kind: 'facts', rows: [{ label: 'Credits added', value: '100' }] },
        { kind: 'link', url: 'https://imagine.example/account' },
      ],
    });
    expect(mail.subject).toBe('Your receipt');
    expect(mail.text).toBe(
      'Imagine\n\nThank you.\n\nCredits added: 100\n\nhttps://imagine.example/account\n\n--\n\n' +
        'Imagine · https://imagine.example · This message is about your account. Questions: help@imagine.example',
    );
    expect(mail.html).toContain('<html lang="en">');
    expect(mail.html).toContain('>Imagine</div>');
    expect(mail.html).toContain('>Thank you.</p>');
    expect(mail.html).toMatch(/<th scope="row"[^>]*>Credits added<\/th><td[^>]*>100<\/td>/);
    expect(mail.html).toContain('<a href="https://imagine.example/account"');
    expect(mail.html).toContain('Questions: help@imagine.example');
  });

  it('uses inline styles only and loads nothing from elsewhere', () => {
    const { html } = renderMail('zh-CN', SITE, { subject: 's', blocks: [{ kind: 'paragraph', text: 'x' }] });
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('本邮件与你的账号有关');
    expect(html).not.toMatch(/<(img|link|style|script)\b/i);
    expect(html).not.toMatch(/url\(|@import|@font-face/i);
    expect(html).not.toMatch(/src=/i);
  });

  it('escapes every value, and links only web addresses', () => {
    const { html, text } = renderMail('en', SITE, {
      subject: '<b>"hi"</b>',
      blocks: [
        { kind: 'paragraph', text: 'Name: <script>alert(1)</script> & "you"' },
        { kind: 'facts', rows: [{ label: '<i>', value: "O'Brien" }] },
        { kind: 'link', url: 'javascript:alert(1)' },
      ],
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('Name: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;you&quot;');
    expect(html).toContain('<title>&lt;b&gt;&quot;hi&quot;&lt;/b&gt;</title>');
    expect(html).toContain('&lt;i&gt;');
    expect(html).toContain('O&#39;Brien');
    expect(html).not.toContain('href="javascript:');
    expect(text).toContain('Name: <script>alert(1)</script> & "you"');
  });
});

describe('paragraphsOf', () => {
  it('splits a catalog message into paragraphs and makes the paragraph that is the link a link', () => {
    expect(paragraphsOf('Hello,\n\nopen this:\n\nhttps://x.example/a\n\nBye', 'https://x.example/a')).toEqual([
      { kind: 'paragraph', text: 'Hello,' },
      { kind: 'paragraph', text: 'open this:' },
      { kind: 'link', url: 'https://x.example/a' },
      { kind: 'paragraph', text: 'Bye' },
    ]);
  });
});
