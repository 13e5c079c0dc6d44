import { badNumberCases, envErrorAbout } from '@waba/whatsapp/testing';
import { maintenanceEnvFromEnv, migrateEnvFromEnv } from '@waba/db';

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

describe('migrateEnvFromEnv()', () => {
  it.each([...badNumberCases(['MIGRATION_ATTEMPTS']), ['MIGRATION_ATTEMPTS', '0']])(
    'refuses %s=%p, naming the variable',
    (name, value) => {
      expect(() => migrateEnvFromEnv({ [name]: value })).toThrow(envErrorAbout(name));
    },
  );

  it('stops the migration function at cold start on a bad value', () => {
    const saved = process.env.MIGRATION_ATTEMPTS;
    process.env.MIGRATION_ATTEMPTS = 'abc';
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        expect(() => require('../src/migrate-handler')).toThrow(
          envErrorAbout('MIGRATION_ATTEMPTS'),
        );
      });
    } finally {
      if (saved === undefined) delete process.env.MIGRATION_ATTEMPTS;
      else process.env.MIGRATION_ATTEMPTS = saved;
    }
  });
});
