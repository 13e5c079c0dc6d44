import { badNumberCases, envErrorAbout } from '@waba/testing';
import { maintenanceEnvFromEnv } from '@waba/db';

describe('maintenanceEnvFromEnv()', () => {
  it('defaults the retentions; 0 keeps everything', () => {
    expect(maintenanceEnvFromEnv({})).toMatchObject({
      WEBHOOK_EVENTS_RETENTION_MONTHS: 3,
      STATUS_EVENTS_RETENTION_MONTHS: 13,
    });
    expect(maintenanceEnvFromEnv({ STATUS_EVENTS_RETENTION_MONTHS: '0' })).toMatchObject({
      STATUS_EVENTS_RETENTION_MONTHS: 0,
    });
  });

  it.each([
    ...badNumberCases(['WEBHOOK_EVENTS_RETENTION_MONTHS', 'STATUS_EVENTS_RETENTION_MONTHS']),
    ['STATUS_EVENTS_RETENTION_MONTHS', '1.5'],
  ])('refuses %s=%p, naming the variable', (name, value) => {
    expect(() => maintenanceEnvFromEnv({ [name]: value })).toThrow(envErrorAbout(name));
  });
});
