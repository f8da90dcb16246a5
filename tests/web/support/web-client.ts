/** One HTTP answer as a test reads it. */
export type WebResponse = {
  status: number;
  headers: Headers;
  text: string;
  location: string | undefined;
  body: Buffer;
};

/**
 * A minimal browser for HTTP tests: a cookie jar, no automatic redirects (tests look at each
 * 303), and the CSRF token of the last page seen, sent with forms unless told otherwise.
 */
export class WebClient {
  readonly cookies = new Map<string, string>();
  csrf: string | undefined;

  constructor(
    readonly baseUrl: string,
    readonly headers: Record<string, string> = {},
  ) {}

  /** GET a path (or absolute URL on the same server). */
  get(path: string, extra: Record<string, string> = {}): Promise<WebResponse> {
    return this.request('GET', path, undefined, extra);
  }

  /** POST a urlencoded form; the page's CSRF token is added unless `csrf` is false or a string to send instead. */
  post(
    path: string,
    fields: Record<string, string> = {},
    options: { csrf?: boolean | string; headers?: Record<string, string> } = {},
  ): Promise<WebResponse> {
    const body = new URLSearchParams(fields);
    const token = options.csrf === false ? undefined : typeof options.csrf === 'string' ? options.csrf : this.csrf;
    if (token !== undefined) body.set('_csrf', token);
    return this.request('POST', path, body.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      ...options.headers,
    });
  }

  /**
   * POSTs a `multipart/form-data` form (a form with a file), as a browser does; the page's CSRF
   * token is added unless `csrf` is false.
   */
  postMultipart(
    path: string,
    fields: Record<string, string>,
    options: { file?: { field: string; name: string; type: string; bytes: Buffer }; csrf?: boolean } = {},
  ): Promise<WebResponse> {
    const form = new FormData();
    if (options.csrf !== false && this.csrf !== undefined) form.set('_csrf', this.csrf);
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    if (options.file)
      form.set(
        options.file.field,
        new Blob([new Uint8Array(options.file.bytes)], { type: options.file.type }),
        options.file.name,
      );
    return this.request('POST', path, form, {});
  }

  /** Loads a page first (for its CSRF token), then posts the form. */
  async submit(pagePath: string, action: string, fields: Record<string, string>): Promise<WebResponse> {
    await this.get(pagePath);
    return this.post(action, fields);
  }

  /** Follows one redirect answer with a GET. */
  follow(response: WebResponse): Promise<WebResponse> {
    if (!response.location) throw new Error(`not a redirect: ${response.status}`);
    return this.get(response.location);
  }

  private async request(
    method: string,
    path: string,
    body: string | FormData | undefined,
    extra: Record<string, string>,
  ): Promise<WebResponse> {
    const url = path.startsWith('http') ? path : `${this.baseUrl}${path}`;
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: { ...this.headers, ...(cookie ? { cookie } : {}), ...extra },
      ...(body === undefined ? {} : { body }),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const isExpired = attributes.some((attribute) => /^\s*expires=thu, 01 jan 1970/i.test(attribute)) || value === '';
      if (isExpired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const buffer = Buffer.from(await response.arrayBuffer());
    const text = (response.headers.get('content-type') ?? '').includes('zip') ? '' : buffer.toString('utf8');
    const token = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (token) this.csrf = token;
    return {
      status: response.status,
      headers: response.headers,
      text,
      location: response.headers.get('location') ?? undefined,
      body: buffer,
    };
  }
}

/** The visible text of an HTML page (tags dropped, entities for quotes and ampersands decoded, whitespace collapsed). */
export function pageText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
