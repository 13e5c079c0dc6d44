import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { MediaReader } from './answer-deps';

/** Reads archived media objects from the media bucket (the S3 emulator in the local stack). */
export function s3MediaReader(s3: S3Client, bucket: string): MediaReader {
  return {
    async read(key) {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return out.Body!.transformToByteArray();
    },
  };
}
