/**
 * One jest run for every workspace. Postgres and the SQS/S3 emulator are
 * started once per run by jest/global-setup.ts and shared by the test files;
 * each test file gets its own database cloned from a migrated template and
 * its own queues, so files run in parallel without touching each other.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/tests/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/cdk.out/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.base.json' }],
  },
  globalSetup: '<rootDir>/jest/global-setup.ts',
  globalTeardown: '<rootDir>/jest/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 30000,
};
