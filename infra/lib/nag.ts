import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges a cdk-nag finding on a construct and everything under it
 * (cdk-nag 3 reads CDK's native acknowledgements). The reason is required:
 * it is the audit trail of why the rule does not apply.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}
