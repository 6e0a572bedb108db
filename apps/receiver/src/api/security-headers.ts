import type { RequestHandler } from 'express';

/** The Content-Security-Policy of every page and answer: own-origin resources only, no inline script, never framed. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Security headers on everything Express answers (the inspector, `/api`,
 * health and metrics): a strict CSP, no MIME sniffing, no framing, no referrer.
 */
export function securityHeaders(): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('cross-origin-resource-policy', 'same-origin');
    next();
  };
}
