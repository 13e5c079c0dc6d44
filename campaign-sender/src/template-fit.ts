/**
 * Whether a campaign's components fill a template's parameters: the {{1}},
 * {{2}} (positional) or {{first_name}} (named) parameters in the template's
 * header and body texts, a media or location header, and URL buttons with a
 * variable suffix. Meta refuses a send whose parameters do not match (132000,
 * 132012) for every recipient alike, so the check runs before a campaign exists.
 */

import { PLACEHOLDER } from './template';

const MEDIA_HEADERS = new Set(['IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION']);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
const upper = (v: unknown) => (typeof v === 'string' ? v.toUpperCase() : '');

/** The distinct variables of a template text, in order of first use. */
export function textVariables(text: unknown): string[] {
  if (typeof text !== 'string') return [];
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/** What a template's components ask a send to fill. */
export interface TemplateParameters {
  /** A header's variables, or its media format (IMAGE, VIDEO, DOCUMENT, LOCATION). */
  header: { variables: string[] } | { media: string } | null;
  body: string[];
  /** Index of each URL button with a variable suffix. */
  urlButtons: number[];
}

/** Reads the parameters from Meta's template components (GET /message_templates). */
export function templateParameters(components: unknown): TemplateParameters {
  const list = Array.isArray(components) ? components.filter(isObject) : [];
  const of = (type: string) => list.find((c) => upper(c.type) === type);
  const header = of('HEADER');
  const format = upper(header?.format) || 'TEXT';
  const buttons = Array.isArray(of('BUTTONS')?.buttons)
    ? (of('BUTTONS')!.buttons as unknown[])
    : [];
  return {
    header: !header
      ? null
      : MEDIA_HEADERS.has(format)
        ? { media: format }
        : { variables: textVariables(header.text) },
    body: textVariables(of('BODY')?.text),
    urlButtons: buttons.flatMap((b, i) =>
      isObject(b) && upper(b.type) === 'URL' && textVariables(b.url).length > 0 ? [i] : [],
    ),
  };
}

const positional = (names: readonly string[]) => names.every((n) => /^\d+$/.test(n));
const braces = (names: readonly string[]) => names.map((n) => `{{${n}}}`).join(', ');
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** Problems filling the variables of one text component (header or body) with `given` parameters. */
function textProblems(
  where: string,
  variables: readonly string[],
  given: Json[] | undefined,
): string[] {
  const count = given?.length ?? 0;
  if (variables.length === 0)
    return count === 0
      ? []
      : [`the template's ${where} takes no parameters; the components give ${count}`];
  const wanted = `the template's ${where} takes ${plural(variables.length, 'parameter')} (${braces(variables)})`;
  if (given === undefined) return [`${wanted}; the components have no ${where} component`];
  if (positional(variables))
    return count === variables.length ? [] : [`${wanted}; the components give ${count}`];
  // Named parameters are matched by parameter_name, in any order.
  const names = given.map((p) => p.parameter_name);
  const missing = variables.filter((v) => !names.includes(v));
  const extra = names.filter((n) => typeof n !== 'string' || !variables.includes(n));
  return [
    ...(missing.length ? [`${wanted}; no parameter has parameter_name ${missing.join(', ')}`] : []),
    ...(extra.length
      ? [
          `the template's ${where} has no parameter named ${extra.map((n) => String(n ?? '(none)')).join(', ')}`,
        ]
      : []),
  ];
}

/**
 * The problems of filling `template` (Meta's components) with `components`
 * (the campaign's send components); empty when they fit.
 */
export function checkTemplateFit(template: unknown, components: unknown): string[] {
  const wanted = templateParameters(template);
  const given = Array.isArray(components) ? components.filter(isObject) : [];
  const paramsOf = (type: string) => {
    const c = given.find((x) => upper(x.type) === type);
    return c === undefined
      ? undefined
      : Array.isArray(c.parameters)
        ? c.parameters.filter(isObject)
        : [];
  };
  const problems: string[] = [];
  const header = paramsOf('HEADER');
  if (wanted.header && 'media' in wanted.header) {
    const media = wanted.header.media.toLowerCase();
    if (header?.length !== 1 || header[0]!.type !== media)
      problems.push(
        `the template's header format is ${wanted.header.media}: the components need a header with one ${media} parameter`,
      );
  } else {
    problems.push(...textProblems('header', wanted.header?.variables ?? [], header));
  }
  problems.push(...textProblems('body', wanted.body, paramsOf('BODY')));
  for (const index of wanted.urlButtons) {
    const button = given.find(
      (x) =>
        upper(x.type) === 'BUTTON' &&
        upper(x.sub_type) === 'URL' &&
        String(x.index) === String(index),
    );
    if (!button || !Array.isArray(button.parameters) || button.parameters.length !== 1)
      problems.push(
        `the template's button ${index} is a URL with a variable: the components need {"type":"button","sub_type":"url","index":"${index}"} with one parameter`,
      );
  }
  return problems;
}
