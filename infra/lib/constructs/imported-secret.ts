import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';

/**
 * An existing secret by its complete ARN, with the customer-managed key it is
 * encrypted with, if any (read it with `grantSecretRead`).
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

/**
 * Lets a principal read a secret, and decrypt it when it has a customer-managed
 * key of its own. CDK grants a key's Decrypt through the key policy, which a
 * stack cannot change for an imported key (the grant is silently dropped):
 * here it goes on the principal, usable through Secrets Manager only.
 */
export function grantSecretRead(secret: ISecret, grantee: IGrantable): void {
  secret.grantRead(grantee);
  const key = secret.encryptionKey;
  if (key && !(key instanceof Key)) {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': `secretsmanager.${Stack.of(secret).region}.amazonaws.com`,
          },
        },
      }),
    );
  }
}
