import type * as S3 from '@aws-sdk/client-s3';
import type { PayloadStore } from './enqueue';

/**
 * The SDK's S3 module, loaded on the first claim check rather than with the
 * receiver: most webhooks never need it, and loading it takes longer than a
 * cold start may (docs/benchmarks.md). A lazy `require`, not `import()`:
 * jest's CommonJS runtime cannot run `import()`, and in the ESM bundle
 * esbuild routes it to the banner's `require` for the runtime's SDK.
 */
export function loadS3(): typeof S3 {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@aws-sdk/client-s3') as typeof S3;
}

/** Claim checks in S3. */
export function s3PayloadStore(s3: S3.S3Client, bucket: string): PayloadStore {
  return {
    async put(key, body) {
      const { PutObjectCommand } = loadS3();
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          ServerSideEncryption: 'AES256',
        }),
      );
      return { bucket, key };
    },
  };
}
