import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

/**
 * An existing secret by its complete ARN. With the customer-managed key it is
 * encrypted with, `grantRead` also grants kms:Decrypt on that key (through
 * Secrets Manager only); without it, reading a CMK-encrypted secret is denied.
 */
export function importSecret(
  scope: Construct,
  id: string,
  secretCompleteArn: string,
  kmsKeyArn?: string,
): ISecret {
  return Secret.fromSecretAttributes(scope, id, {
    secretCompleteArn,
    encryptionKey: kmsKeyArn ? Key.fromKeyArn(scope, `${id}Key`, kmsKeyArn) : undefined,
  });
}
