import helmet from 'helmet';

/**
 * helmet with a Content-Security-Policy that allows only this site: no inline script or style,
 * no frames, no plugins. Forms may post only here, except that a form may lead (by redirect) to
 * Stripe's hosted checkout and portal and to the Google sign-in page (browsers apply
 * `form-action` to redirects). In production the browser is told to use HTTPS only.
 */
export function securityHeaders(options: { isProduction: boolean; formTargets: readonly string[] }) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        mediaSrc: ["'self'"],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'", ...options.formTargets],
        ...(options.isProduction ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: options.isProduction ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'same-origin' },
  });
}
