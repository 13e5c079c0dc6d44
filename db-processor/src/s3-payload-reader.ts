import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PayloadReader } from './read-record';

export function s3PayloadReader(s3: S3Client): PayloadReader {
  return {
    async get({ bucket, key }) {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return out.Body!.transformToString('utf-8');
    },
  };
}
