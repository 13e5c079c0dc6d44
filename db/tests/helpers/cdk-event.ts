import type { CdkCustomResourceEvent } from 'aws-lambda';

/** A CloudFormation custom resource request as the CDK Provider framework passes it on. */
export const cdkEvent = (RequestType: 'Create' | 'Update' | 'Delete'): CdkCustomResourceEvent =>
  ({
    RequestType,
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
    ResponseURL: 'https://example.invalid',
    StackId: 'stack',
    RequestId: 'request',
    LogicalResourceId: 'Migrations',
    ResourceType: 'Custom::WabaMigrations',
    ResourceProperties: { ServiceToken: 'x' },
    ...(RequestType === 'Create' ? {} : { PhysicalResourceId: 'waba-migrations' }),
    ...(RequestType === 'Update' ? { OldResourceProperties: {} } : {}),
  }) as CdkCustomResourceEvent;
