import { classifyGraphError } from '../src';
import type { GraphErrorKind } from '../src';

describe('classifyGraphError()', () => {
  describe.each<[string, { httpStatus?: number; code?: number }, GraphErrorKind]>([
    ['throughput limit 130429', { httpStatus: 400, code: 130429 }, 'retry-number'],
    ['pair rate limit 131056', { httpStatus: 400, code: 131056 }, 'retry-recipient'],
    ['spam rate limit 131048', { httpStatus: 400, code: 131048 }, 'retry'],
    ['re-engagement 131047', { httpStatus: 400, code: 131047 }, 'permanent'],
    ['not on WhatsApp 131030', { httpStatus: 400, code: 131030 }, 'permanent'],
    ['unsupported type 131051', { httpStatus: 400, code: 131051 }, 'permanent'],
    ['undeliverable 131026', { httpStatus: 400, code: 131026 }, 'permanent'],
    ['invalid parameter 100', { httpStatus: 400, code: 100 }, 'permanent'],
    ['policy block 368', { httpStatus: 403, code: 368 }, 'blocked'],
    ['known code without HTTP status', { code: 130429 }, 'retry-number'],
    ['known code wins over 5xx', { httpStatus: 500, code: 131047 }, 'permanent'],
    ['500 without code', { httpStatus: 500 }, 'retry'],
    ['503 with unknown code', { httpStatus: 503, code: 999999 }, 'retry'],
    ['network error (nothing)', {}, 'retry'],
    ['429 without code', { httpStatus: 429 }, 'retry'],
    ['400 with unknown code', { httpStatus: 400, code: 999999 }, 'permanent'],
    ['404 without code', { httpStatus: 404 }, 'permanent'],
    ['unknown code without status', { code: 999999 }, 'permanent'],
    ['Meta internal 131000', { httpStatus: 500, code: 131000 }, 'retry'],
    ['expired token 190', { httpStatus: 401, code: 190 }, 'blocked'],
  ])('%s', (_label, input, kind) => {
    it(`is ${kind} with a reason`, () => {
      // Act
      const result = classifyGraphError(input);

      // Assert
      expect(result.kind).toBe(kind);
      expect(result.reason.length).toBeGreaterThan(0);
    });
  });
});
