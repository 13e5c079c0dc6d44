export * from './builders';
export { ALL_MESSAGE_TYPES } from './fixtures';
export type { MessageTypeFixture } from './fixtures';
export {
  DEFAULT_CUSTOMER_NAME,
  DEFAULT_CUSTOMER_WA_ID,
  DEFAULT_DISPLAY_PHONE_NUMBER,
  DEFAULT_PHONE_NUMBER_ID,
  DEFAULT_WABA_ID,
  unixNow,
  wamid,
} from './ids';
export { BAD_NUMBERS, badNumberCases, envErrorAbout } from './env-cases';
export { graphUrlsFromEnv, startUrlRecorder, type UrlRecorder } from './url-recorder';
