import type { OptOutAction, OptOutKeywordsRow } from '@waba/db';
import { fold } from './keywords';

/** One language's STOP or START keywords and the confirmation the worker sends instead of an answer. */
export interface OptOutKeywordSet {
  language: string;
  action: OptOutAction;
  keywords: readonly string[];
  reply: string;
}

/** The keywords every organization has until it sets its own for a language. */
export const DEFAULT_OPT_OUT_KEYWORDS: readonly OptOutKeywordSet[] = [
  {
    language: 'en',
    action: 'stop',
    keywords: ['STOP', 'STOP ALL', 'UNSUBSCRIBE', 'OPT OUT', 'OPTOUT'],
    reply:
      "You won't receive marketing messages from us anymore. Reply START to receive them again.",
  },
  {
    language: 'en',
    action: 'start',
    keywords: ['START', 'UNSTOP', 'SUBSCRIBE'],
    reply: 'You will receive our marketing messages again. Reply STOP to stop them.',
  },
  {
    language: 'es',
    action: 'stop',
    keywords: ['BAJA', 'PARAR', 'DETENER'],
    reply: 'No recibirás más mensajes de marketing. Responde ALTA para volver a recibirlos.',
  },
  {
    language: 'es',
    action: 'start',
    keywords: ['ALTA'],
    reply:
      'Volverás a recibir nuestros mensajes de marketing. Responde BAJA para dejar de recibirlos.',
  },
  {
    language: 'pt',
    action: 'stop',
    keywords: ['SAIR', 'CANCELAR'],
    reply:
      'Você não receberá mais mensagens de marketing. Responda VOLTAR para recebê-las novamente.',
  },
  {
    language: 'pt',
    action: 'start',
    keywords: ['VOLTAR'],
    reply: 'Você voltará a receber nossas mensagens de marketing. Responda SAIR para pará-las.',
  },
];

/** An organization's keyword sets: its own rows, and the defaults for every language and action it did not set. */
export function optOutKeywordSets(rows: readonly OptOutKeywordsRow[]): OptOutKeywordSet[] {
  const own = new Set(rows.map((r) => `${r.language}|${r.action}`));
  return [
    ...rows.map((r) => ({
      language: r.language,
      action: r.action,
      keywords: r.keywords,
      reply: r.reply,
    })),
    ...DEFAULT_OPT_OUT_KEYWORDS.filter((d) => !own.has(`${d.language}|${d.action}`)),
  ];
}

/** A message's text as a keyword compares: folded, spaces collapsed, surrounding punctuation dropped. */
const normalize = (text: string) =>
  fold(text)
    .replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '')
    .replace(/\s+/gu, ' ');

/**
 * The keyword set a message's whole text matches ("stop", "STOP!", " Stop ."),
 * if any. A keyword inside a sentence ("don't stop") is not an opt-out.
 */
export function matchOptOut(
  sets: readonly OptOutKeywordSet[],
  text: string,
): { set: OptOutKeywordSet; keyword: string } | undefined {
  const t = normalize(text);
  if (t.length === 0) return undefined;
  for (const set of sets) {
    const keyword = set.keywords.find((k) => normalize(k) === t);
    if (keyword !== undefined) return { set, keyword };
  }
  return undefined;
}
