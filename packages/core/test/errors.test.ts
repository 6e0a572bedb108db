import t from 'tap';
import { ERROR_CODES, PassworksWebhookError, isPassworksWebhookError } from '@passworks-webhooks/core';

t.test('each code carries its documented status and the body has the one error shape', async (t) => {
  const cause = new Error('root');
  const error = new PassworksWebhookError('invalid_event', 'event_at: expected a date-time', {
    issues: [{ path: '$.event_at', message: 'expected a date-time' }],
    cause,
  });
  t.equal(error.status, 422);
  t.equal(error.cause, cause);
  t.equal(error.name, 'PassworksWebhookError');
  t.ok(error instanceof Error);
  t.equal(isPassworksWebhookError(error), true);
  t.equal(isPassworksWebhookError(new Error('x')), false);
  t.same(error.toBody(), {
    error: { code: 'invalid_event', message: 'event_at: expected a date-time', issues: [{ path: '$.event_at', message: 'expected a date-time' }] },
  });
  t.same(new PassworksWebhookError('unauthorized', 'no').toBody(), { error: { code: 'unauthorized', message: 'no' } });
});

t.test('the code list is fixed: every status is a 4xx or 5xx, invalid_config and lease_lost (never sent) have none', async (t) => {
  t.same(Object.keys(ERROR_CODES).sort(), [
    'body_unavailable',
    'event_refused',
    'handler_failed',
    'handler_timeout',
    'headers_too_large',
    'in_flight',
    'internal_error',
    'invalid_config',
    'invalid_event',
    'invalid_json',
    'invalid_request',
    'lease_lost',
    'legacy_payload',
    'malformed_request',
    'method_not_allowed',
    'not_found',
    'payload_too_large',
    'request_timeout',
    'store_unavailable',
    'unauthorized',
    'unsupported_media_type',
  ]);
  for (const [code, status] of Object.entries(ERROR_CODES)) {
    if (code === 'invalid_config' || code === 'lease_lost') t.equal(status, undefined);
    else t.ok(status !== undefined && status >= 400 && status < 600, code);
  }
});
