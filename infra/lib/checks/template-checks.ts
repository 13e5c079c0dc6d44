/**
 * Checks on a synthesized CloudFormation template for mistakes that only an
 * AWS account would otherwise reveal, minutes into a deployment: rules EC2
 * refuses as duplicates, physical names that collide with another stage,
 * custom resources that run before what they use is ready, and SQS event
 * sources that break Lambda's visibility-timeout rule. Plain functions over
 * the template JSON, so a unit test can feed them a fragment with the defect.
 */
import { readFileSync } from 'node:fs';
import {
  Stack,
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
  type PolicyViolatingResource,
  type PolicyViolation,
} from 'aws-cdk-lib';

/** The parts of a template the checks read. */
export interface CfnTemplate {
  Resources?: Record<string, CfnResourceJson>;
}

export interface CfnResourceJson {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
}

export type CheckName =
  | 'duplicate-security-group-rule'
  | 'unscoped-physical-name'
  | 'custom-resource-dependency'
  | 'event-source-visibility';

export const CHECK_NAMES: readonly CheckName[] = [
  'duplicate-security-group-rule',
  'unscoped-physical-name',
  'custom-resource-dependency',
  'event-source-visibility',
];

export interface Finding {
  check: CheckName;
  logicalId: string;
  message: string;
}

const resourcesOf = (t: CfnTemplate): Record<string, CfnResourceJson> => t.Resources ?? {};

/** The logical id a `Ref` or `Fn::GetAtt` points at; undefined for anything else. */
function targetId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
  if (typeof v.Ref === 'string' && !v.Ref.startsWith('AWS::')) return v.Ref;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  if (typeof getAtt === 'string') return getAtt.split('.')[0];
  return undefined;
}

/** Every logical id a value refers to (Ref, Fn::GetAtt, Fn::Sub), at any depth. */
export function referencedIds(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) referencedIds(v, into);
    return into;
  }
  if (typeof value !== 'object' || value === null) return into;
  const id = targetId(value);
  if (id) into.add(id);
  const sub = (value as { 'Fn::Sub'?: unknown })['Fn::Sub'];
  if (sub !== undefined) {
    const [text, vars] = Array.isArray(sub) ? sub : [sub, {}];
    if (typeof text === 'string') {
      for (const m of text.matchAll(/\$\{([^}!.]+)(\.[^}]*)?\}/g)) {
        const name = m[1]!;
        if (!name.startsWith('AWS::') && !(vars && name in (vars as object))) into.add(name);
      }
    }
  }
  for (const v of Object.values(value)) referencedIds(v, into);
  return into;
}

const dependsOn = (r: CfnResourceJson): string[] =>
  r.DependsOn === undefined ? [] : [r.DependsOn].flat();

/** What a resource needs before it is created: what its properties refer to, and its DependsOn. */
function directDependencies(r: CfnResourceJson, resources: Record<string, unknown>): string[] {
  return [...referencedIds(r.Properties), ...dependsOn(r)].filter((id) => id in resources);
}

/** Every resource CloudFormation creates before `id` (transitively). */
export function dependencyClosure(template: CfnTemplate, id: string): Set<string> {
  const resources = resourcesOf(template);
  const seen = new Set<string>();
  const queue = [id];
  while (queue.length > 0) {
    const next = queue.pop()!;
    for (const dep of directDependencies(resources[next]!, resources)) {
      if (!seen.has(dep)) {
        seen.add(dep);
        queue.push(dep);
      }
    }
  }
  return seen;
}

// ---------------------------------------------------------------------------
// 1. Duplicate security-group rules

/** Ports of a database endpoint by engine, for `Fn::GetAtt [db, Endpoint.Port]`. */
const ENGINE_PORTS: Record<string, number> = {
  postgres: 5432,
  'aurora-postgresql': 5432,
  mysql: 3306,
  mariadb: 3306,
  'aurora-mysql': 3306,
};

const PROTOCOLS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', all: '-1' };

/** A port as EC2 will see it: a number, or the resolved port of a database endpoint. */
function resolvePort(value: unknown, resources: Record<string, CfnResourceJson>): string {
  if (typeof value === 'number' || typeof value === 'string') return String(Number(value));
  const getAtt = (value as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[1] === 'Endpoint.Port') {
    const db = resources[String(getAtt[0])];
    const port = db?.Properties?.Port ?? ENGINE_PORTS[String(db?.Properties?.Engine)];
    if (port !== undefined) return String(Number(port));
  }
  return JSON.stringify(value);
}

/** A group or peer: the logical id it refers to, or the literal id. */
const groupKey = (value: unknown): string => targetId(value) ?? JSON.stringify(value);

interface RuleShape {
  IpProtocol?: unknown;
  FromPort?: unknown;
  ToPort?: unknown;
  CidrIp?: unknown;
  CidrIpv6?: unknown;
  SourceSecurityGroupId?: unknown;
  SourcePrefixListId?: unknown;
  DestinationSecurityGroupId?: unknown;
  DestinationPrefixListId?: unknown;
}

function ruleKey(
  direction: 'ingress' | 'egress',
  group: string,
  rule: RuleShape,
  resources: Record<string, CfnResourceJson>,
): string {
  const protocol = PROTOCOLS[String(rule.IpProtocol)] ?? String(rule.IpProtocol);
  const ports =
    protocol === '-1'
      ? 'all'
      : `${resolvePort(rule.FromPort, resources)}-${resolvePort(rule.ToPort, resources)}`;
  const peer =
    rule.CidrIp ??
    rule.CidrIpv6 ??
    rule.SourcePrefixListId ??
    rule.DestinationPrefixListId ??
    rule.SourceSecurityGroupId ??
    rule.DestinationSecurityGroupId;
  return [direction, group, protocol, ports, groupKey(peer)].join(' | ');
}

/**
 * Rules with the same group, direction, protocol, port range and peer, whether
 * inline in the group or separate resources: EC2 refuses the second one
 * (`InvalidPermission.Duplicate`) and the stack rolls back.
 */
export function duplicateSecurityGroupRules(template: CfnTemplate): Finding[] {
  const resources = resourcesOf(template);
  const seen = new Map<string, string>();
  const findings: Finding[] = [];
  const add = (key: string, where: string) => {
    const first = seen.get(key);
    if (first === undefined) seen.set(key, where);
    else {
      findings.push({
        check: 'duplicate-security-group-rule',
        logicalId: where.split('/')[0]!,
        message: `${where} repeats the rule of ${first} (${key}): EC2 refuses it as InvalidPermission.Duplicate`,
      });
    }
  };
  for (const [id, r] of Object.entries(resources)) {
    const p = (r.Properties ?? {}) as Record<string, unknown> & RuleShape & { GroupId?: unknown };
    if (r.Type === 'AWS::EC2::SecurityGroupIngress' || r.Type === 'AWS::EC2::SecurityGroupEgress') {
      const direction = r.Type.endsWith('Ingress') ? 'ingress' : 'egress';
      add(ruleKey(direction, groupKey(p.GroupId), p, resources), id);
    } else if (r.Type === 'AWS::EC2::SecurityGroup') {
      for (const direction of ['ingress', 'egress'] as const) {
        const inline = p[direction === 'ingress' ? 'SecurityGroupIngress' : 'SecurityGroupEgress'];
        (Array.isArray(inline) ? (inline as RuleShape[]) : []).forEach((rule, i) =>
          add(ruleKey(direction, id, rule, resources), `${id}/${direction}[${i}]`),
        );
      }
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------
// 2. Physical names that are not scoped to the stack

/**
 * Properties ending in `Name` that are not account-wide physical names: a
 * literal is fine there. Each entry says why.
 */
export const NOT_PHYSICAL_NAMES: Record<string, Record<string, string>> = {
  'AWS::RDS::DBInstance': { DBName: 'a database inside the instance' },
  'AWS::RDS::DBCluster': { DatabaseName: 'a database inside the cluster' },
  'AWS::RDS::DBProxyTargetGroup': {
    TargetGroupName: "RDS Proxy's one target group must be named default",
  },
  'AWS::ApiGatewayV2::Stage': { StageName: 'unique within its API only' },
  'AWS::CloudWatch::Alarm': { MetricName: 'the metric the alarm watches' },
  'AWS::IAM::Policy': { PolicyName: 'an inline policy, unique within its roles only' },
  'AWS::EC2::VPCEndpoint': { ServiceName: 'the AWS service the endpoint reaches' },
  'AWS::SNS::Topic': { DisplayName: 'a label, not unique' },
};

/** Own-name properties that do not end in `Name`. */
const IDENTIFIER_PROPERTIES: Record<string, string> = {
  'AWS::RDS::DBInstance': 'DBInstanceIdentifier',
  'AWS::RDS::DBCluster': 'DBClusterIdentifier',
};

/** Pseudo parameters that do not make a name unique within an account and region. */
const UNSCOPED_PSEUDO = new Set([
  'AWS::Region',
  'AWS::AccountId',
  'AWS::Partition',
  'AWS::URLSuffix',
]);

/**
 * The text of a value that is fixed at synth (literals and unscoping pseudo
 * parameters only); undefined when it refers to a resource, the stack name
 * or anything else CloudFormation decides.
 */
function fixedText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const ref = (value as { Ref?: unknown }).Ref;
  if (typeof ref === 'string') return UNSCOPED_PSEUDO.has(ref) ? `\${${ref}}` : undefined;
  const join = (value as { 'Fn::Join'?: unknown })['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    const parts = (join[1] as unknown[]).map(fixedText);
    return parts.every((p) => p !== undefined) ? parts.join(join[0]) : undefined;
  }
  return undefined;
}

/**
 * Literal physical names (every `*Name` property, and RDS identifiers) that do
 * not contain the stack name (letters and digits compared, case ignored): a second stage, or any other stack in the
 * account that uses the same literal, fails with "already exists".
 */
export function unscopedPhysicalNames(template: CfnTemplate, stackName: string): Finding[] {
  const findings: Finding[] = [];
  // CDK derives unique names from the construct path without separators (Waba-dev → Wabadev).
  const alnum = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');
  const scope = alnum(stackName);
  for (const [id, r] of Object.entries(resourcesOf(template))) {
    const exempt = NOT_PHYSICAL_NAMES[r.Type] ?? {};
    for (const [prop, value] of Object.entries(r.Properties ?? {})) {
      if (!prop.endsWith('Name') && IDENTIFIER_PROPERTIES[r.Type] !== prop) continue;
      if (prop in exempt) continue;
      const text = fixedText(value);
      if (text === undefined || alnum(text).includes(scope)) continue;
      findings.push({
        check: 'unscoped-physical-name',
        logicalId: id,
        message: `${id} (${r.Type}) has the fixed ${prop} "${text}", which does not contain the stack name ${stackName}: another stage or stack in the account collides with it`,
      });
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------
// 3. Custom resources that may run before what they use is ready

/**
 * Resources that make another one usable although nothing refers to them:
 * CloudFormation may create them after a custom resource that only refers to
 * the resource they complete.
 */
function completions(template: CfnTemplate): Map<string, Array<{ id: string; why: string }>> {
  const out = new Map<string, Array<{ id: string; why: string }>>();
  const add = (completed: unknown, id: string, why: string) => {
    const target = targetId(completed);
    if (!target) return;
    out.set(target, [...(out.get(target) ?? []), { id, why }]);
  };
  for (const [id, r] of Object.entries(resourcesOf(template))) {
    const p = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::RDS::DBProxyTargetGroup':
        add(p.DBProxyName, id, 'registers the database behind the proxy');
        break;
      case 'AWS::RDS::DBInstance':
        add(p.DBClusterIdentifier, id, 'is the instance that serves the cluster');
        break;
      case 'AWS::IAM::Policy':
        for (const role of (p.Roles as unknown[] | undefined) ?? []) {
          add(role, id, "grants the role's permissions");
        }
        break;
      case 'AWS::IAM::RolePolicy':
        add(p.RoleName, id, "grants the role's permissions");
        break;
      case 'AWS::EC2::SecurityGroupIngress':
      case 'AWS::EC2::SecurityGroupEgress':
        add(p.GroupId, id, 'opens the security group');
        break;
    }
  }
  return out;
}

const isCustomResource = (r: CfnResourceJson) =>
  r.Type.startsWith('Custom::') || r.Type === 'AWS::CloudFormation::CustomResource';

/**
 * A custom resource (its provider function included) uses everything it
 * depends on; whatever completes one of those (a proxy's target group, a
 * role's policy, a security group's rules, a cluster's instances) must be a
 * dependency too, or the custom resource may run while it is still missing.
 */
export function customResourcesMissingDependencies(template: CfnTemplate): Finding[] {
  const resources = resourcesOf(template);
  const completedBy = completions(template);
  const findings: Finding[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (!isCustomResource(r)) continue;
    const closure = dependencyClosure(template, id);
    for (const used of closure) {
      for (const c of completedBy.get(used) ?? []) {
        if (closure.has(c.id) || c.id === id) continue;
        findings.push({
          check: 'custom-resource-dependency',
          logicalId: id,
          message: `${id} (${r.Type}) uses ${used} (${resources[used]!.Type}) but does not depend on ${c.id} (${resources[c.id]!.Type}), which ${c.why}`,
        });
      }
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------
// 4. SQS event sources and Lambda's visibility-timeout rule

/** CloudFormation's defaults when the properties are absent. */
const DEFAULT_VISIBILITY_TIMEOUT = 30;
const DEFAULT_FUNCTION_TIMEOUT = 3;

/**
 * AWS's rule for an SQS event source: the queue's visibility timeout is at
 * least 6 × the function's timeout + the batching window. Below it, messages
 * reappear while an invocation still holds them and count receives toward the DLQ.
 */
export function eventSourceVisibilityTooShort(template: CfnTemplate): Finding[] {
  const resources = resourcesOf(template);
  const findings: Finding[] = [];
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    const p = r.Properties ?? {};
    const queue = resources[targetId(p.EventSourceArn) ?? ''];
    const fn = resources[targetId(p.FunctionName) ?? ''];
    if (queue?.Type !== 'AWS::SQS::Queue' || fn?.Type !== 'AWS::Lambda::Function') continue;
    const visibility = Number(queue.Properties?.VisibilityTimeout ?? DEFAULT_VISIBILITY_TIMEOUT);
    const timeout = Number(fn.Properties?.Timeout ?? DEFAULT_FUNCTION_TIMEOUT);
    const window = Number(p.MaximumBatchingWindowInSeconds ?? 0);
    const needed = 6 * timeout + window;
    if (visibility < needed) {
      findings.push({
        check: 'event-source-visibility',
        logicalId: id,
        message: `${id}: queue ${targetId(p.EventSourceArn)} has a visibility timeout of ${visibility} s, below 6 × ${timeout} s (function timeout) + ${window} s (batching window) = ${needed} s`,
      });
    }
  }
  return findings;
}

/** Every check on one stack's template. */
export function checkTemplate(template: CfnTemplate, stackName: string): Finding[] {
  return [
    ...duplicateSecurityGroupRules(template),
    ...unscopedPhysicalNames(template, stackName),
    ...customResourcesMissingDependencies(template),
    ...eventSourceVisibilityTooShort(template),
  ];
}

/**
 * The checks as a CDK validation plugin: `cdk synth` (and so CI) fails on a
 * finding, as it does on an unacknowledged cdk-nag one.
 */
export class TemplateChecks implements IPolicyValidationPlugin {
  readonly name = 'waba-template-checks';
  readonly ruleIds = [...CHECK_NAMES];

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const violations = new Map<
      CheckName,
      PolicyViolation & { violatingResources: PolicyViolatingResource[] }
    >();
    for (const { templatePath, stackConstructPath } of context.stackTemplates) {
      const template = JSON.parse(readFileSync(templatePath, 'utf8')) as CfnTemplate;
      const stack = context.appConstruct.node
        .findAll()
        .find((c) => c.node.path === stackConstructPath);
      const stackName = stack && Stack.isStack(stack) ? stack.stackName : stackConstructPath;
      for (const f of checkTemplate(template, stackName)) {
        const v = violations.get(f.check) ?? {
          ruleName: f.check,
          description: CHECK_DESCRIPTIONS[f.check],
          violatingResources: [],
        };
        v.violatingResources.push({
          resourceLogicalId: f.logicalId,
          templatePath,
          locations: [f.message],
        });
        violations.set(f.check, v);
      }
    }
    return { success: violations.size === 0, violations: [...violations.values()] };
  }
}

const CHECK_DESCRIPTIONS: Record<CheckName, string> = {
  'duplicate-security-group-rule':
    'Two security-group rules with the same group, protocol, ports and peer',
  'unscoped-physical-name': 'A fixed physical name that does not contain the stack name',
  'custom-resource-dependency': 'A custom resource that may run before what it uses is complete',
  'event-source-visibility':
    "An SQS event source whose visibility timeout is below 6 × the function's timeout + batching window",
};
